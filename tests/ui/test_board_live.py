"""An ordered plan on screen: the plan view shows each task's board state as the session
runs (what a pending task waits for), a task blocked for the human is reached with the
next-needing-me key and answered with a message, and the board moves read in the pane."""

from __future__ import annotations

from pathlib import Path

from cockpit.ui.blocked import BlockedScreen
from cockpit.ui.dialogs import MessageScreen
from cockpit.ui.plan_view import PlanView
from tests.ui._screen import screen_text
from tests.ui._session import events, make_app, make_workspace, prepare, stop, wait_for_prompt
from tests.waiting import wait_until

ORDERED = """\
# Shop

## Phase 1: Build
- [ ] #api Write the api @builder
      verify: test -f api.py
- [ ] #page Write the page @builder
"""

SCRIPT = """\
agents:
  builder:
    - text: "Cleaning first."
      calls:
        - bash: {command: "rm -rf build"}
    - calls:
        - write_file: {path: api.py, content: "API = 1\\n"}
        - update_task: {task: api, status: done}
    - text: "Api done."
    - calls:
        - report_blocked: {reason: "The page needs a design nobody wrote."}
    - text: "Thanks: writing the page now."
      calls:
        - write_file: {path: page.html, content: "<p>page</p>\n"}
    - text: "The page is written."
      calls:
        - update_task: {task: page, status: done}
    - text: "Done."
  planner:
    - calls:
        - report_blocked: {reason: "I cannot design pages: the human must."}
"""


def plan_text(view: PlanView) -> str:
    return str(view.query_one("#plan-tasks").render())


def flat(text: str) -> str:
    return " ".join(text.replace("█", " ").split())


async def test_the_board_moves_on_screen_and_a_blocked_task_is_answered(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop", plan=ORDERED)
    prepared = prepare(root, SCRIPT, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(130, 36)) as pilot:
        try:
            view = app.main.query_one(PlanView)
            # The builder waits at the prompt: #api is under way, #page waits for it.
            await wait_for_prompt(pilot)
            await wait_until(
                lambda: "waits for #api" in plan_text(view),
                what="the plan view to say what #page waits for",
                pause=pilot.pause,
            )
            shown = plan_text(view)
            assert "▶ #api in progress" in shown
            assert "· #page pending" in shown
            assert "Phase 1: Build\n  open\n" in shown
            await pilot.press("y")
            # #api done, #page handed over, then blocked: it needs the human.
            await wait_until(
                lambda: bool(app.supervisor.blocked),
                what="the blocked item",
                pause=pilot.pause,
                detail=lambda: "\n".join(
                    f"{e['agent']} {e['kind']} {str(e['data'])[:150]}" for e in events(prepared)
                ),
            )
            await wait_until(
                lambda: "✓ #api done" in plan_text(view) and "! #page blocked" in plan_text(view),
                what="the board to show #api done and #page blocked",
                pause=pilot.pause,
            )
            assert "blocked → you: The page needs a design nobody wrote." in plan_text(view)
            await wait_until(
                lambda: "1 waiting for you" in screen_text(app).splitlines()[0],
                what="the header to count the blocked task",
                pause=pilot.pause,
            )
            pane = flat(screen_text(app))
            assert "task #api → done" in pane
            assert "blocked → planner: The page needs a design nobody wrote." in pane
            # The next-needing-me key reaches it; m messages the agent, which answers it.
            await pilot.press("w")
            await wait_until(
                lambda: isinstance(app.screen, BlockedScreen), what="the panel", pause=pilot.pause
            )
            panel = flat(screen_text(app))
            assert "blocked: needs you" in panel
            assert "task #page (@builder)" in panel
            assert "why: planner (the lead) could not resolve it" in panel
            assert "went through: planner" in panel
            await pilot.press("m")
            await wait_until(
                lambda: isinstance(app.screen, MessageScreen),
                what="the message box",
                pause=pilot.pause,
            )
            await pilot.press(*"Use the sketch in docs/", "enter")
            await wait_until(
                lambda: bool(events(prepared, "task.answered")),
                what="the answer to be logged",
                pause=pilot.pause,
            )
            answered = events(prepared, "task.answered")[0]["data"]
            assert answered["task"] == "page" and answered["by"] == "human"
            await wait_until(
                lambda: not app.supervisor.blocked and "✓ #page done" in plan_text(view),
                what="the item gone and #page done",
                pause=pilot.pause,
            )
            moves = [e["data"]["state"] for e in events(prepared, "task.state")]
            assert moves[-2:] == ["in_progress", "done"], "answered, it went on and finished"
            await wait_until(
                lambda: "waiting for you" not in screen_text(app).splitlines()[0],
                what="the header count to drop",
                pause=pilot.pause,
                detail=lambda: screen_text(app).splitlines()[0],
            )
        finally:
            await stop(app)
