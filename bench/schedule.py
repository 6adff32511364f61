"""The scheduler's cost: an ordered plan worked task by task vs the same work unordered.

A real in-process session in a git repository (log, policy, plan watcher, snapshots) with
one agent and N tasks. Ordered: each task waits for the one before it (`#id`s in one
phase), so cockpit hands them over one at a time: its board moves, a strategy snapshot and
a hand-over message per task. The baseline, measured in the same run: the same plan
without order, the agent finishing one task per model turn all the same (the same turns
and update_task calls, no scheduler). The difference is what the human waits for between
two tasks, beside a model turn of seconds: goal, at most 100 ms added per task (the ratio is
printed too; the added cost is evidence: four more durable events and a git snapshot a
task). Also the order of a 500-task plan (dependencies, cycles, what each task waits for)
against parsing it.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cockpit.agent.backends.base import EventCallback, TurnRequest, TurnResult
from cockpit.agent.definition import AgentDefinition
from cockpit.agent.models import Usage
from cockpit.config.settings import OrchestrationSettings, Settings
from cockpit.config.workspace import Workspace
from cockpit.plan.document import Plan
from cockpit.plan.order import PlanOrder
from cockpit.supervisor.launch import LaunchOptions, begin_new

AGENT = "---\nname: worker\ndescription: works\ntools: [read_file]\n---\nYou work.\n"
_ID = re.compile(r"Task (t\d+)")


@dataclass
class _Worker:
    """Finishes the first task it has not finished among those it was handed (ordered)
    or given (unordered), one per turn."""

    ordered: bool
    name: str = "bench"
    done: list[str] = field(default_factory=list)

    async def turn(self, request: TurnRequest, on_event: EventCallback) -> TurnResult:
        del on_event
        text = json.dumps(request.messages)
        if self.ordered:
            offered = re.findall(r"cockpit hands you task #(t\d+)", text)
        else:
            offered = _ID.findall(text)
        todo = [t for t in dict.fromkeys(offered) if t not in self.done]
        if not todo:
            content: list[dict[str, Any]] = [{"type": "text", "text": "done"}]
            return TurnResult(content, "end_turn", Usage(1, 1), request.model, 0.0)
        self.done.append(todo[0])
        call = {"task": todo[0], "status": "done"}
        content = [
            {
                "type": "tool_use",
                "id": f"toolu_{len(self.done)}",
                "name": "update_task",
                "input": call,
            }
        ]
        return TurnResult(content, "tool_use", Usage(1, 1), request.model, 0.0)


def _plan(tasks: int, ordered: bool) -> str:
    lines = ["# Bench", "", "## Work"]
    for n in range(tasks):
        ident = f"#t{n} " if ordered else ""
        lines.append(f"- [ ] {ident}Task t{n} @worker")
    return "\n".join(lines) + "\n"


async def _session(root: Path, tasks: int, ordered: bool) -> float:
    (root / "plan.md").write_text(_plan(tasks, ordered))
    settings = Settings(orchestration=OrchestrationSettings(red_first="off"))
    options = LaunchOptions(
        workspace=Workspace(root),
        agents=["worker"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(root)},
        shared_tree=True,
        script=root / "unused.yaml",
        settings=settings,
    )
    (root / "unused.yaml").write_text("agents: {}\n")
    new = begin_new(options)

    def worker(defn: AgentDefinition, played: int) -> _Worker:
        del defn, played
        return _Worker(ordered)

    prepared = replace(new, make_backend=worker).open()
    sup = prepared.supervisor
    begin = time.perf_counter()
    await sup.start(prepared.setups, prepared.kickoff, started=prepared.started)
    await sup.wait()
    took = time.perf_counter() - begin
    await sup.stop("bench over")
    prepared.log.close()
    return took


def _repo(tmp: Path, name: str) -> Path:
    root = tmp / name
    (root / ".cockpit" / "agents").mkdir(parents=True)
    (root / ".cockpit" / "agents" / "worker.md").write_text(AGENT)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "README.md").write_text("bench\n")
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.email=b@b", "-c", "user.name=b", "commit", "-qm", "b"],
        check=True,
    )
    return root


def _order_of_500() -> dict[str, float]:
    lines = ["# Big", ""]
    for phase in range(10):
        lines.append(f"## Phase {phase} {'[P]' if phase % 2 else ''}")
        for n in range(50):
            k = phase * 50 + n
            lines.append(f"- [ ] {'[P] ' if n % 3 else ''}#t{k} Task {k} @a")
            if k > 5 and n % 4 == 0:
                lines.append(f"      after: #t{k - 5}, #t{k - 3}")
    text = "\n".join(lines) + "\n"
    runs = 20
    begin = time.perf_counter()
    for _ in range(runs):
        plan = Plan.parse(text, Path("plan.md"))
    parse_ms = (time.perf_counter() - begin) * 1000 / runs
    begin = time.perf_counter()
    for _ in range(runs):
        order = PlanOrder.of(plan)
        done: set[str] = set()
        for task in plan.tasks:
            order.waits(task.id, done, 0, lambda _t: "pending")
    order_ms = (time.perf_counter() - begin) * 1000 / runs
    return {"parse_ms": round(parse_ms, 2), "order_and_waits_ms": round(order_ms, 2)}


def run(quick: bool = False) -> dict[str, Any]:
    tasks = 10 if quick else 40
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-schedule-") as tmp:
        base = Path(tmp)
        unordered = asyncio.run(_session(_repo(base, "unordered"), tasks, ordered=False))
        ordered = asyncio.run(_session(_repo(base, "ordered"), tasks, ordered=True))
    per_task = ordered / tasks * 1000
    baseline = unordered / tasks * 1000
    ratio = per_task / baseline if baseline else None
    big = _order_of_500()
    return {
        "tasks": tasks,
        "ordered_ms_per_task": round(per_task, 1),
        "baseline_unordered_ms_per_task": round(baseline, 1),
        "ratio_vs_baseline": round(ratio, 2) if ratio else None,
        "added_ms_per_task": round(per_task - baseline, 1),
        "goal_added_ms_per_task": 100,
        "goal_met": per_task - baseline <= 100,
        "plan_of_500_tasks": {
            **big,
            "ratio_order_vs_parse": round(big["order_and_waits_ms"] / big["parse_ms"], 2),
        },
    }
