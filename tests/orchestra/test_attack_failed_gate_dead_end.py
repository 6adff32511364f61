"""Attack: a phase's gate fails in a shared tree and goes to the lead, who is told to
"reopen it". Once the cause is fixed there is no way to run the gate again: `replan
reopen` knows no gate ("no task 'gate:Build'"), and the gate is only retried when the set
of done tasks changes. The phase after it never opens; the session ends with its tasks
pending."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.orchestra._team import team
from tests.supervisor._inprocess import finish, logged, start
from tests.waiting import wait_until

PLAN = """# Shop

## Build
gate: test -f lint-clean.txt
- [ ] #cart Write the cart @back

## Ship
- [ ] #ship Ship it @back
"""

SCRIPT = """
agents:
  planner:
    - text: "Nothing to plan until something is blocked."
    - calls:
        - write_file: {path: plan.md, content: PLAN_JSON}
    - calls:
        - replan: {action: reopen, task: "gate:Build"}
    - text: "Reopened the gate."
  back:
    - calls:
        - write_file: {path: cart.txt, content: "cart\\n"}
        - update_task: {task: cart, status: done}
    - text: "cart done."
    - calls:
        - write_file: {path: ship.txt, content: "ship\\n"}
        - update_task: {task: ship, status: done}
    - text: "shipped."
""".replace("PLAN_JSON", json.dumps(PLAN))


async def test_a_failed_gate_can_be_run_again_once_its_cause_is_fixed(workspace: Path) -> None:
    root = team(workspace, PLAN, {"back": '"**"', "planner": "plan.md"})
    prepared = await start(root, SCRIPT, ["back", "planner"])
    sup = prepared.supervisor
    try:
        # The lead, woken by the failed gate, first writes plan.md (tier 3): while it asks,
        # the human fixes what the gate checks.
        await wait_until(lambda: len(sup.pending) == 1, "the lead's command asking")
        (root / "lint-clean.txt").write_text("fixed by the human\n")
        for call in list(sup.pending):
            await sup.resolve(call, True, "human")
        await asyncio.wait_for(sup.wait(), timeout=30)
    finally:
        await finish(prepared)
    passed = [e["data"]["passed"] for e in logged(prepared, "phase.gate")]
    assert passed == [False, True], f"the gate never ran again after the fix: {passed}"
    moves = [(e["data"]["task"], e["data"]["state"]) for e in logged(prepared, "task.state")]
    assert ("ship", "done") in moves
