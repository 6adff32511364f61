"""Attack (as a new user, in the TUI): a phase's gate fails and, with no lead, goes
straight to the human. The issue promises "an inbox item of its own kind ("blocked: needs
you") with the report, which `w` reaches like an approval". The supervisor publishes a
`BlockedAsked`, but nothing on the screen takes it: `w` says "No agent needs you right
now" (it only knows agents with a prompt or a blocked status, and a gate has no agent),
so the human is never led to what stops the session."""

from __future__ import annotations

from pathlib import Path

from tests.ui._session import events, make_app, make_workspace, prepare, stop
from tests.waiting import wait_until

PLAN = """# Shop

## Build
gate: test -f release-notes.txt
- [ ] #app Write app.txt @builder
      verify: test -f app.txt

## Ship
- [ ] #ship Write ship.txt @builder
"""

SCRIPT = """\
agents:
  builder:
    - calls:
        - write_file: {path: app.txt, content: "app\\n"}
        - update_task: {task: app, status: done}
    - text: "Built."
"""


async def test_w_reaches_a_failed_gate_waiting_for_the_human(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop", plan=PLAN)
    (root / ".cockpit").mkdir(exist_ok=True)
    (root / ".cockpit" / "config.yaml").write_text('orchestration:\n  lead: ""\n')
    prepared = prepare(root, SCRIPT, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            await wait_until(
                lambda: any(e["data"]["to"] == "human" for e in events(prepared, "task.escalated")),
                what="the failed gate escalated to the human",
                pause=pilot.pause,
            )
            assert prepared.supervisor.blocked, "the supervisor holds the blocked item"
            main = app.screen
            await pilot.press("w")
            await pilot.pause()
            said = [n.message for n in app._notifications]
            assert app.screen is not main, (
                f"w showed nothing for the gate that needs the human: {said}"
            )
        finally:
            await stop(app)
