"""Found while running the teams end to end (tests/orchestra/test_teams.py): in a worktree
session, a task whose agent changes nothing on its branch stays in ``review`` forever.

Every team's lead has the write scope ``[plan.md]``, and plan.md is the human's file (a
worktree's copy is hidden, `cockpit.supervisor.places`), so nothing a lead does reaches its
branch. Its task goes ``review`` (`Supervisor.writes_in_worktree` is true for it), the merge
ceremony leaves the lead out as "no work", and nothing moves the task on: it never becomes
``done``, the phase never completes, and the tasks after it are never handed over (trio's
#plan, boss-workers' #plan and #accept, feature's and echelons' #close)."""

from __future__ import annotations

from pathlib import Path

from tests.orchestra._team import team
from tests.supervisor._inprocess import finish, logged, start

PLAN = """# Work

## Phase 1: Plan
- [ ] #plan Split the goal into tasks @planner

## Phase 2: Build
- [ ] #build Build it @builder
      verify: test -f built.txt
"""

SCRIPT = """
agents:
  planner:
    - calls:
        - update_task: {task: plan, status: done}
    - text: "Planned."
  builder:
    - calls:
        - write_file: {path: built.txt, content: "built\\n"}
        - update_task: {task: build, status: done}
    - text: "Built."
"""


async def test_a_task_that_changed_nothing_in_its_worktree_becomes_done(
    workspace: Path,
) -> None:
    root = team(workspace, PLAN, {"planner": "plan.md", "builder": "built.txt"}, commit=True)
    prepared = await start(root, SCRIPT, ["planner", "builder"], shared_tree=False)
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    moves = [(e["data"]["task"], e["data"]["state"]) for e in logged(prepared, "task.state")]
    assert ("plan", "done") in moves, moves
    assert ("build", "done") in moves, "the next phase opened and its task was handed over"
