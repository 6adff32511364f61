"""An ordered plan with a worktree per agent: a task's verified work is merged onto the
integration branch before the tasks after it are handed over; a phase's gate runs on the
integration state; the next agent's worktree is brought to that state before it starts;
a failing gate keeps the next phase closed and goes to the human."""

from __future__ import annotations

from pathlib import Path

from tests.supervisor._inprocess import finish, logged, start
from tests.supervisor.conftest import git

AGENT = """---
name: {name}
description: builds {name}
tools: [bash, read_file, write_file, edit_file, list_files]
scope: [{scope}]
---
You build.
"""

PLAN = """# Shop

## Phase 1: Schema
gate: {gate}
- [ ] #schema Write the schema @back
      verify: test -f schema.sql

## Phase 2: Page
- [ ] #page Write the page @front
      verify: test -f schema.sql && test -f page.html
"""

SCRIPT = """
agents:
  back:
    - calls:
        - write_file: {path: schema.sql, content: "create table t;\\n"}
        - update_task: {task: schema, status: done}
    - text: "Schema done."
  front:
    - calls:
        - write_file: {path: page.html, content: "<p>hi</p>\\n"}
        - update_task: {task: page, status: done}
    - text: "Page done."
"""


def _repo(root: Path, gate: str) -> Path:
    agents = root / ".cockpit" / "agents"
    agents.mkdir(parents=True)
    (agents / "back.md").write_text(AGENT.format(name="back", scope="schema.sql"))
    (agents / "front.md").write_text(AGENT.format(name="front", scope="page.html"))
    (root / "plan.md").write_text(PLAN.format(gate=gate))
    git(root, "add", "-A")
    git(root, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "plan")
    return root


async def test_the_next_phase_builds_on_the_merged_and_gated_work(workspace: Path) -> None:
    repo = _repo(workspace, "test -f schema.sql")
    prepared = await start(repo, SCRIPT, ["back", "front"], shared_tree=False)
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    moves = [(e["data"]["task"], e["data"]["state"]) for e in logged(prepared, "task.state")]
    assert moves.index(("schema", "review")) < moves.index(("schema", "done"))
    gates = logged(prepared, "phase.gate")
    assert [g["data"]["passed"] for g in gates] == [True]
    assert moves.index(("schema", "done")) < moves.index(("page", "in_progress"))
    # front's verify needs back's schema.sql: its worktree was brought to the integration
    # branch before it started, so its verify passed and its work merged too.
    assert ("page", "done") in moves
    integration = f"cockpit/{prepared.session}/integration"
    files = git(repo, "ls-tree", "-r", "--name-only", integration).split()
    assert {"schema.sql", "page.html"} <= set(files)
    assert not (repo / "schema.sql").exists(), "the user's checkout is never touched"
    # The audit proves what cockpit ran on its own account too, and that nothing ran
    # without permission.
    from cockpit.session.audit import audit

    report = audit(prepared.log.path)
    try:
        assert report.valid and not report.violations, report.reason
        own = [(r["why"], r["command"], r["exit_code"]) for r in report.rows("own")]
    finally:
        report.close()
    assert ("gate of phase 'Phase 1: Schema'", "test -f schema.sql", 0) in own
    assert ("red first of #schema", "test -f schema.sql", 1) in own
    assert any(why.startswith("merge check of") for why, _, _ in own)


async def test_a_failing_gate_keeps_the_next_phase_closed(workspace: Path) -> None:
    repo = _repo(workspace, "test -f migrations.done")
    prepared = await start(repo, SCRIPT, ["back", "front"], shared_tree=False)
    try:
        await prepared.supervisor.wait()
        waiting = dict(prepared.supervisor.blocked)
    finally:
        await finish(prepared)
    gates = logged(prepared, "phase.gate")
    assert gates and gates[-1]["data"]["passed"] is False
    started = [e["agent"] for e in logged(prepared, "agent.started")]
    assert "front" not in started, "front never started: its phase is closed"
    states = [e["data"] for e in logged(prepared, "task.state") if e["data"]["task"] == "page"]
    assert states[-1]["state"] == "pending"
    assert "phase 'Phase 2: Page' to open" in states[-1]["waits_for"]
    # The lead (the planner, by default) gets it first; its turn ends without resolving
    # it, so it goes on to the human.
    escalated = logged(prepared, "task.escalated")
    assert [e["data"]["to"] for e in escalated] == ["planner", "human"]
    assert "test -f migrations.done" in escalated[-1]["data"]["reason"]
    assert "gate:Phase 1: Schema" in waiting


PLANNED = """# Shop

## Phase 1: Plan
- [ ] #plan Split the work @lead

## Phase 2: Build
- [ ] #schema Write the schema @back
      verify: test -f schema.sql
"""

LEAD_SCRIPT = """
agents:
  lead:
    - calls:
        - update_task: {task: plan, status: done}
    - text: "Planned."
  back:
    - calls:
        - write_file: {path: schema.sql, content: "create table t;\\n"}
        - update_task: {task: schema, status: done}
    - text: "Schema done."
"""


async def test_a_writer_whose_task_changed_no_file_is_done_without_a_merge(
    workspace: Path,
) -> None:
    """A planner writes only the human's plan.md (never its worktree): its branch has
    nothing to merge, so its task is done, and the next phase opens."""
    agents = workspace / ".cockpit" / "agents"
    agents.mkdir(parents=True)
    (agents / "lead.md").write_text(AGENT.format(name="lead", scope="plan.md"))
    (agents / "back.md").write_text(AGENT.format(name="back", scope="schema.sql"))
    (workspace / "plan.md").write_text(PLANNED)
    git(workspace, "add", "-A")
    git(workspace, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "plan")
    prepared = await start(workspace, LEAD_SCRIPT, ["lead", "back"], shared_tree=False)
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    states = {e["data"]["task"]: e["data"]["state"] for e in logged(prepared, "task.state")}
    assert states == {"plan": "done", "schema": "done"}
