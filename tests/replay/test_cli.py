"""`cockpit replay`: headless output, pacing, the screen hand-off, and damaged logs."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cockpit.cli import main as cli
from cockpit.cli import replay as commands
from cockpit.cli.replay import play_headless
from cockpit.replay.index import index_path
from cockpit.replay.player import Player
from cockpit.session.log import SessionLog
from cockpit.ui.replay import ReplayApp
from tests.replay._logs import lines_of, realistic, timed
from tests.session._util import REPO, cockpit, one_line


def test_headless_prints_what_log_show_prints(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    realistic(path).close()
    shown = cockpit("log", "show", path)
    replayed = cockpit("replay", path, "--headless", "--speed", "0")
    assert replayed.code == 0 and replayed.err == ""
    assert replayed.out == shown.out and len(shown.out.splitlines()) == 42
    assert index_path(path).exists()  # kept beside the log for the next time
    again = cockpit("replay", path, "--headless", "--speed", "0", "--from", "50")
    assert again.out.splitlines() == shown.out.splitlines()[21:]


def test_headless_sleeps_in_real_time_at_the_chosen_speed(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [0, 1, 2])
    start = time.monotonic()
    run = cockpit("replay", path, "--headless", "--speed", "4")
    elapsed = time.monotonic() - start
    assert run.code == 0 and len(run.out.splitlines()) == 3
    assert elapsed >= 0.5  # 2 s of session at x4


def test_pacing_follows_speed_and_idle_cap(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [0, 1, 31, 32, 32.5])
    now = [0.0]
    written: list[tuple[float, str]] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with Player.open(path, speed=2.0, idle_cap=2.0) as player:
        code = play_headless(
            player,
            lambda line: written.append((now[0], line)),
            speed=2,
            clock=lambda: now[0],
            sleep=sleep,
        )
    assert code == 0
    times = [t for t, _ in written]
    # gaps 1, 30 (capped to 2), 1, 0.5 at x2
    assert times == pytest.approx([0.0, 0.5, 1.5, 2.0, 2.25])
    assert [line.split(" | ")[3] for _, line in written] == ["agent.status"] * 5


def test_a_damaged_log_is_one_line_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    realistic(path).close()
    lines = lines_of(path)
    path.write_bytes(b"".join(lines[:9] + lines[10:]))  # line 10 deleted
    for args in (["--headless"], ["--headless", "--speed", "0"]):
        run = cockpit("replay", path, *args)
        assert run.code == 1
        line = one_line(run)
        assert f"{path}:10:" in line and "seq is 10, expected 9" in line


def test_damage_past_the_first_page_stops_the_output_there(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [float(i) for i in range(1000)])
    lines = lines_of(path)
    lines[799] = lines[799].replace(b"thinking", b"sleeping")
    path.write_bytes(b"".join(lines))
    run = cockpit("replay", path, "--headless", "--speed", "0")
    assert run.code == 1 and "Traceback" not in run.err
    assert len(run.out.splitlines()) == 799
    assert run.err.strip().splitlines() == [
        f"cockpit: {path}:800: line 800 was changed after it was written: its digest is not "
        "the 'prev' recorded in line 801"
    ]


def test_a_missing_log_is_one_line(tmp_path: Path) -> None:
    run = cockpit("replay", tmp_path / "nope.jsonl", "--headless")
    assert run.code == 1
    assert "no such log file" in one_line(run)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--speed", "-1"], "must be 0 or more"),
        (["--speed", "fast"], "not a number"),
        (["--from", "120"], "between 0 and 100"),
    ],
)
def test_bad_options_are_one_line(tmp_path: Path, args: list[str], words: str) -> None:
    run = cockpit("replay", tmp_path / "s.jsonl", "--headless", *args)
    assert run.code == 2 and words in one_line(run)


def test_help_lists_replay() -> None:
    run = cockpit("replay", "--help")
    assert run.code == 0
    for word in ("--headless", "--speed", "--idle-cap", "--from", "--follow"):
        assert word in run.out


def test_without_the_screen_module_it_says_to_use_headless(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [0, 1])
    monkeypatch.setitem(sys.modules, "cockpit.ui.replay", None)  # an install without it
    assert cli.main(["replay", str(path)]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err == "the replay screen is not available: use --headless\n"


def test_the_screen_gets_the_log_and_a_player_at_the_start_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [float(i) for i in range(10)])
    seen: list[Any] = []

    def open_replay(app_class: type[ReplayApp], log_path: Path, player: Player) -> int:
        seen.append((app_class, log_path, player.position, player.total, player.follow))
        return 0

    monkeypatch.setattr(commands, "open_replay", open_replay)
    assert cli.main(["replay", str(path), "--from", "30", "--follow"]) == 0
    assert seen == [(ReplayApp, path, 3, 10, True)]


def test_headless_follow_prints_a_live_session_until_it_ends(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    log = SessionLog.create(path, "s-live", env={})
    log.append("session.started", {"agents": ["a"]})
    proc = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "replay", str(path), "--headless", "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "session.started" in first
        log.append("human.message", {"text": "still here"}, agent="a")
        assert "still here" in proc.stdout.readline()
        log.append("session.ended", {"reason": "quit"})
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
        log.close()
    assert proc.returncode == 0 and err == ""
    assert "session.ended" in out
