"""Attack: an agent that may write plan.md renames the task it was handed and ticks it
(`- [x] #a2 ...`); the human lets the write through (steering marks agent-ticked boxes
"unverified", so that looks safe). The renamed task is new to the board and a ticked new
task is taken as done, silently (no task.state event), so the next task is handed over
although nothing verified the work."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.orchestra._team import team
from tests.supervisor._inprocess import finish, logged, start
from tests.waiting import wait_until

PLAN = """# Work

## Build
- [ ] #a Write a @back
      verify: test -f a.txt
- [ ] #b Build on a @front
"""

SCRIPT = """
agents:
  back:
    - calls:
        - write_file:
            path: plan.md
            content: "# Work\\n\\n## Build\\n- [x] #a2 Write a @back\\n\\
              \\      verify: test -f a.txt\\n- [ ] #b Build on a @front\\n"
    - text: "a is done (trust me)."
  front:
    - text: "Nothing to do."
"""


async def test_an_agent_renaming_and_ticking_its_task_does_not_finish_it(workspace: Path) -> None:
    root = team(workspace, PLAN, {"back": '"**"', "front": '"**"'})
    prepared = await start(root, SCRIPT, ["back", "front"])
    sup = prepared.supervisor
    try:
        # Writing plan.md asks the human (tier 3); the human lets it through, as the plan
        # view marks agent-ticked boxes "unverified" rather than done.
        await wait_until(lambda: len(sup.pending) == 1, "back's plan edit asking")
        for call in list(sup.pending):
            await sup.resolve(call, True, "human")
        await asyncio.wait_for(sup.wait(), timeout=20)
    finally:
        await finish(prepared)
    assert not (root / "a.txt").exists()
    moves = [(e["data"]["task"], e["data"]["state"]) for e in logged(prepared, "task.state")]
    assert ("b", "in_progress") not in moves, (
        f"#b was handed over though #a's work was never verified: {moves}"
    )
