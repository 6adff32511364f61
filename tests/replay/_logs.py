"""Logs for the replay tests: real ones from the session writer, and hand-chained ones with
exact timestamps (no fsync) for the transport and for larger logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cockpit.session.chain import Head, head_path, write_head
from cockpit.session.events import digest
from cockpit.session.log import SessionLog
from tests.session._util import build_log, write_session

BASE = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
SESSION = "s-hand"


def ts(seconds: float) -> str:
    """The timestamp ``seconds`` after a fixed start."""
    return (BASE + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chained(path: Path, rows: list[dict[str, Any]], *, head: bool = True) -> list[bytes]:
    """A hand-built, correctly chained log (plus its head file)."""
    lines = build_log(path, rows, session=SESSION)
    if head:
        write_head(head_path(path), Head(SESSION, len(lines) - 1, digest(lines[-1]), ts(0)))
    return lines


def timed(path: Path, times: list[float], **fields: Any) -> list[bytes]:
    """One ``agent.status`` event at each of ``times`` (seconds from the start)."""
    rows = [
        {
            "kind": "agent.status",
            "agent": "a",
            "data": {"status": "thinking"},
            "ts": ts(t),
            **fields,
        }
        for t in times
    ]
    return chained(path, rows)


def realistic(path: Path) -> SessionLog:
    """`write_session` (two agents, approvals, a denial, a timeout, failures) plus a failed
    command with its full output in an artifact, and an agent that failed. Left open."""
    log = write_session(path)
    artifact = log.write_artifact("c-8.out", "".join(f"line {i}\n" for i in range(5000)))
    kw: dict[str, Any] = {"agent": "tester", "iteration": 5, "call": "c-8"}
    log.append("tool.requested", {"tool": "bash", "input": {"command": "make\ntest"}}, **kw)
    log.append(
        "policy.decided",
        {"tier": 2, "reasons": ["runs project code"], "rules": [{"id": "r1", "source": "x:1"}]},
        **kw,
    )
    log.append("tool.started", {"tool": "bash", "command": "make\ntest"}, **kw)
    log.append(
        "tool.finished",
        {"exit_code": 2, "output": "line 0\n…", "truncated": True, "artifact": artifact},
        **kw,
    )
    log.append("agent.status", {"status": "failed", "detail": "gave up"}, agent="tester")
    log.append("session.ended", {"reason": "quit"})
    return log


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)
