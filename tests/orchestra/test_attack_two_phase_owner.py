"""Attack (as a new user): with a worktree per agent (the default in a git repository),
one agent owns a task in two phases, as the `feature` team's test-writer does. Its first
task is verified and goes to review, but the merge ceremony leaves the agent out ("not
verified: task ship: `test -f ship.txt` has not passed": it wants *every* task of the
agent verified, including the one of the phase that has not opened). The first task
stays in review for ever, the next phase never opens, and the session ends "finished",
exit 0, with work still pending and nothing said.

The cause: merge_triage.triage applies the finished phase's rule only to an agent whose
status is not DONE; an agent that ended its turn waiting for its next task is DONE, and
then every one of its tasks must be verified. It is a race in a live session (the
ceremony runs before or after the agent's turn ends: `cockpit run --headless` with the
trio team's builder and planner loses it every time here); the test holds the ceremony's
lock, as another merge in progress would, so the agent's turn ends first."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.supervisor._inprocess import finish, logged, start
from tests.supervisor.conftest import git
from tests.waiting import wait_until

AGENT = """---
name: {name}
description: builds {name}
tools: [bash, read_file, write_file, edit_file, list_files]
scope: ["**"]
---
You build.
"""

PLAN = """# Shop

## Phase 1: Build
gate: test -f app.txt
- [ ] #build Write app.txt @back
      verify: test -f app.txt

## Phase 2: Ship
- [ ] #ship Write ship.txt @back
      verify: test -f ship.txt
"""

SCRIPT = """
agents:
  planner:
    - text: "Nothing to plan."
  back:
    - calls:
        - write_file: {path: app.txt, content: "app\\n"}
        - update_task: {task: build, status: done}
    - text: "Built."
    - calls:
        - write_file: {path: ship.txt, content: "ship\\n"}
        - update_task: {task: ship, status: done}
    - text: "Shipped."
"""


async def test_an_agent_with_tasks_in_two_phases_gets_past_the_first(workspace: Path) -> None:
    agents = workspace / ".cockpit" / "agents"
    agents.mkdir(parents=True)
    (agents / "back.md").write_text(AGENT.format(name="back"))
    (agents / "planner.md").write_text(AGENT.format(name="planner").replace('["**"]', "[plan.md]"))
    (workspace / "plan.md").write_text(PLAN)
    git(workspace, "add", "-A")
    git(workspace, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "plan")
    prepared = await start(workspace, SCRIPT, ["back", "planner"], shared_tree=False)
    sup = prepared.supervisor
    try:
        # Another merge is under way (say, another agent's, with slow checks) while back
        # finishes #build and ends its turn, as an agent waiting for its next task does:
        # the phase's ceremony then finds back "done" and wants #ship verified too.
        async with sup.ceremony._lock:
            await wait_until(lambda: sup.statuses().get("back") == "done", "back's turn over")
        await asyncio.wait_for(sup.wait(), timeout=30)
    finally:
        await finish(prepared)
    moves = [(e["data"]["task"], e["data"]["state"]) for e in logged(prepared, "task.state")]
    assert ("build", "done") in moves, f"#build never left review: {moves}"
    assert ("ship", "done") in moves
