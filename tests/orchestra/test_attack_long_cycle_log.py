"""Attack (the grammar, a long plan): a cycle through many tasks (a generated plan whose
last `after:` points back at the first). The cycle is one problem, but its message lists
every member, and that whole message is the "why it waits" of every member, logged in
each one's task.state: the log grows with the square of the cycle's length (500 tasks:
megabytes of the same sentence before any work starts)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.orchestra._team import team
from tests.supervisor._inprocess import finish, start

N = 500
PLAN = "# Big\n\n## One [P]\n" + "".join(
    f"- [ ] #c{n} Step {n} @back\n      after: #c{(n + 1) % N}\n" for n in range(N)
)


async def test_a_long_cycle_does_not_flood_the_log(workspace: Path) -> None:
    root = team(workspace, PLAN, {"back": '"**"'})
    prepared = await start(root, "agents:\n  back:\n    - text: nothing\n", ["back"])
    try:
        await asyncio.wait_for(prepared.supervisor.wait(), timeout=60)
    finally:
        await finish(prepared)
    size = prepared.log.path.stat().st_size
    assert size < 1_000_000, f"a {N}-task cycle wrote {size / 1e6:.1f} MB of log"
