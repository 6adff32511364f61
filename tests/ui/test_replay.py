"""The replay screen on real logs: the demo's session (a real scripted run), a live log
written meanwhile, a log with fixed times for the snapshot; and `cockpit replay` itself."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

import cockpit
from cockpit.cli import replay as replay_command
from cockpit.cli.replay import open_replay
from cockpit.errors import LogCorruptError
from cockpit.replay.player import Player
from cockpit.session.events import Event
from cockpit.session.log import SessionLog
from cockpit.session.state import fold
from cockpit.ui import render
from cockpit.ui.dialogs import HelpScreen
from cockpit.ui.replay import ReplayApp
from cockpit.ui.replay_screen import DetailsScreen, ReplayScreen
from cockpit.ui.replay_transport import Played
from cockpit.ui.settings import ScreenConfig
from cockpit.ui.transcript import Transcript
from tests.replay._logs import lines_of, timed
from tests.session._util import REPO
from tests.ui._replay import (
    assistant_texts,
    at,
    fixed_log,
    header,
    markers,
    pane_text,
    press_until,
    read_log,
    replaying,
    shown,
    static_text,
)
from tests.waiting import steady, wait_until

Snap = Callable[..., bool]


@pytest.fixture(scope="module")
def demo_sessions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo run headless at high speed, once: a real scripted session of three agents
    with every tier, approvals denied, failures and plan changes."""
    target = tmp_path_factory.mktemp("demo") / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "demo", "--headless", "--speed", "0.05", "--dir", target],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0 and "replay it: " in done.stderr, done.stderr[-2000:]
    return target / ".cockpit" / "sessions"


@pytest.fixture
def demo_log(demo_sessions: Path, tmp_path: Path) -> Path:
    """A private copy of the demo's log (its index is written beside it)."""
    copy = shutil.copytree(demo_sessions, tmp_path / "sessions")
    (log,) = copy.glob("*.jsonl")
    return log


def texts_of(events: list[dict[str, Any]], agent: str) -> list[str]:
    """What the agent said (first line of each text), as its pane shows it."""
    return [
        render.clean(text).strip().split("\n")[0][:40]
        for e in events
        if e["agent"] == agent
        for text in assistant_texts(e)
        if text.strip()
    ]


def state_after(events: list[dict[str, Any]], position: int) -> Any:
    return fold(Event.from_obj(e) for e in events[:position])


# -- the first screen ------------------------------------------------------------------


async def test_first_screen_has_a_pane_per_agent_and_starts_paused(demo_log: Path) -> None:
    async with replaying(demo_log) as (app, _):
        screen = app.main
        assert [name for name, _ in screen.agents] == ["planner", "builder", "reviewer"]
        assert shown(app) == 0
        transport = static_text(screen, "#transport")
        assert "paused" in transport and "×1" in transport and "idle cap 2 s" in transport
        assert f"0 / {len(read_log(demo_log))}" in transport
        assert "replay · demo · " in static_text(screen, "#status")
        keys = static_text(screen, "#keys")
        for word in ("play/pause", "speed", "step", "marker", "seek", "details", "quit"):
            assert word in keys
        assert all(pane_text(screen, name) == "" for name, _ in screen.agents)


# -- playing ---------------------------------------------------------------------------


async def test_space_plays_into_each_agents_pane_and_pauses(demo_log: Path) -> None:
    events = read_log(demo_log)
    async with replaying(demo_log) as (app, pilot):
        await press_until(pilot, "space", lambda: (shown(app) or 0) > 40, what="playing")
        assert app.main.frame is not None and app.main.frame.playing
        await press_until(pilot, "space", lambda: not app.player.playing, what="the pause")
        await pilot.pause(0.3)
        stopped = shown(app)
        assert stopped is not None
        await pilot.pause(0.5)
        assert shown(app) == stopped == app.player.position
        assert "paused" in static_text(app.main, "#transport")
        for agent in ("planner", "builder", "reviewer"):
            said = texts_of(events[:stopped], agent)
            others = [
                t
                for a in ("planner", "builder", "reviewer")
                if a != agent
                for t in texts_of(events[:stopped], a)
            ]
            text = pane_text(app.main, agent)
            assert all(line in text for line in said), agent
            assert not any(line in text for line in others if line not in said), agent
        assert any(texts_of(events[:stopped], a) for a in ("planner", "builder", "reviewer"))


async def test_speed_keys_change_the_pace_shown(demo_log: Path) -> None:
    async with replaying(demo_log) as (app, pilot):
        await press_until(pilot, "plus", lambda: app.player.speed == 2.0)
        await press_until(pilot, "plus", lambda: app.player.speed == 4.0)
        await wait_until(lambda: "×4 " in static_text(app.main, "#transport"), pause=pilot.pause)
        await press_until(pilot, "minus", lambda: app.player.speed == 2.0)
        await wait_until(lambda: "×2 " in static_text(app.main, "#transport"), pause=pilot.pause)
        for _ in range(8):
            await pilot.press("plus")
        await wait_until(lambda: app.player.speed == 16.0, what="the top speed", pause=pilot.pause)


async def test_playing_to_the_end_goes_in_batches_and_stops_there(
    demo_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    total = len(read_log(demo_log))
    batches: list[int] = []
    play = ReplayScreen.play

    async def counted(self: ReplayScreen, report: Played) -> None:
        batches.append(report.frame.position)
        await play(self, report)

    monkeypatch.setattr(ReplayScreen, "play", counted)
    async with replaying(demo_log, speed=16.0) as (app, pilot):
        await pilot.press("space")
        await wait_until(
            lambda: shown(app) == total and not app.player.playing,
            timeout=30,
            what="the end of the session",
            pause=pilot.pause,
        )
        assert "paused" in static_text(app.main, "#transport")
    assert len(batches) > 2 and batches == sorted(batches) and batches[-1] == total


# -- stepping, markers, seeking ----------------------------------------------------------


async def test_step_forward_and_back_move_one_event(demo_log: Path) -> None:
    events = read_log(demo_log)
    said = next(i for i, e in enumerate(events) if e["agent"] == "builder" and assistant_texts(e))
    line = texts_of([events[said]], "builder")[0]
    async with replaying(demo_log) as (app, pilot):
        for n in range(1, said + 2):
            await at(pilot, "full_stop", n)
        screen = app.main
        assert line in pane_text(screen, "builder")
        assert line not in pane_text(screen, "planner")
        builder = screen.pane("builder")
        assert builder is not None and builder.has_class("-current")
        await at(pilot, "comma", said)
        await pilot.pause(0.1)
        assert line not in pane_text(screen, "builder")  # redrawn from the state before it
        assert not app.player.playing


async def test_brackets_jump_to_approvals_denials_and_errors(demo_log: Path) -> None:
    events = read_log(demo_log)
    marks = markers(events)
    assert len(marks) >= 5
    async with replaying(demo_log) as (app, pilot):
        for mark in marks[:4]:
            await at(pilot, "right_square_bracket", mark + 1)
        event = events[marks[3]]
        assert event["kind"] in ("approval.requested", "approval.resolved", "tool.finished")
        await at(pilot, "left_square_bracket", marks[2] + 1)
        await at(pilot, "left_square_bracket", marks[1] + 1)
        await at(pilot, "end", len(events))
        await at(pilot, "left_square_bracket", marks[-1] + 1)
        timeline = static_text(app.main, "#timeline")
        assert "●" in timeline and "✗" in timeline and "▲" in timeline


async def test_digits_seek_by_percentage_and_home_end_go_to_the_ends(demo_log: Path) -> None:
    events = read_log(demo_log)
    total = len(events)
    async with replaying(demo_log) as (app, pilot):
        screen = app.main
        await at(pilot, "5", total // 2)
        state = state_after(events, total // 2)
        for agent in ("planner", "builder", "reviewer"):
            assert state.agents[agent].status in header(screen, agent)
            assert render.tokens(render.total_tokens(state.agents[agent])) in header(screen, agent)
        await at(pilot, "9", int(total * 0.9))
        await at(pilot, "0", 0)
        await at(pilot, "end", total)
        final = state_after(events, total)
        assert final.agents["reviewer"].status in header(screen, "reviewer")
        await at(pilot, "home", 0)
        assert all(pane_text(screen, name) == "" for name, _ in screen.agents)
        await at(pilot, "G", total)
        await at(pilot, "g", 0)
        await at(pilot, "2", int(total * 0.2))


async def test_enter_shows_everything_about_the_current_event(demo_log: Path) -> None:
    events = read_log(demo_log)
    asked = next(
        i
        for i, e in enumerate(events)
        if e["kind"] == "approval.requested" and e["data"]["command"].startswith("rm -rf build")
    )
    decided = next(
        e
        for e in events[:asked]
        if e["kind"] == "policy.decided" and e["call"] == events[asked]["call"]
    )
    async with replaying(demo_log) as (app, pilot):
        for mark in markers(events):
            await at(pilot, "right_square_bracket", mark + 1)
            if mark == asked:
                break
        await press_until(pilot, "enter", lambda: isinstance(app.screen, DetailsScreen))
        details = app.screen.query_one(Transcript)
        await wait_until(lambda: details.line_count > 0, pause=pilot.pause)
        text = details.text
        assert events[asked]["data"]["command"] in text
        for reason in decided["data"]["reasons"]:
            assert f"reason: {reason}" in text
        for rule in decided["data"]["rules"]:
            assert rule["id"] in text
        assert "decision: denied by headless: headless run with no terminal to ask" in text
        await press_until(pilot, "escape", lambda: isinstance(app.screen, ReplayScreen))


async def test_enter_before_any_event_says_so(demo_log: Path) -> None:
    async with replaying(demo_log) as (app, pilot):
        await pilot.press("enter")
        await wait_until(lambda: bool(app._notifications), what="the notice", pause=pilot.pause)
        assert isinstance(app.screen, ReplayScreen)
        assert "No event is shown yet" in next(iter(app._notifications)).message


async def test_help_zoom_and_plan_keys(demo_log: Path) -> None:
    async with replaying(demo_log) as (app, pilot):
        await press_until(pilot, "question_mark", lambda: isinstance(app.screen, HelpScreen))
        text = "\n".join(str(w.render()) for w in app.screen.query(Static))
        assert "0-9" in text and "seek to 0 %" in text and "follow a session" in text
        assert "On a tier-3 prompt" not in text  # a replay asks nothing
        assert "◆ denial" in text
        await press_until(pilot, "escape", lambda: isinstance(app.screen, ReplayScreen))
        screen = app.main
        await at(pilot, "5", len(read_log(demo_log)) // 2)
        screen.focus_agent("builder")
        await press_until(pilot, "z", lambda: screen.zoomed is screen.pane("builder"))
        await press_until(pilot, "z", lambda: screen.zoomed is None)
        plan = screen.query_one("#plan")
        await press_until(pilot, "t", lambda: not plan.display)
        await press_until(pilot, "t", lambda: plan.display)


# -- follow ----------------------------------------------------------------------------


async def test_follow_shows_what_another_writer_appends(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    log = SessionLog.create(path, "s-live", env={})
    try:
        log.append("session.started", {"agents": ["builder"]})
        log.append("agent.started", {"model": "claude-sonnet"}, agent="builder")
        message = {"role": "assistant", "content": "First words."}
        log.append("model.message", {"message": message}, agent="builder", iteration=1)
        async with replaying(path) as (app, pilot):
            await press_until(pilot, "f", lambda: shown(app) == 3 and app.player.follow)
            assert "First words." in pane_text(app.main, "builder")
            await wait_until(
                lambda: "following" in static_text(app.main, "#transport"), pause=pilot.pause
            )
            message = {"role": "assistant", "content": "Written while you watched."}
            log.append("model.message", {"message": message}, agent="builder", iteration=2)
            log.append("agent.status", {"status": "done"}, agent="builder", iteration=2)
            await wait_until(
                lambda: "Written while you watched." in pane_text(app.main, "builder"),
                what="the appended event",
                pause=pilot.pause,
            )
            await wait_until(lambda: shown(app) == 5, pause=pilot.pause)
            await wait_until(lambda: "done" in header(app.main, "builder"), pause=pilot.pause)
            await press_until(pilot, "f", lambda: not app.player.follow)
            assert "following" not in static_text(app.main, "#transport")
    finally:
        log.close()


# -- the plan view -----------------------------------------------------------------------


async def test_plan_view_shows_reported_tasks_and_plan_problems(tmp_path: Path) -> None:
    path = tmp_path / "fixed.jsonl"
    rows = fixed_log(path)
    async with replaying(path) as (app, pilot):
        plan = lambda: str(app.main.query_one("#plan-tasks").render())  # noqa: E731
        await at(pilot, "full_stop", 1)
        assert "No task reported yet." in plan()
        await at(pilot, "end", len(rows))
        await wait_until(lambda: "Fix word_count" in plan(), pause=pilot.pause)
        text = plan()
        assert "[x] Fix word_count" in text and "done: split()" in text
        assert "plan.md changed 1 time(s), last by human" in text
        assert "plan.md line 6: @ghost is no agent" in text


# -- the snapshot ------------------------------------------------------------------------


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The time zone (event times are shown in local time) and the version."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(cockpit, "__version__", "0.0.0")
    yield
    monkeypatch.undo()
    time.tzset()


def test_snapshot_of_the_replay_screen(snap_compare: Snap, tmp_path: Path, pinned: None) -> None:
    path = tmp_path / "fixed.jsonl"
    rows = fixed_log(path)
    denial = next(i for i, row in enumerate(rows) if row["data"].get("tier") == "deny")
    player = Player.open(path)

    async def at_the_denial(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, ReplayApp)
        timeline = lambda: app.main.timeline  # noqa: E731
        await wait_until(
            lambda: shown(app) == 0 and any(getattr(timeline(), "marks", ())), pause=pilot.pause
        )
        # a failing command, an approval asked and granted, then the denial by rule
        for _ in range(markers(rows).index(denial) + 1):
            await pilot.press("right_square_bracket")
        await wait_until(lambda: shown(app) == denial + 1, what="the denial", pause=pilot.pause)
        await steady(pilot)  # transcripts redraw ten times a second

    app = ReplayApp(player)
    try:
        assert snap_compare(app, terminal_size=(130, 36), run_before=at_the_denial)
        assert app.transport.wait_stopped(10)
    finally:
        player.close()


# -- open_replay and the command ---------------------------------------------------------


def test_open_replay_runs_the_screen_with_the_workspaces_keys(
    demo_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`open_replay` as `cockpit replay` calls it, the terminal replaced by `run_test`."""
    workspace = demo_log.parent.parent / "ws"
    sessions = workspace / ".cockpit" / "sessions"
    shutil.copytree(demo_log.parent, sessions)
    (workspace / ".cockpit" / "config.yaml").write_text("keys:\n  play: p\n", encoding="utf-8")
    log = sessions / demo_log.name
    seen: list[int] = []

    def run(self: ReplayApp, **_: Any) -> int | None:
        async def drive() -> None:
            async with self.run_test(size=(120, 30)) as pilot:
                await wait_until(lambda: shown(self) == 0, pause=pilot.pause)
                await press_until(pilot, "p", lambda: (shown(self) or 0) > 0, what="play on p")
                await pilot.press("q")
            seen.append(self.return_code or 0)

        import asyncio

        asyncio.run(drive())
        return self.return_code

    monkeypatch.setattr(replay_command, "has_terminal", lambda: True)
    monkeypatch.setattr(ReplayApp, "run", run)
    with Player.open(log) as player:
        assert open_replay(ReplayApp, log, player) == 0
    assert seen == [0]


def test_open_replay_reports_a_damaged_log_after_the_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [float(i) for i in range(2000)])
    lines = lines_of(path)
    lines[1499] = lines[1499].replace(b"thinking", b"sleeping")
    path.write_bytes(b"".join(lines))
    notices: list[str] = []

    def run(self: ReplayApp, **_: Any) -> int | None:
        async def drive() -> None:
            async with self.run_test() as pilot:
                await wait_until(
                    lambda: self.transport.failure is not None, what="damage", pause=pilot.pause
                )
                await wait_until(lambda: bool(self._notifications), pause=pilot.pause)
                notices.extend(n.message for n in self._notifications)
                await pilot.press("q")

        import asyncio

        asyncio.run(drive())
        return self.return_code

    monkeypatch.setattr(replay_command, "has_terminal", lambda: True)
    monkeypatch.setattr(ReplayApp, "run", run)
    with Player.open(path) as player:  # the first page is fine; the damage is further on
        assert open_replay(ReplayApp, path, player) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"cockpit: {path}:1500: ")
    assert notices and f"{path}:1500:" in notices[0]
    with pytest.raises(LogCorruptError), Player.open(path) as player:
        while not player.warm():
            pass


def test_cockpit_replay_without_a_terminal_says_so_and_headless_still_prints(
    demo_log: Path,
) -> None:
    def cockpit_run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cockpit", *map(str, args)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
        )

    screen = cockpit_run("replay", demo_log)
    assert screen.returncode == 2 and screen.stdout == ""
    assert screen.stderr == (
        "cockpit: the replay screen needs a terminal: use --headless to print the session\n"
    )
    shown_log = cockpit_run("log", "show", demo_log)
    headless = cockpit_run("replay", demo_log, "--headless", "--speed", "0")
    assert headless.returncode == 0 and headless.stderr == ""
    assert headless.stdout == shown_log.stdout
    assert len(headless.stdout.splitlines()) == len(read_log(demo_log))


def test_the_replay_keys_are_remappable_ids(tmp_path: Path) -> None:
    """Every transport binding has an id the config accepts."""
    from cockpit.config.settings import load_settings
    from cockpit.ui.settings import REPLAY_KEYS

    ids = {b.id for b in ReplayScreen.BINDINGS if not isinstance(b, tuple) and b.id is not None}
    assert ids == set(REPLAY_KEYS)
    config = tmp_path / "config.yaml"
    config.write_text("keys:\n  step: n\n  seek_5: '%'\n", encoding="utf-8")
    # A key as typed (`%`) is stored by its name, as Textual's bindings know it.
    assert load_settings(config).screen == ScreenConfig(
        keymap={"step": "n", "seek_5": "percent_sign"}
    )
