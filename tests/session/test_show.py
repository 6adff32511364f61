"""`cockpit log show`: one event a line in the seed format, and following a live log."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from cockpit.session.chain import read_events
from cockpit.session.log import SessionLog
from cockpit.session.show import format_line
from tests.session._util import (
    REPO,
    TS_PATTERN,
    build_log,
    cockpit,
    lines_of,
    write_session,
)
from tests.waiting import wait_until_sync


def test_one_event_a_line_in_the_seed_format(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    log = write_session(path)
    artifact = log.write_artifact("c-9.out", "line\n" * 10_000)
    log.append("tool.finished", {"exit_code": 1, "artifact": artifact}, agent="builder", call="c-9")
    log.append(
        "model.message",
        {"message": {"role": "assistant", "content": "first line\nsecond line\n" * 40}},
        agent="builder",
        iteration=5,
    )
    log.append("agent.status", {"status": "weird\nstatus", "detail": "x"}, agent="tester")
    log.close()
    events = list(read_events(path))

    run = cockpit("log", "show", path)
    assert run.code == 0
    assert run.err == ""
    out = run.out.splitlines()
    assert len(out) == len(events)
    assert out == [format_line(e) for e in events]
    for line, event in zip(out, events, strict=True):
        ts, state, iteration, _rest = line.split(" | ", 3)
        assert re.fullmatch(TS_PATTERN, ts) and ts == event.ts
        assert state.startswith(event.agent or "session")
        assert iteration == str(event.iteration)
        assert line.count(" | ") >= 5

    def only(needle: str) -> list[str]:
        found = [line.split(" | ") for line in out if needle in line]
        assert len(found) == 1, (needle, found)
        return found[0]

    assert only("approval? pip install rich")[1] == "builder waiting for you"
    assert only("denied by timeout")[3] == "approval.resolved"
    assert only("approved by human")[1] == "builder"
    assert only("in 1200 out 80 $0.0050")[1] == "builder thinking"
    assert only("tier deny: curl piped to a shell")
    assert only("exit 2")[1] == "tester running"
    finished = only("exit 1")
    assert finished[-1] == "s/c-9.out"  # ARTIFACTS: beside the log, in <session>/
    message = only("assistant: first line\\nsecond line")  # one line, as logged
    assert message[2] == "5"
    assert message[4].endswith("…") and len(message[4]) <= 100
    assert only("weird\\nstatus")[1] == "tester weird\\nstatus"


def test_show_stops_at_damage_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_session(path).close()
    lines = lines_of(path)
    path.write_bytes(b"".join(lines[:9] + lines[10:]))  # line 10 deleted
    run = cockpit("log", "show", path)
    assert run.code == 2
    assert len(run.out.splitlines()) == 9  # what is intact is still shown
    assert run.err == (
        f"cockpit: {path}:10: seq is 10, expected 9 (a line was removed, added or moved)\n"
    )


def test_show_into_a_closed_pipe(tmp_path: Path) -> None:
    """`cockpit log show LOG | head -1`: the reader leaving is not an error."""
    path = tmp_path / "s.jsonl"
    log = SessionLog.create(path, "s-pipe", env={})
    build = [{"kind": "human.message", "data": {"text": "x" * 200}} for _ in range(5000)]
    log.close()
    build_log(path, build, session="s-pipe")
    path.with_suffix(".head").unlink()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "log", "show", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=30) == 0
    assert err == ""


class _Follower:
    """`cockpit log show --follow` in its own process, its lines collected as they come."""

    def __init__(self, path: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cockpit", "log", "show", "--follow", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, n: int, timeout: float = 20) -> list[str]:
        def printed() -> bool:
            with contextlib.suppress(queue.Empty):
                while len(self.seen) < n:  # no further: a later check counts the rest
                    self.seen.append(self.lines.get_nowait())
            return len(self.seen) >= n

        detail = lambda: f"follow printed {len(self.seen)}: {self.seen}"  # noqa: E731
        wait_until_sync(printed, f"{n} lines from follow", timeout=timeout, detail=detail)
        return self.seen

    def quiet_for(self, seconds: float) -> bool:
        try:
            self.seen.append(self.lines.get(timeout=seconds))
        except queue.Empty:
            return True
        return False

    def finish(self, timeout: float = 20) -> tuple[int, str]:
        code = self.proc.wait(timeout=timeout)
        assert self.proc.stderr is not None
        return code, self.proc.stderr.read()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_follow_a_log_another_process_is_writing(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    log = SessionLog.create(path, "s-live", env={})
    log.append("session.started", {"agents": ["builder"]})
    log.append("agent.status", {"status": "thinking"}, agent="builder", iteration=1)
    follower = _Follower(path)
    try:
        assert len(follower.wait_for(2)) == 2
        assert follower.quiet_for(0.5)
        assert follower.proc.poll() is None  # still following: the session has not ended

        for i in range(5):
            log.append("human.message", {"text": f"message {i}"}, agent="builder", iteration=2)
            time.sleep(0.05)
        follower.wait_for(7)
        assert follower.proc.poll() is None

        log.append("session.ended", {"reason": "all tasks done"})
        code, err = follower.finish()
        log.close()
        assert (code, err) == (0, "")
        follower.wait_for(8)
        assert follower.seen == [format_line(e) for e in read_events(path)]
        assert "all tasks done" in follower.seen[-1]
    finally:
        follower.kill()


def test_follow_waits_for_a_line_being_written(tmp_path: Path) -> None:
    path = tmp_path / "half.jsonl"
    rows = [
        {"kind": "session.started", "data": {"agents": ["a"]}},
        {"kind": "human.message", "agent": "a", "data": {"text": "one"}},
        {"kind": "human.message", "agent": "a", "data": {"text": "two"}},
        {"kind": "session.ended", "data": {"reason": "done"}},
    ]
    lines = build_log(path, rows)
    path.write_bytes(lines[0] + b"\n" + lines[1] + b"\n")
    follower = _Follower(path)
    try:
        follower.wait_for(2)
        with path.open("ab") as f:
            f.write(lines[2][:40])
        assert follower.quiet_for(0.8)  # a half-written line is not shown, nor an error
        assert follower.proc.poll() is None
        with path.open("ab") as f:
            f.write(lines[2][40:] + b"\n" + lines[3] + b"\n")
        code, err = follower.finish()
        assert (code, err) == (0, "")
        assert [line.split(" | ")[4] for line in follower.wait_for(4)] == [
            "a",
            "one",
            "two",
            "done",
        ]
    finally:
        follower.kill()


def test_follow_stops_at_tampering(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    lines = build_log(path, [{"kind": "human.message", "data": {"text": str(i)}} for i in range(4)])
    path.write_bytes(b"".join(line + b"\n" for line in lines[:2]))
    follower = _Follower(path)
    try:
        follower.wait_for(2)
        with path.open("ab") as f:
            f.write(b"not json at all\n")
        code, err = follower.finish()
        assert code == 2
        assert err.strip() == f"cockpit: {path}:3: not valid JSON"
    finally:
        follower.kill()


def test_a_turn_on_a_model_without_a_price_does_not_read_as_free(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    log = SessionLog.create(path, "s-1", env={})
    usage = {"input_tokens": 900, "output_tokens": 40, "cost_usd": 0.0}
    log.append("model.usage", {**usage, "model": "qwen3-coder:30b", "priced": False}, agent="b")
    log.append("model.usage", {**usage, "model": "claude-sonnet-5-5", "cost_usd": 0.01}, agent="b")
    log.close()
    unpriced, priced = (format_line(e) for e in read_events(path))
    assert unpriced.endswith("in 900 out 40 no price for qwen3-coder:30b | ")
    assert priced.endswith("in 900 out 40 $0.0100 | ")
