"""The replay transport without a screen (its thread, its reports) and the replay screen's
own lines as pure functions."""

from __future__ import annotations

import calendar
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from cockpit.replay.lines import Flag
from cockpit.replay.player import Player
from cockpit.ui.replay_transport import (
    Frame,
    Notice,
    Played,
    Redraw,
    Report,
    Timeline,
    Transport,
)
from cockpit.ui.replay_view import timeline_bar, transport_line
from tests.replay._logs import timed
from tests.waiting import wait_until_sync

R = TypeVar("R", bound=Report)


class Reports:
    """What the transport delivered, waited on from the test's thread."""

    def __init__(self) -> None:
        self.items: list[Report] = []
        self._changed = threading.Condition()

    def __call__(self, report: Report) -> None:
        with self._changed:
            self.items.append(report)
            self._changed.notify_all()

    def of(self, kind: type[R]) -> list[R]:
        with self._changed:
            return [r for r in self.items if isinstance(r, kind)]

    def wait(self, condition: Callable[[], bool], timeout: float = 10) -> None:
        detail = lambda: f"reports so far: {self.of(object)}"  # noqa: E731
        wait_until_sync(condition, timeout=timeout, interval=0.005, detail=detail)


def start(transport: Transport) -> threading.Thread:
    thread = threading.Thread(target=transport.run, daemon=True)
    thread.start()
    return thread


def test_a_burst_of_seeks_redraws_once_for_the_last(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [float(i) for i in range(2000)])
    reports = Reports()
    with Player.open(path) as player:
        transport = Transport(player, reports, tail=100)
        for tenths in (9, 1, 5, 7, 3):  # all queued before the thread looks
            transport.seek_fraction(tenths / 10)
        start(transport)
        reports.wait(lambda: bool(reports.of(Redraw)))
        transport.stop()
        assert transport.wait_stopped(10)
    (redraw,) = reports.of(Redraw)
    assert redraw.frame.position == 600 and redraw.start == 500
    assert [e.seq for e in redraw.tail] == list(range(500, 600))
    assert redraw.builder.state.events == 500  # the state before the tail
    assert redraw.first is not None and redraw.first.seq == 0


def test_playing_waits_for_the_screen_to_draw_each_batch(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [i * 0.01 for i in range(300)])
    reports = Reports()
    with Player.open(path) as player:
        transport = Transport(player, reports, tail=100)
        start(transport)
        transport.play_pause()
        reports.wait(lambda: bool(reports.of(Played)))
        time.sleep(0.3)  # ten ticks' worth: nothing more until the batch is drawn
        assert len(reports.of(Played)) == 1
        shown = sum(len(p.events) for p in reports.of(Played))
        while shown < 300:
            count = len(reports.of(Played))
            transport.drawn()
            reports.wait(lambda count=count: len(reports.of(Played)) > count)
            shown = sum(len(p.events) for p in reports.of(Played))
        transport.drawn()
        reports.wait(
            lambda: any(isinstance(r, Frame) and not r.playing for r in reports.items[-3:])
        )
        transport.stop()
        assert transport.wait_stopped(10)
    seqs = [e.seq for p in reports.of(Played) for e in p.events]
    assert seqs == list(range(300))


def test_a_damaged_line_is_one_notice_and_the_rest_still_answers(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    lines = timed(path, [float(i) for i in range(1500)])
    damaged = bytearray(path.read_bytes())
    at = sum(len(line) + 1 for line in lines[:1200])
    damaged[at : at + len(lines[1200])] = lines[1200].replace(b"thinking", b"sleeping")
    path.write_bytes(bytes(damaged))
    reports = Reports()
    with Player.open(path) as player:
        transport = Transport(player, reports, tail=100)
        start(transport)
        reports.wait(lambda: bool(reports.of(Notice)))
        transport.seek_fraction(0.5)
        reports.wait(lambda: bool(reports.of(Redraw)))
        transport.stop()
        assert transport.wait_stopped(10)
    (notice,) = reports.of(Notice)
    assert notice.error and f"{path}:1201:" in notice.message
    assert transport.failure == notice.message


def test_the_timeline_places_markers_by_position(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [float(i) for i in range(100)])
    reports = Reports()
    with Player.open(path) as player:
        transport = Transport(player, reports, tail=10)
        start(transport)
        reports.wait(lambda: bool(reports.of(Timeline)))
        transport.stop()
        assert transport.wait_stopped(10)
    (timeline,) = reports.of(Timeline)
    assert timeline.span == 100 and not any(timeline.marks)  # no approval, denial or error


# -- the screen's lines ------------------------------------------------------------------


START = float(calendar.timegm((2026, 11, 21, 10, 15, 0)))


def frame(**fields: object) -> Frame:
    values: dict[str, object] = {
        "position": 50,
        "total": 100,
        "span": 100,
        "indexed": 1.0,
        "current_ts": START + 62.5,
        "start_ts": START,
        "speed": 2.0,
        "idle_cap": 2.0,
        "playing": True,
        "follow": False,
    }
    values.update(fields)
    return Frame(**values)  # type: ignore[arg-type]


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_transport_line_says_state_speed_cap_position_and_time(utc: None) -> None:
    line = transport_line(frame()).plain
    assert line == " ▶ playing  ×2 · idle cap 2 s · 50 / 100 · 2026-11-21 10:16:02 +0:01:02"
    paused = transport_line(frame(playing=False, follow=True, idle_cap=None, speed=0.25)).plain
    assert paused.startswith(" ‖ paused  ×0.25 · no idle cap · ")
    assert paused.endswith(" · following")
    indexing = transport_line(frame(total=40, span=1_000_000, indexed=0.04)).plain
    assert "50 / ~1,000,000" in indexing and "indexing 4%" in indexing
    assert "0 / 100" in transport_line(frame(position=0, current_ts=None)).plain


@pytest.mark.parametrize(
    ("position", "marks", "expected"),
    [
        (0, {}, "──────────"),
        (5, {}, "━━━━●─────"),
        (10, {}, "━━━━━━━━━●"),
        (3, {7: Flag.APPROVAL, 8: Flag.ERROR | Flag.APPROVAL}, "━━●────▲✗─"),
        (3, {1: Flag.DENIAL | Flag.ERROR}, "━◆●───────"),
    ],
)
def test_the_timeline_shows_progress_markers_and_the_cursor(
    position: int, marks: dict[int, Flag], expected: str
) -> None:
    cells = tuple(int(marks.get(i, 0)) for i in range(10))
    bar = timeline_bar(frame(position=position, span=10), Timeline(10, cells), 10)
    assert bar.plain == expected


def test_the_timeline_folds_fine_cells_into_the_width() -> None:
    cells = [0] * 240
    cells[120] = int(Flag.DENIAL)
    cells[121] = int(Flag.APPROVAL)
    bar = timeline_bar(frame(position=0, span=1000), Timeline(1000, tuple(cells)), 20)
    assert bar.plain == "──────────◆─────────"
