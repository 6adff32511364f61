"""The approval prompt against a real session: Y, N with a reason, Escape, the grace period,
A (allow for this session), next-needing-me."""

from __future__ import annotations

import gc
import time
from pathlib import Path

from cockpit.ui.agent_pane import AgentPane
from cockpit.ui.approval import ApprovalScreen
from tests.ui._session import (
    backend,
    events,
    make_app,
    make_workspace,
    prepare,
    stop,
    wait_for_prompt,
)
from tests.waiting import wait_until

CLEAN = """\
agents:
  builder:
    - text: "Cleaning the build folder."
      calls:
        - bash: {command: "rm -rf build"}
    - text: "Done."
"""


def resolved(prepared: object) -> list[dict[str, object]]:
    return [e["data"] for e in events(prepared, "approval.resolved")]  # type: ignore[arg-type]


async def test_y_approves_and_the_command_runs(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, CLEAN, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            prompt = await wait_for_prompt(pilot)
            assert prompt.request.command == "rm -rf build"
            assert app.inbox.alerts == ["cockpit: builder is waiting for you"]
            assert gc.isenabled()  # paused only while the prompt came up
            await pilot.press("y")
            await wait_until(
                lambda: not (root / "build").exists(), what="rm to run", pause=pilot.pause
            )
            await wait_until(lambda: bool(events(prepared, "tool.finished")), pause=pilot.pause)
        finally:
            await stop(app)
    assert resolved(prepared) == [{"approved": True, "by": "human"}]
    finished = events(prepared, "tool.finished")[-1]["data"]
    assert finished["exit_code"] == 0


async def test_n_denies_with_a_reason_the_agent_sees(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, CLEAN, agents=["builder"])
    app = make_app(prepared)
    model = backend(prepared, "builder")
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            await wait_for_prompt(pilot)
            await pilot.press("n")
            assert isinstance(app.screen, ApprovalScreen)  # N first asks why
            await pilot.press(*"use make clean")
            await pilot.press("enter")
            await wait_until(
                lambda: len(model.requests) >= 2, what="the next turn", pause=pilot.pause
            )
        finally:
            await stop(app)
    assert (root / "build" / "out.txt").exists()
    assert resolved(prepared) == [{"approved": False, "by": "human", "reason": "use make clean"}]
    last_user = model.requests[-1].messages[-1]
    assert last_user["role"] == "user"
    assert "use make clean" in str(last_user["content"])


async def test_escape_denies(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, CLEAN, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            await wait_for_prompt(pilot)
            await pilot.press("escape")
            await wait_until(lambda: bool(resolved(prepared)), what="the denial", pause=pilot.pause)
            assert not isinstance(app.screen, ApprovalScreen)
        finally:
            await stop(app)
    assert resolved(prepared) == [{"approved": False, "by": "human"}]
    assert (root / "build" / "out.txt").exists()
    assert not events(prepared, "tool.started")


async def test_a_key_inside_the_grace_period_does_nothing(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, CLEAN, agents=["builder"])
    app = make_app(prepared, grace_s=3.0)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            prompt = await wait_for_prompt(pilot, armed=False)
            assert not prompt.armed
            await pilot.press("y", "a", "enter", "escape")  # typed before the human saw it
            assert app.screen is prompt
            assert not resolved(prepared)
            assert app.supervisor.inbox()
            await wait_until(lambda: prompt.armed, what="the grace period", pause=pilot.pause)
            assert app.focused is not None and app.focused.id == "deny"  # the safe choice
            await pilot.press("enter")  # Enter on the focused button: Deny, which asks why
            await pilot.press("enter")
            await wait_until(lambda: bool(resolved(prepared)), what="the denial", pause=pilot.pause)
        finally:
            await stop(app)
    assert resolved(prepared) == [{"approved": False, "by": "human"}]


async def test_a_saves_the_session_grant_it_showed(tmp_path: Path) -> None:
    script = """\
    agents:
      builder:
        - calls:
            - bash: {command: "git push origin HEAD:main"}
        - text: "Done."
    """
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, script, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            prompt = await wait_for_prompt(pilot)
            offered = prompt.offer.rule
            assert offered is not None and offered.startswith("git push")
            await pilot.press("a")
            await wait_until(lambda: bool(resolved(prepared)), what="the grant", pause=pilot.pause)
        finally:
            await stop(app)
    data = resolved(prepared)[0]
    assert data["approved"] is True and data["by"] == "human"
    assert "grant" in data
    assert [g.pattern for g in app.supervisor.policy.grants] == [offered.split(" (")[0]]


async def test_next_needing_me_focuses_the_right_pane(tmp_path: Path) -> None:
    script = """\
    agents:
      builder:
        - delay_s: 0.2
          text: "Reading."
          calls:
            - read_file: {path: README.md}
        - text: "Done."
      reviewer:
        - delay_s: 0.3
          text: "Checking the docs site."
          calls:
            - bash: {command: "curl -fsS https://docs.example.invalid/api"}
        - text: "Done."
    """
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, script, agents=["builder", "reviewer"])
    app = make_app(prepared)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            prompt = await wait_for_prompt(pilot)
            assert prompt.request.agent == "reviewer"
            await pilot.press("h")  # decide later
            await wait_until(lambda: not isinstance(app.screen, ApprovalScreen), pause=pilot.pause)
            main = app.main
            builder_pane = main.pane("builder")
            assert builder_pane is not None
            builder_pane.transcript.focus()
            await pilot.pause()
            reviewer_pane = main.pane("reviewer")
            assert reviewer_pane is not None and reviewer_pane.has_class("-waiting")
            await pilot.press("w")
            again = await wait_for_prompt(pilot)
            assert again.request.agent == "reviewer"
            focused = main.focused
            assert focused is not None
            assert (
                next(n for n in focused.ancestors_with_self if isinstance(n, AgentPane))
                is reviewer_pane
            )
            assert main.selected == "reviewer"
            await pilot.press("escape")
            await wait_until(lambda: bool(resolved(prepared)), pause=pilot.pause)
        finally:
            await stop(app)
    assert resolved(prepared) == [{"approved": False, "by": "human"}]


TWO = """\
agents:
  builder:
    - text: "Cleaning the build folder."
      calls:
        - bash: {command: "rm -rf build"}
    - text: "Fetching the docs."
      calls:
        - bash: {command: "curl -fsS https://docs.example.invalid/api"}
    - text: "Done."
"""


async def test_the_next_request_gets_its_own_prompt_and_grace_period(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, TWO, agents=["builder"])
    app = make_app(prepared, grace_s=1.0)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            first = await wait_for_prompt(pilot)
            assert first.request.command == "rm -rf build"
            await pilot.press("n", "enter")  # deny, no reason
            await wait_until(
                lambda: (
                    isinstance(app.screen, ApprovalScreen)
                    and app.screen.request.command.startswith("curl")
                    and app.screen.shown_at is not None
                ),
                what="the second prompt",
                pause=pilot.pause,
            )
            second = app.screen
            assert isinstance(second, ApprovalScreen)
            shown = str(second.query_one("#approval-command-text").render())
            assert "curl -fsS https://docs.example.invalid/api" in shown
            why = str(second.query_one("#approval-why").render())
            assert "yes runs it with the network (this command only)" in why
            assert "rm -rf" not in shown
            assert not second.armed
            await pilot.press("y")  # inside the second prompt's own grace period
            assert len(resolved(prepared)) == 1
            await wait_until(lambda: second.armed, what="the grace period", pause=pilot.pause)
            assert app.focused is not None and app.focused.id == "deny"
            await pilot.press("y")
            await wait_until(
                lambda: len(resolved(prepared)) == 2, what="the approval", pause=pilot.pause
            )
        finally:
            await stop(app)
    assert resolved(prepared) == [
        {"approved": False, "by": "human"},
        # the yes to a network command gave that command the network, and says so
        {"approved": True, "by": "human", "widened": {"network": True}},
    ]


async def test_a_prompt_settled_elsewhere_cannot_arm_the_next_one_early(tmp_path: Path) -> None:
    grace = 2.0
    root = make_workspace(tmp_path / "shop")
    # The second request comes a second after the first is settled.
    script = TWO.replace('    - text: "Fetching', '    - delay_s: 1.0\n      text: "Fetching')
    prepared = prepare(root, script, agents=["builder"])
    app = make_app(prepared, grace_s=grace)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            first = await wait_for_prompt(pilot, armed=False)
            first_shown = first.shown_at
            assert first_shown is not None
            call = first.call
            await app.supervisor.resolve(call, False, "timeout")  # settled, not by the human
            await wait_until(
                lambda: (
                    isinstance(app.screen, ApprovalScreen)
                    and app.screen.call != call
                    and app.screen.shown_at is not None
                ),
                what="the second prompt",
                pause=pilot.pause,
            )
            second = app.screen
            assert isinstance(second, ApprovalScreen)
            second_shown = second.shown_at
            assert second_shown is not None
            # Past the moment the first prompt's grace period would have ended...
            await wait_until(
                lambda: time.monotonic() > first_shown + grace + 0.2, what="time", pause=pilot.pause
            )
            assert time.monotonic() < second_shown + grace  # ...but inside the second's
            assert not second.armed
            await pilot.press("y")
            assert len(resolved(prepared)) == 1
        finally:
            await stop(app)


async def test_the_collector_runs_again_even_if_a_prompt_never_shows(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, CLEAN, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            await wait_until(
                lambda: bool(app.supervisor.pending), what="the request", pause=pilot.pause
            )
            app.inbox._hold_collector()  # as when a prompt starts to come up
            assert not gc.isenabled()
            await wait_until(
                gc.isenabled, timeout=3, what="the collector to resume", pause=pilot.pause
            )
        finally:
            gc.enable()
            await stop(app)


async def test_closing_the_screen_lets_a_paused_collector_run_again(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, CLEAN, agents=["builder"])
    app = make_app(prepared)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            try:
                await wait_until(lambda: app.started, what="the session", pause=pilot.pause)
            finally:
                await stop(app)
            app.inbox._hold_collector()  # a prompt was coming up when the screen closed
            assert not gc.isenabled()
        assert gc.isenabled()
    finally:
        gc.enable()
