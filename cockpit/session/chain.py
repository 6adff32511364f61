"""Streaming verification of a session log's hash chain, and its head file.

Nothing here loads a whole log: lines are read one at a time, so a 1M-event log is
verified in constant memory.
"""

from __future__ import annotations

import hashlib
import json
import json.scanner
import os
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from cockpit.errors import LogCorruptError, LogError
from cockpit.session.events import (
    DIGEST_RE,
    FIELDS,
    FIELDS_KEYED,
    GENESIS,
    KEYED_VERSION,
    TS_RE,
    Event,
    digest,
    schema_problem,
)
from cockpit.session.keys import LogKey
from cockpit.session.kinds import SessionEnded

HeadStatus = Literal["ok", "behind", "ahead", "mismatch", "missing", "unreadable"]
Visitor = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class LineProblem:
    line: int  # 1-based
    seq: int | None  # the seq the line should have carried
    reason: str
    unsigned: bool = False  # the line's keyed digest does not verify under the key given


@dataclass(frozen=True)
class TornTail:
    line: int  # 1-based number of the unterminated last line
    offset: int  # byte offset where it starts
    size: int  # bytes in it
    crash_like: bool = True
    """Whether the bytes begin the way the writer begins the next line (``{"v":N,"seq":S,``,
    or a prefix of it): what a crash mid-write leaves. Anything else was put there."""


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
    keyed: bool | None = None  # whether the lines carry 'mac' (None: no line read)
    last_ended: int = -1  # seq of the last session.ended among the good lines

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
    # Unique per thread: the head thread and a durable write at close must never share a
    # temp file (one would rename the other's half-written file, or find it gone).
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
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


def open_log(path: Path) -> BinaryIO:
    """The log opened for reading; iterate it for its lines. LogError when unreadable."""
    try:
        return path.open("rb")
    except FileNotFoundError as exc:
        raise LogError(f"{path}: no such log file") from exc
    except IsADirectoryError as exc:
        raise LogError(f"{path}: is a directory, not a log file") from exc
    except OSError as exc:
        raise LogError(f"{path}: cannot open: {exc.strerror}") from exc


def raw_lines(path: Path) -> Generator[bytes, None, None]:
    """The log's lines as bytes, newline included when present. LogError when unreadable."""
    with open_log(path) as f:
        yield from f


def check_chain(
    path: Path,
    visit: Visitor | None = None,
    *,
    want_digest_at: int | None = None,
    head: Head | None = None,
    key: LogKey | None = None,
) -> ChainCheck:
    """Verify seq, schema and the hash chain line by line, calling ``visit`` per good event.

    Stops at the first bad line. An unterminated last line is reported as a torn tail,
    not as a problem: a crash mid-write leaves exactly that. ``head`` (the head file, when
    there is one) lets a changed last-but-one line be told from a changed last line. With
    ``key``, each keyed line's ``mac`` is verified too (without it, only the plain chain).
    """
    scan = _Scan(path, head, want_digest_at, key)
    if visit is None:
        for _ in scan:
            pass
    else:
        for obj in scan:
            visit(obj)
    return ChainCheck(
        scan.events,
        scan.session,
        scan.last_digest,
        scan.good_bytes,
        scan.problem,
        scan.torn,
        scan.digest_at,
        scan.keyed,
        scan.last_ended,
    )


CHAIN_BROKEN = "hash chain broken: 'prev' is not the digest of the line before"


class _Scan:
    """One streaming pass over a log; iterate it for the good events, then read the outcome.

    Each line is held back until the next one is read: when line N's ``prev`` does not match
    line N-1, the line that changed is N-1 if line N itself is still vouched for (by line
    N+1's ``prev``, or by the head file when N is last), and N otherwise (its ``prev`` was
    edited). Held back, a changed line is never passed on as good.
    """

    def __init__(
        self,
        path: Path,
        head: Head | None,
        want_digest_at: int | None,
        key: LogKey | None = None,
    ) -> None:
        self._path = path
        self._head = head
        self._key = key
        self.keyed: bool | None = None
        self.last_ended = -1
        self._want = want_digest_at if want_digest_at is not None else (head.seq if head else None)
        self.events = 0
        self.session: str | None = None
        self.last_digest = GENESIS
        self.good_bytes = 0
        self.problem: LineProblem | None = None
        self.torn: TornTail | None = None
        # A head at seq -1 (written when the log was created) vouches for the empty log.
        self.digest_at: str | None = GENESIS if self._want == -1 else None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        # The hot loop of audit, resume and replay: state lives in locals, recorded on the
        # scan once the pass is over.
        loads, scan_once, sha256, well_formed = json.loads, _SCAN_ONCE, hashlib.sha256, _well_formed
        want = self._want
        events, good_bytes, last_digest, digest_at = 0, 0, GENESIS, self.digest_at
        session: str | None = None
        seq = 0  # the seq the line being read should carry
        expected_prev = GENESIS  # digest of the held line
        held: dict[str, Any] | None = None  # line seq-1, parsed, not yet passed on
        held_size = 0
        torn_size: int | None = None
        torn_crash_like = True
        problem: LineProblem | None = None
        key = self._key
        keyed: bool | None = None
        last_ended = -1
        f = open_log(self._path)
        lines = iter(f)
        try:
            for raw in lines:
                if raw[-1:] != b"\n":
                    torn_size = len(raw)
                    torn_crash_like = crash_like(raw, seq)
                    break
                line = raw[:-1]
                # Fast path: the C scanner on the ASCII text, and a lean check of what the
                # writer makes. Anything else goes to `parse_line`, which has the final word.
                try:
                    text = line.decode("ascii")
                    obj, end = scan_once(text, 0)
                    if end != len(text) or type(obj) is not dict:
                        obj = None
                except (UnicodeDecodeError, StopIteration, ValueError):
                    obj = None
                if obj is None or not well_formed(obj, seq, expected_prev, session):
                    parsed = parse_line(line, seq, expected_prev, session, loads)
                    if isinstance(parsed, str):
                        if (
                            parsed == CHAIN_BROKEN
                            and held is not None
                            and self._vouched(line, lines, seq)
                        ):
                            held = None  # the held line is the one that changed
                            problem = LineProblem(
                                line=seq,
                                seq=seq - 1,
                                reason=(
                                    f"line {seq} was changed after it was written: its digest "
                                    f"is not the 'prev' recorded in line {seq + 1}"
                                ),
                            )
                            if events == 0:
                                session = None
                        else:
                            problem = LineProblem(line=seq + 1, seq=seq, reason=parsed)
                        break
                    obj = parsed
                if len(obj) == 11:  # a keyed line
                    if keyed is False or (key is not None and not key.line_ok(line)):
                        problem = _signature_problem(obj, line, seq, keyed, key)
                        break
                    keyed = True
                elif keyed:  # an unkeyed line in a keyed log
                    problem = _signature_problem(obj, line, seq, keyed, key)
                    break
                elif keyed is None:
                    keyed = False
                if obj["kind"] == _ENDED:
                    last_ended = seq
                if held is not None:
                    if events == want:
                        digest_at = expected_prev
                    events += 1
                    good_bytes += held_size
                    last_digest = expected_prev
                    yield held
                if session is None:
                    session = obj["session"]
                held, held_size = obj, len(raw)
                expected_prev = sha256(line).hexdigest()
                seq += 1
            if held is not None:  # the last good line: nothing after it to wait for
                if events == want:
                    digest_at = expected_prev
                events += 1
                good_bytes += held_size
                last_digest = expected_prev
            # The outcome is recorded before the last line is passed on: a reader may stop there.
            self.events, self.good_bytes, self.last_digest = events, good_bytes, last_digest
            self.digest_at, self.session, self.problem = digest_at, session, problem
            self.keyed = keyed
            if problem is not None and last_ended >= events:
                last_ended = -1  # it was on a line that is not good
            self.last_ended = last_ended
            if torn_size is not None:
                self.torn = TornTail(
                    line=seq + 1, offset=good_bytes, size=torn_size, crash_like=torn_crash_like
                )
            if held is not None:
                yield held
        finally:
            f.close()

    def _vouched(self, line: bytes, lines: Iterator[bytes], seq: int) -> bool:
        """Whether ``line`` (carrying ``seq``) is as written: the next line, or the head
        file, records its digest."""
        line_digest = digest(line)
        following = next(lines, None)
        if following is None:
            head = self._head
            return head is not None and head.seq == seq and head.digest == line_digest
        try:
            obj = json.loads(following)
        except ValueError:
            return False
        return isinstance(obj, dict) and obj.get("prev") == line_digest


def _signature_problem(
    obj: dict[str, Any], line: bytes, seq: int, keyed: bool | None, key: LogKey | None
) -> LineProblem | None:
    """What is wrong with a keyed line's signature, or a line's being keyed or not."""
    if len(obj) != len(FIELDS_KEYED):
        return LineProblem(
            seq + 1, seq, "the line has no keyed digest ('mac') but the log is keyed: added"
        )
    if keyed is False:
        return LineProblem(seq + 1, seq, "the line is keyed but the lines before it are not: added")
    if key is not None and not key.line_ok(line):
        return LineProblem(
            seq + 1,
            seq,
            f"line {seq + 1} was changed, added or moved by someone without this user's "
            "log key: its keyed digest ('mac') does not verify",
            unsigned=True,
        )
    return None


def crash_like(fragment: bytes, seq: int) -> bool:
    """Whether an unterminated last line is the start of the line the writer writes next."""
    if not _printable(fragment):
        return False
    for v in (b"1", str(KEYED_VERSION).encode()):
        start = b'{"v":' + v + b',"seq":' + str(seq).encode() + b","
        if start.startswith(fragment) or fragment.startswith(start):
            return True
    return False


def _printable(data: bytes) -> bool:
    return data.isascii() and all(32 <= b < 127 for b in data)


# The C scanner behind json.loads, called directly: no encoding sniffing or whitespace
# passes. The writer's lines are compact ASCII; anything else falls back to `parse_line`.
_DECODER: Any = json.JSONDecoder()  # typeshed types make_scanner's argument oddly
_SCAN_ONCE: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(_DECODER)
_ENDED = SessionEnded.kind


def _well_formed(obj: dict[str, Any], seq: int, prev: str, session: str | None) -> bool:
    """Whether a parsed line is exactly what the writer makes: the fast path of a scan. It
    accepts nothing `parse_line` would reject; what it rejects, `parse_line` judges."""
    keys = tuple(obj)
    if keys != FIELDS and (keys != FIELDS_KEYED or type(obj["mac"]) is not str):
        return False
    n, v, ts, agent, call, kind = (
        obj["seq"], obj["v"], obj["ts"], obj["agent"], obj["call"], obj["kind"]
    )  # fmt: skip
    return (
        type(n) is int
        and n == seq
        and obj["prev"] == prev  # `prev` is a digest we computed: equal means well-formed
        and type(v) is int
        and (v >= KEYED_VERSION if len(keys) == 11 else 1 <= v < KEYED_VERSION)
        and (len(keys) == 10 or DIGEST_RE.match(obj["mac"]) is not None)
        and type(ts) is str
        and TS_RE.match(ts) is not None
        and (
            obj["session"] == session
            if session is not None
            else (type(obj["session"]) is str and obj["session"] != "")
        )
        and (agent is None or type(agent) is str)
        and type(obj["iteration"]) is int
        and type(kind) is str
        and kind != ""
        and (call is None or type(call) is str)
        and type(obj["data"]) is dict
    )


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
        return CHAIN_BROKEN
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


def head_bad_line(check: ChainCheck, head: Head | None, status: str) -> int | None:
    """The 1-based line a disagreeing head file points at: the first cut line, or the last
    line the head and the log disagree about."""
    if status == "ahead":
        return check.events + 1
    if status == "mismatch" and head is not None:
        return max(1, min(head.seq, check.last_seq) + 1)
    return None


def read_events(path: Path) -> Iterator[Event]:
    """The events of a log, streamed and chain-verified as they are read.

    Raises `LogCorruptError` at the first damaged line. A torn last line ends the stream
    quietly: it was never acknowledged, and opening the log for append cuts it.
    """
    try:
        head = read_head(head_path(path))
    except LogError:
        head = None
    scan = _Scan(path, head, None)
    for obj in scan:
        yield Event.from_obj(obj)
    if scan.problem is not None:
        raise LogCorruptError(str(path), scan.problem.line, scan.problem.reason)
