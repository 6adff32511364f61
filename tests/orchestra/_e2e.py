"""A team from `cockpit init --team NAME` run end to end with the scripted backend.

The team's plan.md is made runnable: each placeholder `pytest -q` becomes `sh check.sh`
over the files its task produces (a task that produces none, like a review: those of the
tasks before it; a gate: those of its phase and the ones before); one task gets
`iterations: 1` and `shifts: 1` so its scripted failures go through the whole escape
hatch. The script (tests/orchestra/teams/NAME.yaml) has each agent write its tasks'
artifacts in plan order.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cockpit.config.settings import load_settings
from cockpit.plan.document import load_plan
from cockpit.plan.order import PlanOrder
from cockpit.session.audit import audit
from cockpit.supervisor.launch import Prepared
from tests.supervisor._inprocess import finish, logged, start
from tests.supervisor.conftest import git
from tests.waiting import wait_until

SCRIPTS = Path(__file__).parent / "teams"

CHECK = """\
# The team's check: every file named is there and not empty.
for f in "$@"; do
  test -s "$f" || { echo "missing: $f"; exit 1; }
done
echo "all there: $*"
"""

_TASK = re.compile(r"^- \[[ x]\] .*?#([\w-]+)")


@dataclass(frozen=True)
class Team:
    name: str
    artifacts: dict[str, str]
    """Task id -> the file it produces (in its owner's scope); tasks not named produce none."""
    failing: str
    """The task whose first two approaches fail (the escape hatch, then escalation)."""
    answer: str
    """What the human tells the failing task's agent."""


def _runnable(plan: str, team: Team) -> str:
    """plan.md with each `pytest -q` replaced by a real check (see the module)."""
    phases: list[list[str]] = [[]]
    for line in plan.splitlines():
        if line.startswith("## "):
            phases.append([])
        elif m := _TASK.match(line):
            phases[-1].append(m.group(1))
    out: list[str] = []
    phase, task = 0, ""
    before: list[str] = []
    for line in plan.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        if line.startswith("## "):
            phase += 1
        elif m := _TASK.match(line):
            if task in team.artifacts:
                before.append(team.artifacts[task])
            task = m.group(1)
        if line.strip() == "gate: pytest -q":
            tasks = [t for tasks in phases[: phase + 1] for t in tasks]
            files = sorted({team.artifacts[t] for t in tasks if t in team.artifacts})
            line = f"{indent}gate: sh check.sh {' '.join(files)}"
        elif line.strip() == "verify: pytest -q":
            files = [team.artifacts[task]] if task in team.artifacts else sorted(set(before))
            line = f"{indent}verify: sh check.sh {' '.join(files)}"
        out.append(line)
        if task == team.failing and line.strip().startswith("verify:"):
            out += [f"{indent}iterations: 1", f"{indent}shifts: 1"]
    return "\n".join(out) + "\n"


def init_team(tmp: Path, team: Team) -> Path:
    """A git repository with the team written by the real CLI, made runnable, committed."""
    root = tmp / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC", "COCKPIT_"))}
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "init", "--team", team.name],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    plan = root / "plan.md"
    plan.write_text(_runnable(plan.read_text(), team))
    (root / "check.sh").write_text(CHECK)
    git(root, "add", "-A")
    git(root, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", f"the {team.name} team")
    return root


def agents_of(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / ".cockpit" / "agents").glob("*.md"))


async def run_team(tmp: Path, team: Team) -> tuple[Path, Prepared, dict[str, Any]]:
    """The session, start to end; the human answers the failing task once it reaches them.
    Returns the repository, the session and what the human saw waiting."""
    root = init_team(tmp, team)
    settings = load_settings(root / ".cockpit" / "config.yaml")
    script = (SCRIPTS / f"{team.name}.yaml").read_text()
    prepared = await start(root, script, agents_of(root), shared_tree=False, settings=settings)
    sup = prepared.supervisor
    try:
        await wait_until(
            lambda: team.failing in sup.blocked,
            f"#{team.failing} in the human's inbox",
            timeout=30,
            detail=lambda: _moves(prepared),
        )
        waiting = dict(sup.blocked)
        await sup.message(waiting[team.failing].agent or "", team.answer)
        await sup.wait()
    finally:
        await finish(prepared)
    return root, prepared, waiting


def _moves(prepared: Prepared) -> str:
    """The session so far, one event a line (what a failed wait shows)."""
    return "\n".join(f"{e['kind']} {e['agent']}: {str(e['data'])[:400]}" for e in logged(prepared))


def assert_ran(root: Path, prepared: Prepared, waiting: dict[str, Any], team: Team) -> None:
    """What a user sees of a team that ran end to end (see the module of test_teams)."""
    plan = load_plan(root / "plan.md")
    order = PlanOrder.of(plan)
    events = logged(prepared)

    # Phases opened in the plan's order, each once.
    phases = [s.title for s in order.phases if s.index and s.tasks]
    opened = [e["data"]["phase"] for e in events if e["kind"] == "phase.opened"]
    assert opened == phases, _moves(prepared)

    # Every gate ran on the integration state and passed.
    gates = [e["data"] for e in events if e["kind"] == "phase.gate"]
    assert {g["phase"] for g in gates} == {s.title for s in order.phases if s.gate}
    assert all(g["passed"] for g in gates), gates

    # No task began before its dependencies were done and the phases before it finished.
    done: set[str] = set()
    for e in events:
        if e["kind"] != "task.state":
            continue
        task, state = e["data"]["task"], e["data"]["state"]
        if state == "done":
            done.add(task)
        elif state == "in_progress" and e["data"].get("why") == "handed over":
            earlier = {t for s in order.phases[: order.phase_of[task]] for t in s.tasks}
            assert set(order.deps.get(task, ())) | earlier <= done, (task, done)

    # The failing task: two approaches rolled back, blocked with a report in its worktree,
    # to the lead, then to the human, answered, then done.
    lead = yaml.safe_load((root / ".cockpit/config.yaml").read_text())["orchestration"]["lead"]
    mine = [e for e in events if e["data"].get("task") == team.failing]
    assert [e["data"]["strategy"] for e in mine if e["kind"] == "strategy.shifted"] == [2]
    assert [e["data"]["to"] for e in mine if e["kind"] == "task.escalated"] == [lead, "human"]
    assert team.failing in waiting, "the human's inbox had it"
    # The report goes with it to the lead (the human's item loses it for now: see
    # tests/orchestra/test_found_report_lost_via_lead.py).
    report = next(e["data"]["report"] for e in mine if e["kind"] == "task.escalated")
    assert report and Path(report).name == "BLOCKER_REPORT.md"
    assert ".cockpit/worktrees/" in report, "written in the agent's own worktree"
    text = Path(report).read_text()
    assert "## Strategies attempted" in text and "I think" in text
    assert [e["data"]["by"] for e in mine if e["kind"] == "task.answered"] == ["human"]
    states = [e["data"]["state"] for e in mine if e["kind"] == "task.state"]
    blocked = states.index("blocked")
    assert states[blocked + 1] == "in_progress" and states[-1] == "done"

    # Every task done; the integration branch holds every artifact.
    last = {e["data"]["task"]: e["data"]["state"] for e in events if e["kind"] == "task.state"}
    assert last == {t.id: "done" for t in plan.tasks}
    integration = f"cockpit/{prepared.session}/integration"
    files = set(git(root, "ls-tree", "-r", "--name-only", integration).split())
    assert set(team.artifacts.values()) <= files, files
    assert not files & {"attempt-1.txt", "attempt-2.txt"}, "rolled back approaches are gone"

    report_ = audit(prepared.log.path)
    try:
        assert (report_.valid, report_.chain, report_.violations) == (True, "keyed", []), (
            report_.reason
        )
    finally:
        report_.close()
