"""The transport with a fake clock: play, speed, idle cap, step, markers, seek, follow."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from cockpit.replay.player import SPEEDS, Player
from cockpit.session.events import Event
from cockpit.session.log import SessionLog
from tests.replay._logs import realistic, timed


def _player(tmp_path: Path, times: list[float], **options: Any) -> Player:
    path = tmp_path / "s.jsonl"
    timed(path, times)
    return Player.open(path, **options)


def _seqs(events: list[Event]) -> list[int]:
    return [e.seq for e in events]


def test_events_come_when_due_at_speed_one(tmp_path: Path) -> None:
    player = _player(tmp_path, [0, 1, 2, 12, 12.5], idle_cap=None)
    assert player.tick(100.0) == []  # paused: nothing
    assert player.toggle() is True
    assert _seqs(player.tick(100.0)) == [0]  # the first event is due at once
    assert player.tick(100.5) == []
    assert _seqs(player.tick(101.0)) == [1]
    assert _seqs(player.tick(102.0)) == [2]
    assert player.tick(111.75) == []  # a 10 s gap is played in full without a cap
    assert player.next_due(111.75) == pytest.approx(0.25)
    assert _seqs(player.tick(112.0)) == [3]
    assert _seqs(player.tick(113.0)) == [4]
    assert player.position == 5 and not player.playing  # the end pauses
    assert player.next_due(114.0) is None


def test_the_idle_cap_shortens_long_gaps_at_playback_only(tmp_path: Path) -> None:
    player = _player(tmp_path, [0, 1, 31, 32], idle_cap=2.0)
    player.play()
    assert _seqs(player.tick(0.0)) == [0]
    assert _seqs(player.tick(1.0)) == [1]
    assert player.tick(2.9) == []
    assert _seqs(player.tick(3.0)) == [2]  # 30 s became 2 s
    assert _seqs(player.tick(4.0)) == [3]
    assert player.ts(2) - player.ts(1) == pytest.approx(30.0)  # the log keeps the real gap


def test_speed_divides_the_waits_and_steps_along_the_ladder(tmp_path: Path) -> None:
    player = _player(tmp_path, [0, 4, 8, 12], idle_cap=None)
    assert player.faster() == 2.0
    player.play()
    assert _seqs(player.tick(0.0)) == [0]
    assert player.tick(1.9) == []
    assert _seqs(player.tick(2.0)) == [1]
    assert player.slower() == 1.0 and player.slower() == 0.5
    assert player.tick(9.9) == []  # 4 s at x0.5 is 8 s
    assert _seqs(player.tick(10.0)) == [2]
    for _ in range(10):
        player.faster()
    assert player.speed == SPEEDS[-1] == 16.0
    for _ in range(10):
        player.slower()
    assert player.speed == SPEEDS[0] == 0.25


def test_pausing_keeps_the_time_already_waited(tmp_path: Path) -> None:
    player = _player(tmp_path, [0, 4], idle_cap=None)
    player.play()
    player.tick(0.0)
    player.tick(3.0)
    player.toggle()
    assert player.tick(50.0) == []  # time passing while paused does not count
    player.toggle()
    assert player.tick(60.0) == []  # re-anchored on resume
    assert _seqs(player.tick(61.0)) == [1]


def test_a_tick_returns_at_most_limit_events(tmp_path: Path) -> None:
    player = _player(tmp_path, [0] * 10)
    player.play()
    assert len(player.tick(0.0, limit=4)) == 4
    assert len(player.tick(0.0, limit=4)) == 4
    assert len(player.tick(0.0, limit=4)) == 2


def test_step_forward_and_back(tmp_path: Path) -> None:
    player = _player(tmp_path, [0, 1, 2, 3])
    player.play()
    move = player.step(+1)
    assert not player.playing  # stepping pauses
    assert (move.position, _seqs(move.events), move.reset) == (1, [0], False)
    assert _seqs(player.step(+1).events) == [1]
    back = player.step(-1)
    assert (back.position, back.reset) == (1, True)  # redraw from state_at(1)
    assert player.step(-5).position == 0
    assert player.step(-1).position == 0
    player.end()
    assert player.step(+1).position == 4 and player.step(+1).events == []


def test_jump_between_markers(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    realistic(path).close()
    player = Player.open(path)
    stops = []
    while True:
        move = player.jump_marker(+1)
        if move.position == (stops[-1] if stops else 0):
            break
        stops.append(move.position)
    # shown as the current event: position = marker + 1
    assert stops == [13, 14, 19, 20, 25, 26, 28, 32, 40, 41]
    assert player.event(player.position - 1).kind == "agent.status"
    back = [player.jump_marker(-1).position for _ in range(3)]
    assert back == [40, 32, 28]
    player.start()
    assert player.jump_marker(-1).position == 0  # nothing before: stays
    first = player.jump_marker(+1)
    assert first.reset is False and len(first.events) == 13  # the events passed over


def test_seek_by_fraction_and_to_the_ends(tmp_path: Path) -> None:
    player = _player(tmp_path, [float(i) for i in range(10)])
    assert player.seek_fraction(0.5).position == 5
    assert player.seek_fraction(0.9).position == 9
    assert player.seek_fraction(0.0).position == 0
    far = player.seek_fraction(0.9)
    assert far.reset is False and _seqs(far.events) == list(range(9))
    assert player.start().reset is True
    end = player.end()
    assert end.position == player.total == 10
    assert player.seek(99).position == 10 and player.seek(-3).position == 0


def test_a_seek_keeps_playing_from_there(tmp_path: Path) -> None:
    player = _player(tmp_path, [0, 1, 2, 3, 4, 5], idle_cap=None)
    player.play()
    player.tick(0.0)
    player.seek(4)
    assert player.tick(50.0) == []  # re-anchored: no credit for the time before the seek
    assert _seqs(player.tick(51.0)) == [4]


def test_seeking_before_the_index_is_complete_indexes_up_to_the_target(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [float(i) for i in range(2000)])
    player = Player.open(path, first_page=100)
    assert player.total == 100 and player.indexed_fraction < 0.1
    move = player.seek_fraction(0.5)
    assert move.position == pytest.approx(1000, abs=10)  # estimated from the bytes
    assert player.event(move.position - 1).seq == move.position - 1
    assert player.end().position == 2000 and player.indexed_fraction == 1.0


def test_playing_past_the_indexed_part_indexes_more(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [0.0] * 600)
    player = Player.open(path, first_page=100)
    player.play()
    assert len(player.tick(0.0, limit=10_000)) == 600


def test_follow_waits_at_the_end_and_shows_new_events(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    log = SessionLog.create(path, "s-live", env={})
    log.append("session.started", {"agents": ["a"]})
    log.append("agent.status", {"status": "thinking"}, agent="a")
    player = Player.open(path, follow=True, idle_cap=None)
    player.play()
    assert _seqs(player.tick(0.0)) == [0]
    assert _seqs(player.tick(10.0)) == [1]
    assert player.tick(20.0) == [] and player.playing  # at the end, still waiting
    assert player.next_due(20.0) == pytest.approx(0.25)
    log.append("tool.requested", {"tool": "bash", "input": {"command": "ls"}}, agent="a", call="c")
    log.append("human.message", {"text": "hi"}, agent="a")
    new = player.tick(20.1)
    assert [e.kind for e in new] == ["tool.requested", "human.message"]  # shown at once
    assert player.total == 4
    log.close()


def test_without_follow_the_end_stops_playing(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    log = SessionLog.create(path, "s-live", env={})
    log.append("session.started", {"agents": ["a"]})
    player = Player.open(path)
    player.play()
    player.tick(0.0)
    player.tick(1.0)
    assert not player.playing
    log.append("human.message", {"text": "later"}, agent="a")
    log.close()
    assert player.refresh() == 1 and player.total == 2


def test_thread_safe_background_warming(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [float(i) for i in range(3000)])
    player = Player.open(path, first_page=50, checkpoint_every=64)
    done = threading.Event()

    def worker() -> None:
        while not player.warm(200):
            pass
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    positions = [player.seek_fraction(f / 10).position for f in range(10)]
    thread.join()
    assert done.is_set() and player.total == 3000
    assert positions == sorted(positions)
    assert player.state_at(2500).events == 2500
    assert player.state_ready(2999)


def test_an_empty_log_plays_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new.jsonl"
    SessionLog.create(path, "s-new", env={}).close()
    with Player.open(path) as player:
        assert player.total == 0 and player.events_between(0, 100) == []
        assert player.state_at(0).events == 0 and player.markers() == []
        player.play()
        assert player.tick(0.0) == [] and not player.playing
        assert player.jump_marker(+1).position == 0 and player.end().position == 0
        assert player.warm() is True
