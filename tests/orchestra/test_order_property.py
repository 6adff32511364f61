"""Over random plans (phases, ``[P]`` groups, ``after:`` dependencies, two agents): in the
log of a real session, no task is ever handed over before every task it depends on is
done and its phase has opened; an agent never has two tasks under way; every task ends
done. The dependencies are worked out here from the grammar's rules, not by cockpit."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.agent.definition import AgentDefinition
from cockpit.config.workspace import Workspace
from cockpit.session.chain import read_events
from cockpit.session.state import fold
from cockpit.supervisor.launch import LaunchOptions, begin_new
from tests.orchestra.diligent import Diligent
from tests.supervisor.conftest import clean_env

AGENT = """---
name: {name}
description: works
tools: [read_file]
---
You work.
"""


@dataclass(frozen=True)
class Spec:
    phases: list[list[tuple[str, bool, list[str]]]]  # per phase: (owner, [P], after indexes)
    parallel_phases: list[bool]


@st.composite
def plans(draw: st.DrawFn) -> Spec:
    phases: list[list[tuple[str, bool, list[str]]]] = []
    count = 0
    for _ in range(draw(st.integers(1, 3))):
        tasks = []
        for _ in range(draw(st.integers(1, 4))):
            earlier = [f"t{i}" for i in range(count)]
            after = (
                draw(st.lists(st.sampled_from(earlier), max_size=2, unique=True)) if earlier else []
            )
            tasks.append((draw(st.sampled_from(["a", "b"])), draw(st.booleans()), after))
            count += 1
        phases.append(tasks)
    return Spec(phases, [draw(st.booleans()) for _ in phases])


def plan_text(spec: Spec) -> str:
    lines = ["# Work", ""]
    n = 0
    for p, tasks in enumerate(spec.phases):
        lines.append(f"## Phase {p + 1}{' [P]' if spec.parallel_phases[p] else ''}")
        for owner, parallel, after in tasks:
            mark = "[P] " if parallel else ""
            lines.append(f"- [ ] {mark}#t{n} Task {n} @{owner}")
            if after:
                lines.append(f"      after: {', '.join('#' + a for a in after)}")
            n += 1
        lines.append("")
    return "\n".join(lines)


def expected_deps(spec: Spec) -> tuple[dict[str, set[str]], dict[str, int]]:
    """Each task's dependencies by the rules, and its phase: every task of the earlier
    phases, the group before it in its phase, and its after: list."""
    deps: dict[str, set[str]] = {}
    phase_of: dict[str, int] = {}
    n = 0
    earlier: set[str] = set()
    for p, tasks in enumerate(spec.phases):
        groups: list[list[str]] = []
        for owner, parallel, after in tasks:
            del owner
            name = f"t{n}"
            joins = spec.parallel_phases[p] or (
                parallel and groups and groups[-1][-1] in _marked(spec, groups[-1])
            )
            if joins and groups:
                groups[-1].append(name)
            else:
                groups.append([name])
            before = set(groups[-2]) if len(groups) > 1 else set()
            deps[name] = set(after) | before | earlier
            phase_of[name] = p
            n += 1
        earlier |= {t for g in groups for t in g}
    return deps, phase_of


def _marked(spec: Spec, group: list[str]) -> set[str]:
    flat = [t for phase in spec.phases for t in phase]
    return {g for g in group if flat[int(g[1:])][1]}


async def run(spec: Spec) -> list[tuple[str, str, str | None]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        (root / ".cockpit" / "agents").mkdir(parents=True)
        for name in ("a", "b"):
            (root / ".cockpit" / "agents" / f"{name}.md").write_text(AGENT.format(name=name))
        (root / "plan.md").write_text(plan_text(spec))
        options = LaunchOptions(
            workspace=Workspace(root),
            agents=["a", "b"],
            env=clean_env(),
            shared_tree=True,
            script=root / "unused.yaml",
        )
        (root / "unused.yaml").write_text("agents: {}\n")
        new = begin_new(options)

        def diligent(defn: AgentDefinition, played: int) -> Diligent:
            del played
            return Diligent(defn.name)

        prepared = replace(new, make_backend=diligent).open()
        sup = prepared.supervisor
        await sup.start(prepared.setups, prepared.kickoff, started=prepared.started)
        await asyncio.wait_for(sup.wait(), 60)
        await sup.stop("done")
        prepared.log.close()
        events = list(read_events(prepared.log.path))
        moves = [
            (e.kind, str(e.data.get("task") or e.data.get("phase")), e.data.get("state"))
            for e in events
            if e.kind in ("task.state", "phase.opened")
        ]
        # The board as resume and replay fold it from the log: every task done.
        board = fold(events).board
        assert {t: r.state for t, r in board.items()} == {t: "done" for t in board}
        assert len(board) == sum(len(phase) for phase in spec.phases)
        return moves


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_no_task_is_handed_over_before_its_dependencies_are_done(spec: Spec) -> None:
    deps, phase_of = expected_deps(spec)
    moves = asyncio.run(run(spec))
    done: set[str] = set()
    opened = {0}
    busy: dict[str, str] = {}
    owner = {f"t{i}": t[0] for i, t in enumerate(t for ph in spec.phases for t in ph)}
    for kind, name, state in moves:
        if kind == "phase.opened":
            opened.add(int(name.split()[1].rstrip("[P]").strip()) - 1)
            continue
        if state == "in_progress":
            missing = deps[name] - done
            assert not missing, f"{name} handed over before {missing} were done"
            assert phase_of[name] in opened, f"{name} handed over before its phase opened"
            assert owner[name] not in busy, (
                f"{owner[name]} got {name} while on {busy.get(owner[name])}"
            )
            busy[owner[name]] = name
        elif state == "done":
            done.add(name)
            busy.pop(owner[name], None)
    assert done == set(deps), f"not done: {set(deps) - done}"
