"""The screen's other keys against a real session: pause, message, quit (and resume)."""

from __future__ import annotations

import gc
from pathlib import Path

from cockpit.session.audit import audit
from cockpit.session.chain import read_events
from cockpit.supervisor.launch import prepare_resume
from cockpit.ui.app import CockpitApp
from cockpit.ui.dialogs import HelpScreen, LogScreen, MessageScreen
from cockpit.ui.settings import ScreenConfig
from tests.ui._session import (
    backend,
    events,
    launch_options,
    make_app,
    make_workspace,
    prepare,
    stop,
)
from tests.waiting import wait_until

READER = """\
agents:
  builder:
{turns}
"""


def reading_turns(count: int, delay: float) -> str:
    turn = (
        "    - delay_s: {delay}\n"
        '      text: "Step {n}."\n'
        "      calls:\n"
        "        - read_file: {{path: README.md}}\n"
    )
    return READER.format(turns="".join(turn.format(delay=delay, n=n) for n in range(count)))


def requested(prepared: object) -> int:
    return len(events(prepared, "tool.requested"))  # type: ignore[arg-type]


async def test_pause_stops_an_agent_between_steps(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, reading_turns(40, 0.1), agents=["builder"])
    app = make_app(prepared)
    runtime_status = lambda: app.state.state.agents["builder"].status  # noqa: E731
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            await wait_until(lambda: requested(prepared) >= 2, what="two steps", pause=pilot.pause)
            await pilot.press("p")
            await wait_until(
                lambda: runtime_status() == "paused", what="the pause", pause=pilot.pause
            )
            header = str(app.main.query_one(".pane-header").render())
            assert "paused" in header
            before = requested(prepared)
            await pilot.pause(0.8)  # eight steps' worth of time
            assert requested(prepared) == before
            await pilot.press("p")
            await wait_until(
                lambda: requested(prepared) > before, what="the agent to go on", pause=pilot.pause
            )
        finally:
            await stop(app)
    statuses = [e["data"]["status"] for e in events(prepared, "agent.status")]
    assert "paused" in statuses


async def test_a_message_reaches_the_agents_next_turn(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, reading_turns(3, 1.0), agents=["builder"])
    app = make_app(prepared)
    model = backend(prepared, "builder")
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            await wait_until(lambda: app.started, what="the session to start", pause=pilot.pause)
            await pilot.press("m")
            await wait_until(lambda: isinstance(app.screen, MessageScreen), pause=pilot.pause)
            await pilot.press(*"please use pathlib")
            sent_at = len(model.requests)
            await pilot.press("enter")
            await wait_until(lambda: bool(events(prepared, "human.message")), pause=pilot.pause)
            await wait_until(
                lambda: len(model.requests) > sent_at, what="the next turn", pause=pilot.pause
            )
            pane = app.main.pane("builder")
            assert pane is not None
            assert "you → builder: please use pathlib" in pane.transcript.text
        finally:
            await stop(app)
    assert events(prepared, "human.message")[0]["data"]["text"] == "please use pathlib"
    users = [m for m in model.requests[-1].messages if m["role"] == "user"]
    assert "Message from the human: please use pathlib" in str(users[-1]["content"])


async def test_quitting_stops_the_agents_and_leaves_a_resumable_log(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, reading_turns(40, 0.1), agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(lambda: requested(prepared) >= 2, what="some work", pause=pilot.pause)
        await pilot.press("q")
        await wait_until(lambda: not app.is_running, what="the app to exit", pause=pilot.pause)
    prepared.log.close()
    assert app.return_value == 0
    ended = events(prepared, "session.ended")
    assert ended and ended[-1]["data"]["reason"] == "quit"
    report = audit(prepared.log.path)
    try:
        assert report.valid, report.reason
    finally:
        report.close()
    resumed = prepare_resume(launch_options(root, agents=["builder"]), prepared.session)
    try:
        assert [s.definition.name for s in resumed.setups] == ["builder"]
        assert resumed.state is not None and resumed.state.ended
    finally:
        resumed.log.close()


async def test_log_view_and_help_open_and_close(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, reading_turns(2, 0.05), agents=["builder"])
    app = make_app(prepared, keymap={"log": "L", "help": "f1"})
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            await wait_until(lambda: requested(prepared) >= 2, pause=pilot.pause)
            await pilot.press("l")  # remapped away: nothing happens
            assert not isinstance(app.screen, LogScreen)
            await pilot.press("L")
            assert isinstance(app.screen, LogScreen)
            from textual.widgets import Log

            lines = app.screen.query_one(Log).lines
            assert any("tool.requested" in line or "read_file" in line for line in lines)
            await pilot.press("escape")
            await pilot.press("f1")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert app.screen is app.main
        finally:
            await stop(app)


async def test_a_resumed_session_shows_its_past_and_carries_on(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, reading_turns(30, 0.1), agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(lambda: requested(prepared) >= 3, what="some work", pause=pilot.pause)
        await pilot.press("q")
        await wait_until(lambda: not app.is_running, what="the app to exit", pause=pilot.pause)
    prepared.log.close()
    before = requested(prepared)

    resumed = prepare_resume(launch_options(root, agents=["builder"]), prepared.session)
    history = list(read_events(resumed.log.path))
    again = CockpitApp(resumed, ScreenConfig(notifications="off"), history=history, env={})
    async with again.run_test(size=(120, 36)) as pilot:
        try:
            pane = again.main.pane("builder")
            assert pane is not None
            assert "Step 0." in pane.transcript.text  # the past, drawn from the log
            await wait_until(
                lambda: "── session resumed ──" in pane.transcript.text, pause=pilot.pause
            )
            await wait_until(
                lambda: requested(resumed) > before, what="new work", pause=pilot.pause
            )
        finally:
            await stop(again)
    kinds = [e["kind"] for e in events(resumed)]
    assert kinds.count("session.resumed") == 1


async def test_tab_selects_the_next_pane_and_its_header_shows_it(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    script = reading_turns(40, 0.1)
    script += script.split("  builder:\n", 1)[1].join(["  reviewer:\n", ""])
    prepared = prepare(root, script, agents=["builder", "reviewer"])
    app = make_app(prepared)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            main = app.main

            def marked() -> list[str]:
                return [
                    name
                    for name, _ in main.agents
                    if (pane := main.pane(name)) is not None
                    and pane.query_one(".pane-header").has_class("-selected")
                ]

            await wait_until(
                lambda: marked() == ["builder"] and app.started,
                what="the first pane, and the session open behind it",
                pause=pilot.pause,
            )
            await pilot.press("tab")
            await wait_until(
                lambda: main.selected == "reviewer", what="the second pane", pause=pilot.pause
            )
            assert marked() == ["reviewer"]
            await pilot.press("p")  # the keys act on the selected pane
            runtime = app.supervisor.runtimes["reviewer"]
            assert runtime.paused
            assert not app.supervisor.runtimes["builder"].paused
        finally:
            await stop(app)


async def test_what_the_screen_froze_for_the_collector_is_let_go_when_it_ends(
    tmp_path: Path,
) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, reading_turns(1, 0.0), agents=["builder"])
    app = make_app(prepared)
    gc.unfreeze()  # start with nothing frozen (the process is shared with other tests)
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            await wait_until(lambda: app.started, what="the session", pause=pilot.pause)
            assert gc.get_freeze_count() > 0  # the built screen, out of the collector's sight
        finally:
            await stop(app)
    assert gc.get_freeze_count() == 0  # collectable again once the screen is gone


async def test_zoom_from_the_plan_view_hands_focus_to_the_zoomed_pane(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, reading_turns(2, 0.1), agents=["builder", "reviewer"])
    app = make_app(prepared)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            main = app.main
            main.query_one("#plan").focus()
            await pilot.pause()
            assert app.focused is not None and app.focused.id == "plan"
            await pilot.press("z")
            zoomed = main.zoomed
            assert zoomed is not None and zoomed.agent == main.selected
            assert app.focused is zoomed.transcript  # the plan is hidden now
            await pilot.press("z")
            assert main.zoomed is None and main.query_one("#plan").display
        finally:
            await stop(app)


async def test_a_freeze_made_by_someone_else_is_left_alone(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, reading_turns(1, 0.0), agents=["builder"])
    app = make_app(prepared)
    kept = [object() for _ in range(3)]  # stands for a replay's frozen state
    gc.freeze()
    frozen = gc.get_freeze_count()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            try:
                await wait_until(lambda: app.started, what="the session", pause=pilot.pause)
            finally:
                await stop(app)
        # Not undone by the screen's exit (a few frozen objects may have been freed since).
        assert gc.get_freeze_count() > frozen * 0.9
    finally:
        gc.unfreeze()
    assert kept
