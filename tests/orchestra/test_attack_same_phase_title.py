"""Attack: two phases with the same heading (a `### Tests` under each feature, as people
write). Gates and opened phases are keyed by the heading's text, so the first `Tests`
gate passing counts for the second one too: its failing gate never runs and the phase
after it opens."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.orchestra._team import team
from tests.supervisor._inprocess import finish, logged, start

PLAN = """# Shop

## Cart
### Tests
gate: test -f cart.txt
- [ ] #cart Write the cart @back

## Checkout
### Tests
gate: test -f never-written.txt
- [ ] #checkout Write the checkout @back

## Ship
- [ ] #ship Ship it @back
"""

SCRIPT = """
agents:
  back:
    - calls:
        - write_file: {path: cart.txt, content: "cart\\n"}
        - update_task: {task: cart, status: done}
    - text: "cart done."
    - calls:
        - write_file: {path: checkout.txt, content: "checkout\\n"}
        - update_task: {task: checkout, status: done}
    - text: "checkout done."
    - calls:
        - write_file: {path: ship.txt, content: "ship\\n"}
        - update_task: {task: ship, status: done}
    - text: "shipped."
"""


async def test_a_second_phase_with_the_same_heading_runs_its_own_gate(workspace: Path) -> None:
    root = team(workspace, PLAN, {"back": '"**"'})
    prepared = await start(root, SCRIPT, ["back"])
    try:
        await asyncio.wait_for(prepared.supervisor.wait(), timeout=30)
    finally:
        await finish(prepared)
    gates = [e["data"]["command"] for e in logged(prepared, "phase.gate")]
    assert "test -f never-written.txt" in gates, f"the second Tests gate never ran: {gates}"
    moves = [(e["data"]["task"], e["data"]["state"]) for e in logged(prepared, "task.state")]
    assert ("ship", "in_progress") not in moves, "Ship opened past a gate that fails"
