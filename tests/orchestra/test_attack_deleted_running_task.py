"""Attack (editing the plan mid-session): the human deletes the task an agent is working
on. The board drops it silently: the agent is never told to stop (a reassignment tells
it; a deletion does not), and the scheduler hands it its next task at once, so the
agent gets a second task while it still works on the deleted one."""

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
- [ ] #b Write b @back
      verify: test -f b.txt
"""

# back's first call is tier 3: it waits for the human, who deletes #a meanwhile.
SCRIPT = """
agents:
  back:
    - calls:
        - bash: {command: "mkdir -p scratch && rm -rf scratch"}
    - calls:
        - write_file: {path: b.txt, content: "b\\n"}
        - update_task: {task: b, status: done}
    - text: "b done."
"""


async def test_deleting_a_running_task_tells_its_agent(workspace: Path) -> None:
    root = team(workspace, PLAN, {"back": '"**"'})
    prepared = await start(root, SCRIPT, ["back"])
    sup = prepared.supervisor
    try:
        await wait_until(lambda: len(sup.pending) == 1, "back's first command asking")
        (root / "plan.md").write_text(
            PLAN.replace("- [ ] #a Write a @back\n      verify: test -f a.txt\n", "")
        )
        await wait_until(lambda: logged(prepared, "plan.changed"), "the edit seen")
        await asyncio.wait_for(sup.scheduler.settle(), timeout=20)
        told = [
            e["data"]["text"]
            for e in logged(prepared, "human.message")
            if e["agent"] == "back" and e["data"].get("by") == "cockpit"
        ]
        assert any("#a" in text and "#b" not in text for text in told), (
            f"back was never told #a is gone: {told}"
        )
        for call in list(sup.pending):
            await sup.resolve(call, True, "human")
        await asyncio.wait_for(sup.wait(), timeout=30)
    finally:
        await finish(prepared)
