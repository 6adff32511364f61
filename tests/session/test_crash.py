"""A writer killed mid-stream loses nothing it acknowledged; a torn tail is cut and recorded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cockpit.errors import LogCorruptError
from cockpit.session.chain import read_events
from cockpit.session.kinds import LogRecovered
from cockpit.session.log import SessionLog
from tests.session._util import REPO, cockpit, lines_of, write_session

# Four threads append as fast as they can; each acknowledged seq is printed, flushed, only
# after `append` returned (the event is durable).
WRITER = """
import sys, threading
from pathlib import Path
from cockpit.session.log import SessionLog

log = SessionLog.create(Path(sys.argv[1]), "crash-1", env={})
out_lock = threading.Lock()

def work(name):
    i = 0
    while True:
        event = log.append(
            "tool.requested",
            {"tool": "bash", "input": {"command": f"echo {name} {i}" + " x" * (i % 50)}},
            agent=name,
            call=f"{name}-{i}",
        )
        with out_lock:
            sys.stdout.write(f"{event.seq} {name}-{i}\\n")
            sys.stdout.flush()
        i += 1

for n in range(4):
    threading.Thread(target=work, args=(f"w{n}",), daemon=True).start()
threading.Event().wait()
"""


def _run_and_kill(path: Path, acks_before_kill: int) -> dict[int, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    acked: dict[int, str] = {}
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while len(acked) < acks_before_kill:
        line = proc.stdout.readline()
        assert line, f"writer died early: {proc.stderr.read() if proc.stderr else ''}"
        seq, call = line.split()
        acked[int(seq)] = call
        assert time.monotonic() < deadline
    os.kill(proc.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    for line in out.splitlines():  # acks already in the pipe when it died count too
        parts = line.split()
        if len(parts) == 2:
            acked[int(parts[0])] = parts[1]
    assert proc.returncode == -signal.SIGKILL
    assert "Traceback" not in err
    return acked


@pytest.mark.parametrize("acks", [1, 300])
def test_sigkill_loses_no_acknowledged_event(tmp_path: Path, acks: int) -> None:
    path = tmp_path / "crash.jsonl"
    acked = _run_and_kill(path, acks)

    audit = cockpit("audit", "--json", path)
    assert audit.code == 0, audit.out
    report = audit.json
    assert report["valid"] is True
    assert report["head"]["status"] in ("ok", "behind")

    log = SessionLog.open(path, env={})
    log.append("session.resumed", {"recovered": {}})
    log.close()
    events = list(read_events(path))
    by_seq = {e.seq: e for e in events}
    for seq, call in acked.items():
        assert seq in by_seq, f"acknowledged seq {seq} lost"
        assert by_seq[seq].call == call
    assert [e.seq for e in events] == list(range(len(events)))
    assert events[-1].kind == "session.resumed"
    assert cockpit("audit", path).code == 0


def _closed_session(path: Path) -> int:
    log = write_session(path)
    log.close()
    return len(lines_of(path))


def test_torn_tail_is_cut_and_recorded(tmp_path: Path) -> None:
    path = tmp_path / "torn.jsonl"
    n = _closed_session(path)
    # The next line as the writer would have written it, cut in half by a crash.
    half = b'{"v":1,"seq":' + str(n).encode() + b',"ts":"2026-11-21T10:15:03.1234'
    with path.open("ab") as f:
        f.write(half)

    audit = cockpit("audit", "--json", path)
    assert audit.code == 0  # a torn last line was never acknowledged: nothing is lost
    assert audit.json["torn_tail"] == {"line": n + 1, "bytes": len(half)}
    text = cockpit("audit", path)
    assert f"torn last line {n + 1} ({len(half)} bytes" in text.out

    # Readers stop quietly before the torn line.
    assert len(list(read_events(path))) == n

    log = SessionLog.open(path, env={})
    log.append("session.resumed", {})
    log.close()
    events = list(read_events(path))
    assert [e.seq for e in events] == list(range(n + 2))
    recovered = events[n]
    assert recovered.kind == LogRecovered.kind
    assert recovered.data["bytes_dropped"] == len(half)
    assert recovered.data["line"] == n + 1
    assert half not in path.read_bytes()

    after = cockpit("audit", "--json", path)
    assert after.code == 0
    assert after.json["torn_tail"] is None
    assert after.json["recoveries"][0]["bytes_dropped"] == len(half)
    assert "Recoveries (1)" in cockpit("audit", path).out


def test_torn_tail_without_a_newline_anywhere(tmp_path: Path) -> None:
    """A crash during the very first write leaves only a fragment: the log reopens empty."""
    path = tmp_path / "first.jsonl"
    SessionLog.create(path, "s-first", env={}).close()
    fragment = b'{"v":1,"seq":0,"ts":"2026'
    path.write_bytes(fragment)
    log = SessionLog.open(path, env={})
    log.close()
    events = list(read_events(path))
    assert [e.kind for e in events] == [LogRecovered.kind]
    assert events[0].data["bytes_dropped"] == len(fragment)
    assert events[0].session == "s-first"
    assert cockpit("audit", path).code == 0


def test_cut_lines_hidden_behind_a_torn_tail_stop_the_open(tmp_path: Path) -> None:
    """Cutting whole events and leaving a fragment must not pass as a crash: the head file
    says more was acknowledged, so the open refuses (and the evidence is kept)."""
    path = tmp_path / "cut.jsonl"
    n = _closed_session(path)
    kept = b"".join(lines_of(path)[: n - 4])
    path.write_bytes(kept + b'{"v":1,"se')
    with pytest.raises(LogCorruptError) as info:
        SessionLog.open(path, env={})
    assert info.value.line == n - 3
    assert "cut from the end" in info.value.reason
    assert path.read_bytes() == kept + b'{"v":1,"se'
    audit = cockpit("audit", "--json", path)
    assert audit.code == 1
    assert audit.json["head"]["status"] == "ahead"


def test_reopened_log_after_kill_has_a_current_head(tmp_path: Path) -> None:
    path = tmp_path / "head.jsonl"
    _run_and_kill(path, 50)
    SessionLog.open(path, env={}).close()
    head = json.loads(path.with_suffix(".head").read_text())
    last = json.loads(lines_of(path)[-1])
    assert head["seq"] == last["seq"]
    assert head["session"] == "crash-1"
    assert cockpit("audit", "--json", path).json["head"]["status"] == "ok"
