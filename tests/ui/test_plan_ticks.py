"""On screen, an agent's edit of plan.md asks first and says whose plan it is, and a box
the agent ticked itself shows as not verified in the plan view."""

from __future__ import annotations

from pathlib import Path

from cockpit.ui.plan_view import PlanView
from tests.ui._screen import screen_text
from tests.ui._session import (
    events,
    make_app,
    make_workspace,
    prepare,
    stop,
    wait_for_prompt,
)
from tests.waiting import wait_until

TICKS_ITS_OWN_BOX = """\
agents:
  builder:
    - text: "Marking my task done."
      calls:
        - edit_file:
            path: plan.md
            old: "- [ ] Clean the build folder"
            new: "- [x] Clean the build folder"
    - text: "Done."
"""


def plan_text(view: PlanView) -> str:
    return str(view.query_one("#plan-tasks").render())


async def test_a_box_the_agent_ticked_shows_as_not_verified(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, TICKS_ITS_OWN_BOX, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            await wait_for_prompt(pilot)
            shown = " ".join(screen_text(app).replace("█", " ").split())
            assert "plan.md, the human's plan: agents change it only through update_task" in shown
            await pilot.press("y")
            await wait_until(lambda: bool(events(prepared, "plan.changed")), pause=pilot.pause)
            view = app.main.query_one(PlanView)
            await wait_until(
                lambda: "ticked by builder, not verified" in plan_text(view),
                what="the plan view to mark the tick",
                pause=pilot.pause,
            )
            assert "[x?] Clean the build folder" in plan_text(view)
        finally:
            await stop(app)
