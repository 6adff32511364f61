"""Streaming verification of a session log's hash chain, and its head file.

Nothing here loads a whole log: lines are read one at a time, so a 1M-event log is
verified in constant memory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cockpit.errors import LogCorruptError, LogError
from cockpit.session.events import GENESIS, Event, digest, schema_problem

HeadStatus = Literal["ok", "behind", "ahead", "mismatch", "missing", "unreadable"]
Visitor = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class LineProblem:
    line: int  # 1-based
    seq: int | None  # the seq the line should have carried
    reason: str


@dataclass(frozen=True)
class TornTail:
    line: int  # 1-based number of the unterminated last line
    offset: int  # byte offset where it starts
    size: int  # bytes in it


@dataclass(frozen=True)
class ChainCheck:
    """What one streaming pass over a log found."""

    events: int
    session: str | None
    last_digest: str
    good_bytes: int  # bytes up to and including the last good line's newline
    problem: LineProblem | None
    torn: TornTail | None
    digest_at: str | None  # digest of the line whose seq was asked for, if reached

    @property
    def last_seq(self) -> int:
        return self.events - 1


@dataclass(frozen=True)
class Head:
    session: str
    seq: int
    digest: str
    ts: str


def head_path(log_path: Path) -> Path:
    """``x.jsonl`` -> ``x.head``."""
    if log_path.suffix == ".jsonl":
        return log_path.with_suffix(".head")
    return log_path.with_name(log_path.name + ".head")


def read_head(path: Path) -> Head | None:
    """The head file beside a log; None when missing. LogError when unreadable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LogError(f"{path}: cannot read head file: {exc.strerror}") from exc
    try:
        obj = json.loads(raw)
        return Head(str(obj["session"]), int(obj["seq"]), str(obj["digest"]), str(obj["ts"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise LogError(f"{path}: head file is not valid: {exc}") from exc


def write_head(path: Path, head: Head, *, durable: bool = False) -> None:
    """Atomically replace the head file (write a temp file, rename over)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    body = json.dumps(
        {"session": head.session, "seq": head.seq, "digest": head.digest, "ts": head.ts}
    ).encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, body + b"\n")
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    if durable:
        fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a created or renamed entry in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def raw_lines(path: Path) -> Iterator[bytes]:
    """The log's lines as bytes, newline included when present. LogError when unreadable."""
    try:
        f = path.open("rb")
    except FileNotFoundError as exc:
        raise LogError(f"{path}: no such log file") from exc
    except IsADirectoryError as exc:
        raise LogError(f"{path}: is a directory, not a log file") from exc
    except OSError as exc:
        raise LogError(f"{path}: cannot open: {exc.strerror}") from exc
    with f:
        yield from f


def check_chain(
    path: Path, visit: Visitor | None = None, *, want_digest_at: int | None = None
) -> ChainCheck:
    """Verify seq, schema and the hash chain line by line, calling ``visit`` per good event.

    Stops at the first bad line. An unterminated last line is reported as a torn tail,
    not as a problem: a crash mid-write leaves exactly that.
    """
    expected_prev = GENESIS
    seq = 0
    offset = 0
    session: str | None = None
    digest_at: str | None = None
    loads = json.loads
    for raw in raw_lines(path):
        if not raw.endswith(b"\n"):
            torn = TornTail(line=seq + 1, offset=offset, size=len(raw))
            return ChainCheck(seq, session, expected_prev, offset, None, torn, digest_at)
        line = raw[:-1]
        bad = parse_line(line, seq, expected_prev, session, loads)
        if isinstance(bad, str):
            problem = LineProblem(line=seq + 1, seq=seq, reason=bad)
            return ChainCheck(seq, session, expected_prev, offset, problem, None, digest_at)
        if session is None:
            session = bad["session"]
        expected_prev = digest(line)
        if seq == want_digest_at:
            digest_at = expected_prev
        if visit is not None:
            visit(bad)
        seq += 1
        offset += len(raw)
    return ChainCheck(seq, session, expected_prev, offset, None, None, digest_at)


def parse_line(
    line: bytes,
    seq: int,
    expected_prev: str,
    session: str | None,
    loads: Callable[[bytes], Any],
) -> dict[str, Any] | str:
    """The parsed event, or what is wrong with the line."""
    if not line.strip():
        return "empty line"
    try:
        obj = loads(line)
    except ValueError:
        return "not valid JSON"
    # Fast path first: the common case is a well-formed line, checked fully below only
    # when something looks off.
    if type(obj) is not dict or obj.get("seq") != seq or obj.get("prev") != expected_prev:
        problem = schema_problem(obj)
        if problem:
            return problem
        if obj["seq"] != seq:
            return f"seq is {obj['seq']}, expected {seq} (a line was removed, added or moved)"
        return "hash chain broken: 'prev' is not the digest of the line before"
    problem = schema_problem(obj)
    if problem:
        return problem
    if session is not None and obj["session"] != session:
        return f"session is {obj['session']!r}, expected {session!r}"
    return obj


def head_status(check: ChainCheck, head: Head | None) -> tuple[HeadStatus, str]:
    """How the head file agrees with a fully verified chain, and a sentence saying so."""
    if head is None:
        return "missing", "head file missing: a cut-off tail cannot be detected"
    last = check.last_seq
    if check.session is not None and head.session != check.session:
        return "mismatch", f"head file is for session {head.session}, log is {check.session}"
    if head.seq == last:
        if head.digest == check.last_digest:
            return "ok", f"head file agrees: last seq {last}"
        return "mismatch", f"head file digest differs for seq {last}: the last line was changed"
    if head.seq > last:
        return (
            "ahead",
            f"log ends at seq {last} but the head file says seq {head.seq}: "
            f"{head.seq - last} event(s) were cut from the end",
        )
    if check.digest_at is not None and check.digest_at == head.digest:
        return "behind", (
            f"head file is at seq {head.seq}, the log goes on to seq {last} "
            "(written after the last head update, as after a crash)"
        )
    return "mismatch", f"head file digest differs for seq {head.seq}"


def read_events(path: Path) -> Iterator[Event]:
    """The events of a log, streamed and chain-verified as they are read.

    Raises `LogCorruptError` at the first damaged line. A torn last line ends the stream
    quietly: it was never acknowledged, and opening the log for append cuts it.
    """
    expected_prev = GENESIS
    session: str | None = None
    loads = json.loads
    for seq, raw in enumerate(raw_lines(path)):
        if not raw.endswith(b"\n"):
            return
        line = raw[:-1]
        obj = parse_line(line, seq, expected_prev, session, loads)
        if isinstance(obj, str):
            raise LogCorruptError(str(path), seq + 1, obj)
        session = session or obj["session"]
        expected_prev = digest(line)
        yield Event.from_obj(obj)
