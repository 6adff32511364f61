"""The replay index: where each event of a log starts, when it happened, what kind it is.

Kept beside the log as ``<session>.idx`` (mode 0600) so a 1M-event log opens at once after
the first time. Layout, all in the machine's byte order (recorded in the header):

- header, 80 bytes: magic ``CKPTRIDX``, format version, byte order (1 little, 2 big),
  record size (16), ``count`` (events indexed), ``indexed_bytes`` (log bytes covered: the end
  of the last indexed line), the raw sha256 of the last indexed line, a crc32 of all that.
- ``count`` records of 16 bytes: a u64 word ``offset | kind << 48 | flags << 56`` (offset of
  the line, kind code from `KINDS`, marker `Flag` bits) and the timestamp as an f64 of
  seconds since the epoch.

Building streams the log once, line by line, and verifies the hash chain, the schema and
the head file in the same pass (a tampered log is reported with its line). It is O(n) once;
then the index is reused, and a log that grew since is extended from ``indexed_bytes``.

Invalidation: the index is reused when its header is intact, the log is at least
``indexed_bytes`` long and the line that ends at ``indexed_bytes`` still has the recorded
digest. Through the chain that digest vouches for every earlier line, but re-checking all of
them would cost the full pass again, so reopening checks only that line; an in-place edit
further back is caught when the edited line or its successor is read (`EventReader` checks
every line it reads against its neighbour) and by the background pass that rebuilds the
session state (`Player.warm`), which reads every line. Anything else (missing, torn, other
version or byte order, a shorter log, a different last line) rebuilds the index from the
start, which verifies the whole chain again.
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import json
import os
import re
import struct
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cockpit.errors import LogCorruptError, LogError
from cockpit.replay.lines import CODES, KINDS, MAY_MARK, Flag, fast_parse, marker_flags, ts_seconds
from cockpit.session.chain import (
    CHAIN_BROKEN,
    ChainCheck,
    Head,
    TornTail,
    crash_like,
    head_path,
    parse_line,
    read_head,
)
from cockpit.session.events import GENESIS, digest
from cockpit.session.keys import Anchor, LogKey, load_key, read_anchor
from cockpit.session.kinds import SessionEnded
from cockpit.session.verify import end_problem, replaced_problem

MAGIC = b"CKPTRIDX"
VERSION = 1
_HEADER = struct.Struct("<8sHBBIQQ32s")
_CRC = struct.Struct("<I")
HEADER_SIZE = 80
_RECORD = struct.Struct("=Qd")
RECORD_SIZE = _RECORD.size
_OFFSET_MASK = (1 << 48) - 1
_BYTE_ORDER = 1 if sys.byteorder == "little" else 2

_NONZERO = re.compile(b"[^\x00]")


def index_path(log_path: Path) -> Path:
    """``x.jsonl`` -> ``x.idx``."""
    if log_path.suffix == ".jsonl":
        return log_path.with_suffix(".idx")
    return log_path.with_name(log_path.name + ".idx")


Visitor = Callable[[dict[str, Any]], None]


class Index:
    """The index of one log. `open` it, then `update` to index what the log holds beyond it."""

    def __init__(self, log_path: Path, path: Path | None) -> None:
        self.log_path = log_path
        self.path = path  # None: kept in memory only (the folder is not writable)
        self.session: str | None = None
        self.indexed_bytes = 0
        self.last_digest = GENESIS
        self.at_end = False  # the last update reached the end of the complete lines
        self.rebuilt = True  # built from scratch (False: an index on disk was reused)
        self._buf = bytearray()
        self._words = memoryview(self._buf).cast("Q")
        self._times = memoryview(self._buf).cast("d")
        self._saved = 0  # records already in the file
        self._markers: list[int] | None = None
        self._head_checked = False
        self._key: LogKey | None = load_key(create=False)
        self._keyed: bool | None = None  # whether the log's lines carry 'mac'
        self.live = False
        """Set when a writer may still be at work (replay --follow): see `verify_log`."""

    @classmethod
    def open(cls, log_path: Path, *, persist: bool = True) -> Index:
        """The index of ``log_path``: the one on disk when still valid, else an empty one."""
        try:
            size = log_path.stat().st_size
        except FileNotFoundError as exc:
            raise LogError(f"{log_path}: no such log file") from exc
        except OSError as exc:
            raise LogError(f"{log_path}: cannot open: {exc.strerror}") from exc
        if log_path.is_dir():
            raise LogError(f"{log_path}: is a directory, not a log file")
        index = cls(log_path, index_path(log_path) if persist else None)
        if index.path is not None and index._load(size):
            index.rebuilt = False
        return index

    # -- reading -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._buf) // RECORD_SIZE

    def offset(self, i: int) -> int:
        return int(self._words[2 * i]) & _OFFSET_MASK

    def end(self, i: int) -> int:
        """Where event ``i``'s line ends (after its newline)."""
        return self.offset(i + 1) if i + 1 < len(self) else self.indexed_bytes

    def ts(self, i: int) -> float:
        return float(self._times[2 * i + 1])

    def kind(self, i: int) -> str | None:
        code = (int(self._words[2 * i]) >> 48) & 0xFF
        return KINDS[code - 1] if code else None

    def flags(self, i: int) -> Flag:
        return Flag(int(self._words[2 * i]) >> 56)

    def markers(self) -> Sequence[int]:
        """The indices of marker events, ascending (computed once, then kept up to date)."""
        if self._markers is None:
            flag_bytes = self._buf[7::RECORD_SIZE] if _BYTE_ORDER == 1 else self._buf[::RECORD_SIZE]
            self._markers = [m.start() for m in _NONZERO.finditer(flag_bytes)]
        return self._markers

    def next_marker(self, after: int) -> int | None:
        """The first marker with an index greater than ``after``."""
        marks = self.markers()
        at = bisect.bisect_right(marks, after)
        return marks[at] if at < len(marks) else None

    def prev_marker(self, before: int) -> int | None:
        """The last marker with an index smaller than ``before``."""
        marks = self.markers()
        at = bisect.bisect_left(marks, before)
        return marks[at - 1] if at > 0 else None

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return self.indexed_bytes

    # -- building ------------------------------------------------------------------

    @property
    def end_checked(self) -> bool:
        """Whether this open has checked the log's end (head, anchor, tail) yet: an index
        on disk that already covers the whole log still gets its end checked once."""
        return self._head_checked

    def update(self, limit: int | None = None, visit: Visitor | None = None) -> int:
        """Index up to ``limit`` more complete lines, verifying each; returns how many.

        ``visit`` sees each new event's parsed object (the player folds them into its
        state in the same pass). Raises `LogCorruptError` naming the first damaged line;
        the good lines before it stay indexed.
        """
        anchor = self._anchor()  # before the head, which its writer updates first
        head = _quiet_head(self.log_path)
        seq, prev, session = len(self), self.last_digest, self.session
        key, keyed = self._key, self._keyed
        offset = self.indexed_bytes
        new = bytearray()
        new_marks: list[int] = []
        pack, loads, codes, may_mark = _RECORD.pack, json.loads, CODES, MAY_MARK
        problem: LogCorruptError | None = None
        self.at_end = True
        with self._open_log() as f:
            f.seek(offset)
            for raw in f:
                if raw[-1:] != b"\n":
                    break  # still being written (or torn by a crash): not an event yet
                line = raw[:-1]
                obj = fast_parse(line, seq, prev, session)
                if obj is None:  # parse_line decides, and says what is wrong
                    slow = parse_line(line, seq, prev, session, loads)
                    if isinstance(slow, str):
                        problem = self._damage(f, slow, seq, line, head)
                        break
                    obj = slow
                signed = len(obj) == 11
                if keyed is None:
                    keyed = signed  # the first line says which kind of log this is
                elif signed is not keyed:
                    problem = LogCorruptError(
                        str(self.log_path), seq + 1, _unsigned(obj, keyed, seq)
                    )
                    break
                if signed and key is not None and not key.line_ok(line):
                    problem = LogCorruptError(
                        str(self.log_path), seq + 1, _unsigned(obj, keyed, seq)
                    )
                    break
                if session is None:
                    session = obj["session"]
                code = codes.get(obj["kind"], 0)
                flags = marker_flags(obj["kind"], obj["data"]) if code in may_mark else 0
                if flags:
                    new_marks.append(seq)
                new += pack(offset | code << 48 | flags << 56, ts_seconds(obj["ts"]))
                if visit is not None:
                    visit(obj)
                offset += len(raw)
                prev = digest(line)
                seq += 1
                if limit is not None and seq - len(self) >= limit:
                    self.at_end = offset >= os.fstat(f.fileno()).st_size
                    break
        added = seq - len(self)
        self._keyed = keyed
        self._grow(new, offset, prev, session, new_marks)
        if problem is not None:
            if problem.line == seq:  # the line before was changed: it is not an event
                self._drop_last()
            raise problem
        if self.at_end and (added or not self._head_checked):
            self._check_head(head)
            self._check_end(head, anchor)
            self._head_checked = True
        return added

    def _anchor(self) -> Anchor | None:
        """This user's anchor for the session (LogCorruptError when it was altered)."""
        if self._key is None or self.session is None:
            return None
        try:
            return read_anchor(self._key, self.session)
        except LogError as exc:
            raise LogCorruptError(str(self.log_path), len(self) + 1, str(exc)) from exc

    def _check_end(self, head: Head | None, anchor: Anchor | None) -> None:
        """What `cockpit audit` refuses at the end of a log: cut before this user's anchor,
        a keyed session come back unkeyed, a rolled-back head, bytes no writer wrote."""
        if anchor is None and self._key is not None and self.session is not None:
            anchor = self._anchor()  # the session was learnt in this pass
            head = _quiet_head(self.log_path)  # read after the anchor, as its writer orders
        last = len(self) - 1
        ended = next((i for i in range(last, -1, -1) if self.kind(i) == SessionEnded.kind), -1)
        if head is not None and head.seq < ended:
            head = _quiet_head(self.log_path)  # written right after the end: look again
        torn = None
        size = self.log_size()
        if size > self.indexed_bytes:
            with self._open_log() as f:
                f.seek(self.indexed_bytes)
                fragment = f.read(min(size - self.indexed_bytes, 4096))
            if b"\n" not in fragment:
                torn = TornTail(
                    last + 2, self.indexed_bytes, len(fragment), crash_like(fragment, last + 1)
                )
        if torn is not None and torn.crash_like:
            torn = None  # a line being written, or a crash's: resume cuts it
        check = ChainCheck(
            len(self), self.session, self.last_digest, self.indexed_bytes, None, torn,
            None, self._keyed, ended,
        )  # fmt: skip
        problem = end_problem(check, head, anchor, live=self.live)
        if problem is None and anchor is None:
            problem = replaced_problem(self._key, self.log_path, self.session)
        if problem is not None:
            raise LogCorruptError(str(self.log_path), problem.line, problem.reason)

    def _grow(
        self, new: bytearray, offset: int, prev: str, session: str | None, marks: list[int]
    ) -> None:
        if not new:
            return
        self._words.release()
        self._times.release()
        self._buf += new
        self._words = memoryview(self._buf).cast("Q")
        self._times = memoryview(self._buf).cast("d")
        self.indexed_bytes, self.last_digest, self.session = offset, prev, session
        if self._markers is not None:
            self._markers.extend(marks)
        self._save()

    def _drop_last(self) -> None:
        last = len(self) - 1
        start = self.offset(last)
        prev = GENESIS
        if last > 0:
            with self._open_log() as f:
                f.seek(self.offset(last - 1))
                prev = digest(f.read(start - self.offset(last - 1))[:-1])
        self._words.release()
        self._times.release()
        del self._buf[-RECORD_SIZE:]
        self._words = memoryview(self._buf).cast("Q")
        self._times = memoryview(self._buf).cast("d")
        self.indexed_bytes, self.last_digest = start, prev
        if self._markers and self._markers[-1] == last:
            self._markers.pop()
        self._saved = min(self._saved, len(self))
        if not len(self):
            self.session = None
        self._save()

    def _damage(
        self, f: Any, reason: str, seq: int, line: bytes, head: Head | None
    ) -> LogCorruptError:
        """The error for a bad line; a broken link blames the line before it when this one
        is still vouched for by the next line's ``prev`` (or the head file)."""
        if reason == CHAIN_BROKEN and seq > 0:
            line_digest = digest(line)
            vouched = False
            following = f.readline()
            if following.endswith(b"\n"):
                with contextlib.suppress(ValueError):
                    obj = json.loads(following)
                    vouched = isinstance(obj, dict) and obj.get("prev") == line_digest
            else:
                vouched = head is not None and head.seq == seq and head.digest == line_digest
            if vouched:
                return LogCorruptError(
                    str(self.log_path),
                    seq,
                    f"line {seq} was changed after it was written: its digest is not the "
                    f"'prev' recorded in line {seq + 1}",
                )
        return LogCorruptError(str(self.log_path), seq + 1, reason)

    def _check_head(self, head: Head | None) -> None:
        """The head file (read before the scan) must agree with the lines it names."""
        if head is None or head.seq < 0:
            return
        path, last = str(self.log_path), len(self) - 1
        if self.session is not None and head.session != self.session:
            raise LogCorruptError(
                path, 1, f"head file is for session {head.session}, log is {self.session}"
            )
        if head.seq > last:
            raise LogCorruptError(
                path,
                last + 2,
                f"log ends at seq {last} but the head file says seq {head.seq}: "
                f"{head.seq - last} event(s) were cut from the end",
            )
        with self._open_log() as f:
            f.seek(self.offset(head.seq))
            line = f.read(self.end(head.seq) - self.offset(head.seq))[:-1]
        if digest(line) != head.digest:
            raise LogCorruptError(
                path, head.seq + 1, f"head file digest differs for seq {head.seq}"
            )

    def _open_log(self) -> Any:
        try:
            return self.log_path.open("rb")
        except OSError as exc:
            raise LogError(f"{self.log_path}: cannot open: {exc.strerror}") from exc

    # -- the file beside the log ---------------------------------------------------

    def _header(self) -> bytes:
        fields = _HEADER.pack(
            MAGIC,
            VERSION,
            _BYTE_ORDER,
            0,
            RECORD_SIZE,
            len(self),
            self.indexed_bytes,
            bytes.fromhex(self.last_digest),
        )
        return (fields + _CRC.pack(zlib.crc32(fields))).ljust(HEADER_SIZE, b"\0")

    def _load(self, log_size: int) -> bool:
        """Adopt the index on disk if it is intact and still describes the log."""
        assert self.path is not None
        try:
            with self.path.open("rb") as f:
                fcntl.flock(f, fcntl.LOCK_SH)
                header = f.read(HEADER_SIZE)
                if len(header) < HEADER_SIZE:
                    return False
                fields = header[: _HEADER.size]
                (crc,) = _CRC.unpack_from(header, _HEADER.size)
                magic, version, order, _, size, count, covered, last = _HEADER.unpack(fields)
                if (magic, version, order, size) != (MAGIC, VERSION, _BYTE_ORDER, RECORD_SIZE):
                    return False
                if crc != zlib.crc32(fields) or covered > log_size:
                    return False
                if count == 0 and (covered, last.hex()) != (0, GENESIS):
                    return False
                records = f.read(count * RECORD_SIZE)
        except OSError:
            return False
        if len(records) != count * RECORD_SIZE:
            return False
        self._words.release()
        self._times.release()
        self._buf = bytearray(records)
        self._words = memoryview(self._buf).cast("Q")
        self._times = memoryview(self._buf).cast("d")
        self.indexed_bytes, self.last_digest, self._saved = covered, last.hex(), count
        if count and not self._still_describes_log():
            self._reset()
            return False
        self.session = self._first_session() if count else None
        return True

    def _first_session(self) -> str | None:
        """The session the log's first line names (an index on disk does not keep it, and
        the end checks look the anchor up by it)."""
        try:
            with self.log_path.open("rb") as f:
                value = json.loads(f.readline()).get("session")
        except (OSError, ValueError, AttributeError):
            return None
        return value if isinstance(value, str) else None

    def _still_describes_log(self) -> bool:
        last = len(self) - 1
        start = self.offset(last)
        try:
            with self.log_path.open("rb") as f:
                f.seek(start)
                raw = f.read(self.indexed_bytes - start)
                if not raw.endswith(b"\n") or digest(raw[:-1]) != self.last_digest:
                    return False
                self._keyed = len(raw) > 75 and raw[-75:-67] == b',"mac":"'
                if self._keyed and self._key is not None and not self._key.line_ok(raw[:-1]):
                    return False  # rebuilt from the start: the pass names the line
                f.seek(self.offset(0))
                first = json.loads(f.read(self.end(0) - self.offset(0)))
                self.session = str(first["session"])
        except (OSError, ValueError, KeyError, TypeError):
            return False
        return True

    def _reset(self) -> None:
        self._words.release()
        self._times.release()
        self._buf = bytearray()
        self._words = memoryview(self._buf).cast("Q")
        self._times = memoryview(self._buf).cast("d")
        self.indexed_bytes, self.last_digest, self.session, self._saved = 0, GENESIS, None, 0

    def _save(self) -> None:
        """Append the new records, then the header that counts them (a crash in between
        leaves an index whose header still describes what precedes it)."""
        if self.path is None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            self.path = None  # a read-only folder: keep the index in memory
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if self._saved == 0:
                os.ftruncate(fd, 0)
            start = self._saved * RECORD_SIZE
            os.pwrite(fd, bytes(self._buf[start:]), HEADER_SIZE + start)
            os.pwrite(fd, self._header(), 0)
            self._saved = len(self)
        except OSError:
            self.path = None
        finally:
            os.close(fd)

    def discard(self) -> None:
        """Remove the file beside the log (it no longer describes it)."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            self.path = None


def _unsigned(obj: dict[str, Any], keyed: bool | None, seq: int) -> str:
    """Why a line of a keyed log (or a keyed line) is not as this user's cockpit wrote it."""
    if len(obj) != 11:
        return "the line has no keyed digest ('mac') but the log is keyed: added"
    if keyed is False:
        return "the line is keyed but the lines before it are not: added"
    return (
        f"line {seq + 1} was changed, added or moved by someone without this user's log "
        "key: its keyed digest ('mac') does not verify"
    )


def _quiet_head(log_path: Path) -> Head | None:
    try:
        return read_head(head_path(log_path))
    except LogError:
        return None
