"""The screen at the sizes people use: 80x24 and 100x30 as well as a wide terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button

from cockpit.agent.runtime import ApprovalRequest
from cockpit.policy.model import Decision, RuleRef
from cockpit.ui.approval import ApprovalScreen, GrantOffer
from cockpit.ui.plan_view import PlanView
from tests.ui._screen import screen_rows, screen_text
from tests.ui._session import make_app, make_workspace, prepare, stop
from tests.waiting import wait_until

TWO_AGENTS = """\
agents:
  builder:
    - text: "Reading the readme first."
      calls:
        - read_file: {path: README.md}
    - text: "Done."
  reviewer:
    - text: "Nothing to review yet."
"""


@pytest.mark.parametrize(
    ("size", "shown", "width"),
    [((80, 24), False, 30), ((100, 30), True, 30), ((160, 40), True, 44)],
)
async def test_the_plan_view_narrows_or_hides_and_t_always_brings_it_back(
    tmp_path: Path, size: tuple[int, int], shown: bool, width: int
) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, TWO_AGENTS, agents=["builder", "reviewer"])
    app = make_app(prepared)
    async with app.run_test(size=size) as pilot:
        try:
            await wait_until(lambda: app.started, what="the session", pause=pilot.pause)
            plan = app.main.query_one(PlanView)
            assert plan.display is shown
            await pilot.press("t")
            await wait_until(
                lambda: plan.display is not shown, what="the plan key", pause=pilot.pause
            )
            if not shown:  # brought back on a narrow terminal: narrow itself
                await pilot.pause()
                assert plan.outer_size.width == width
                assert "Clean the build folder" in screen_text(app)
            await pilot.press("t")
            await wait_until(
                lambda: plan.display is shown, what="the plan key again", pause=pilot.pause
            )
            if shown:
                assert plan.outer_size.width == width
                assert "Clean the build folder" in screen_text(app)
        finally:
            await stop(app)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_headers_lead_with_the_status_and_keys_keep_help_and_quit(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, TWO_AGENTS, agents=["builder", "reviewer"])
    app = make_app(prepared)
    async with app.run_test(size=size) as pilot:
        try:
            await wait_until(lambda: app.supervisor.all_final, what="the agents", pause=pilot.pause)

            def headers() -> list[str]:
                return [r for r in screen_rows(app) if "builder " in r or "reviewer " in r]

            def both_done() -> bool:
                shown = headers()
                return all(any(f"{a} done" in r for r in shown) for a in ("builder", "reviewer"))

            await wait_until(
                both_done, what=f"both headers to say done: {headers()}", pause=pilot.pause
            )
            keys = screen_rows(app)[-1]
            assert len(keys) <= size[0]
            assert "? " in keys and "Help" in keys and "q " in keys and "Quit" in keys
        finally:
            await stop(app)


def long_request(lines: int, reasons: int) -> ApprovalRequest:
    command = "\n".join(
        f"rm -rf /srv/cache/part-{n} && echo removed part {n}" for n in range(lines)
    )
    return ApprovalRequest(
        agent="builder",
        call="c-9",
        tool="bash",
        command=command,
        cwd="/home/dev/shop",
        decision=Decision(
            3,
            tuple(
                f"reason {n}: deletes outside the workspace: /srv/cache/part-{n}"
                for n in range(reasons)
            ),
            tuple(RuleRef(f"builtin:rule-{n}", f"rules/default.yaml:{n + 10}") for n in range(4)),
        ),
        action=None,
    )


async def scroll_to(pilot: Pilot[Any], words: str, presses: int = 60) -> bool:
    """Press down until ``words`` are on screen (False if they never come)."""
    for _ in range(presses):
        if words in screen_text(pilot.app):
            return True
        await pilot.press("down")
    return words in screen_text(pilot.app)


class PromptHost(App[None]):
    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__()
        self.request = request

    def on_mount(self) -> None:
        offer = GrantOffer("rm -rf … (rules: builtin:rule-0)")
        self.push_screen(ApprovalScreen(self.request, offer, grace_s=0.0))


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_prompt_keeps_command_reasons_and_buttons_in_sight(size: tuple[int, int]) -> None:
    app = PromptHost(long_request(lines=30, reasons=8))
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        assert isinstance(screen, ApprovalScreen)
        await wait_until(lambda: screen.armed, pause=pilot.pause)
        await pilot.pause()
        text = screen_text(app)
        assert "rm -rf /srv/cache/part-0 && echo removed part 0" in text  # the command
        assert "30 lines" in text  # and that there is more of it
        assert "reason 0: deletes outside the workspace" in text  # the first reason
        for button in screen.query(Button):  # every button, whole, on screen
            region = button.region
            assert region.height == 3 and region.bottom <= size[1], button.id
            assert button.label.plain in text
        # The keys scroll the command to its end, then what follows it.
        assert await scroll_to(pilot, "removed part 29")
        assert "Deny (N)" in screen_text(app)
        assert await scroll_to(pilot, "A saves this grant")
        assert "reason 7:" in screen_text(app) and "Deny (N)" in screen_text(app)


async def test_the_reason_box_does_not_push_the_buttons_off_a_short_terminal() -> None:
    app = PromptHost(long_request(lines=30, reasons=8))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ApprovalScreen)
        await wait_until(lambda: screen.armed, pause=pilot.pause)
        await pilot.press("n")
        await pilot.pause()
        text = screen_text(app)
        assert "Why? The agent sees this" in text
        assert "Deny (N)" in text and "Approve (Y)" in text
        assert "rm -rf /srv/cache/part-0" in text
