"""Attack: the human edits plan.md mid-session and takes out the last order mark (the
only `#id`s become plain titles). The scheduler keeps the old order, whose ids are gone:
it must go on (or say why), never die silently and leave the session hanging."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.orchestra._team import team
from tests.supervisor._inprocess import finish, logged, start
from tests.waiting import wait_until

PLAN = """# Work

## Build
- [ ] #a Write a @back
- [ ] #b Write b @back
"""

# The first call is tier 3: it waits for the human, who edits the plan meanwhile.
SCRIPT = """
agents:
  back:
    - calls:
        - bash: {command: "mkdir -p scratch && rm -rf scratch"}
    - calls:
        - write_file: {path: a.txt, content: "a\\n"}
    - text: "a written."
"""


async def test_taking_the_order_out_of_the_plan_does_not_kill_the_scheduler(
    workspace: Path,
) -> None:
    root = team(workspace, PLAN, {"back": '"**"'})
    prepared = await start(root, SCRIPT, ["back"])
    sup = prepared.supervisor
    try:
        await wait_until(lambda: len(sup.pending) == 1, "back's first command asking")
        (root / "plan.md").write_text(PLAN.replace("#a ", "").replace("#b ", ""))
        await wait_until(lambda: logged(prepared, "plan.changed"), "the edit seen")
        for call in list(sup.pending):
            await sup.resolve(call, True, "human")
        # The scheduler must still be working: settle() returns once it has handled the edit.
        await asyncio.wait_for(sup.scheduler.settle(), timeout=20)
        assert sup.scheduler._loop is not None and not sup.scheduler._loop.done(), (
            "the scheduler's loop died on the edit"
        )
        await asyncio.wait_for(sup.wait(), timeout=30)
    finally:
        await finish(prepared)
