"""Random access to a log's events through its index, each line checked as it is read.

Reading events ``[a, b)`` reads their bytes in one piece, plus the line before ``a``, and
checks every line like the index build did (seq, schema, ``prev`` = digest of the line
before). So an event shown or folded during a replay has been verified against its
neighbour even when the index was reused without a full pass. Pages are cached in blocks
(toolong's approach to long logs: parse only what is looked at, keep what was parsed).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import IO, Any

from cockpit.errors import LogCorruptError, LogError
from cockpit.replay.index import Index
from cockpit.replay.lines import fast_parse
from cockpit.session.chain import check_chain, head_path, parse_line, read_head
from cockpit.session.events import GENESIS, Event, digest


class EventReader:
    """Events by position (0-based, as ``seq``). Positions must be below ``len(index)``."""

    BLOCK = 256

    def __init__(self, index: Index, *, cache_blocks: int = 64) -> None:
        self.index = index
        self._cache: OrderedDict[int, list[Event]] = OrderedDict()
        self._cache_blocks = cache_blocks
        self._file: IO[bytes] | None = None

    def objects(self, a: int, b: int) -> list[dict[str, Any]]:
        """The parsed, verified lines of events ``[a, b)`` (not cached)."""
        if not 0 <= a <= b <= len(self.index):
            raise IndexError(f"events {a}..{b} are outside 0..{len(self.index)}")
        if a == b:
            return []
        index = self.index
        start = a - 1 if a > 0 else 0
        f = self._open()
        f.seek(index.offset(start))
        data = f.read(index.end(b - 1) - index.offset(start))
        lines = data.split(b"\n")
        if len(lines) != b - start + 1 or lines[-1]:
            raise self._stale(a + 1, "its lines are not where the index says")
        if a > 0:
            prev = digest(lines[0])
            del lines[0]
        else:
            prev = GENESIS
        del lines[-1]
        out: list[dict[str, Any]] = []
        session, loads = index.session, json.loads
        for seq, line in enumerate(lines, a):
            obj = fast_parse(line, seq, prev, session)
            if obj is None:  # parse_line decides, and says what is wrong
                slow = parse_line(line, seq, prev, session, loads)
                if isinstance(slow, str):
                    raise self._stale(seq + 1, slow)
                obj = slow
            out.append(obj)
            prev = digest(line)
        return out

    def read(self, a: int, b: int) -> list[Event]:
        """Events ``[a, b)``, read and verified now (not cached)."""
        return [Event.from_obj(obj) for obj in self.objects(a, b)]

    def events(self, a: int, b: int) -> list[Event]:
        """Events ``[a, b)`` through the block cache."""
        a, b = max(0, a), min(b, len(self.index))
        if a >= b:
            return []
        size = self.BLOCK
        out: list[Event] = []
        for block in range(a // size, (b - 1) // size + 1):
            events = self._block(block)
            lo = max(a - block * size, 0)
            out.extend(events[lo : b - block * size])
        return out

    def event(self, i: int) -> Event:
        if not 0 <= i < len(self.index):
            raise IndexError(f"event {i} is outside 0..{len(self.index) - 1}")
        return self._block(i // self.BLOCK)[i % self.BLOCK]

    def _block(self, block: int) -> list[Event]:
        cached = self._cache.get(block)
        if cached is not None:
            self._cache.move_to_end(block)
            return cached
        start = block * self.BLOCK
        stop = min(start + self.BLOCK, len(self.index))
        events = self.read(start, stop)
        if stop - start == self.BLOCK:  # a partial block may still grow (follow mode)
            self._cache[block] = events
            if len(self._cache) > self._cache_blocks:
                self._cache.popitem(last=False)
        return events

    def _open(self) -> IO[bytes]:
        if self._file is None:
            try:
                self._file = self.index.log_path.open("rb")
            except OSError as exc:
                raise LogError(f"{self.index.log_path}: cannot open: {exc.strerror}") from exc
        return self._file

    def _stale(self, line: int, reason: str) -> LogError:
        """A line that is not what the index recorded: the log was changed after indexing.

        The index is dropped (the next open rebuilds it) and the whole chain is checked once
        to name the damaged line; when the chain is intact the log was replaced as a whole.
        """
        self.index.discard()
        self._cache.clear()
        path = self.index.log_path
        try:
            head = read_head(head_path(path))
        except LogError:
            head = None
        check = check_chain(path, head=head)
        if check.problem is not None:
            return LogCorruptError(str(path), check.problem.line, check.problem.reason)
        return LogError(
            f"{path}:{line}: not the line the replay index recorded ({reason}): the log "
            "was replaced after it was indexed; open it again"
        )

    def forget(self) -> None:
        """Drop cached pages (after the log was found changed)."""
        self._cache.clear()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
