"""The replay transport, with no Textual in it: what the replay screen (and ``--headless``) drive.

Positions count events shown: ``position`` is how many events have been played, so the
current (last shown) event is ``position - 1`` and ``state_at(position)`` is what the screen
shows. Every method is thread-safe (one lock); `warm` is meant for a worker thread.

API::

    player = Player.open(log_path, speed=1.0, idle_cap=2.0, follow=False)
    player.total -> int              # events indexed so far (grows while indexing/following)
    player.position -> int           # events shown
    player.playing / speed / idle_cap / follow
    player.indexed_fraction -> float # how much of the log is indexed (progress display)

    # transport (the screen binds keys to these)
    player.toggle() -> bool          # space: play/pause; returns playing
    player.faster() / slower() -> float   # + / -: along SPEEDS (x0.25 .. x16)
    player.tick(now) -> list[Event]  # call on a timer with a monotonic clock: the events due
                                     # since the last tick, given speed and idle cap
    player.next_due(now) -> float | None  # seconds until the next event is due (timer hint)
    player.step(+1 | -1) -> Move     # . and , (pauses)
    player.jump_marker(+1 | -1) -> Move   # ] and [: next/previous approval, denial or error
    player.seek_fraction(0.0..1.0) -> Move  # 0-9 -> 0 %..90 %
    player.start() / end() / seek(i) -> Move
    player.take(n) -> list[Event]    # the next n events at once (headless, no pacing)

    # data
    player.event(i) -> Event
    player.events_between(a, b) -> list[Event]   # [a, b), cached pages
    player.state_at(i) -> SessionState           # after events [0, i): read it, never
                                                 # change a call in it (calls are shared)
    player.builder_at(i) -> StateBuilder         # the same state, to `apply` the events
                                                 # that follow (copies a call before
                                                 # changing it): what the panes keep
    player.state_ready(i) -> bool                # state_at(i) answers at once (see warm)
    player.details(i) -> Details                 # command, reasons, output, artifact text
    player.markers() -> list[tuple[int, Flag]]   # for a timeline
    player.ts(i) -> float                        # seconds since the epoch

    # background and lifetime
    player.warm(max_events=4096) -> bool   # index the rest / build checkpoints; True when done
    player.refresh() -> int                # pick up events written since (follow mode)
    player.close()

A `Move` says how to redraw: with ``reset`` False its ``events`` are the events newly shown
(feed them to the panes as a live session would); with ``reset`` True redraw from
``state_at(position)`` and the events before ``position``.

Opening reuses the index beside the log and indexes only a first page, so the first screen
never waits for a full pass. Run `warm` in a worker thread until it returns True: it indexes
the rest of a new log, verifies every line of a reused index, and makes the checkpoints that
keep `state_at` fast (~50 ms on a 1M-event log). Until it is done, a seek far ahead indexes
up to its target first and `state_at` there folds up to it (seconds on 1M events;
`state_ready` tells). Objects `warm` builds are long-lived and moved out of the cycle
collector's sight (`gc.freeze`); `close` lets them go. `LogCorruptError` from any call
(`warm` included) names the first damaged line; nothing at or after it is shown.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit.errors import LogCorruptError
from cockpit.replay.details import Details, build_details
from cockpit.replay.index import Index
from cockpit.replay.lines import Flag
from cockpit.replay.reader import EventReader
from cockpit.replay.states import StateCache, paused_gc
from cockpit.session.events import Event
from cockpit.session.state import SessionState, StateBuilder

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
DEFAULT_IDLE_CAP = 2.0
"""Seconds: longer gaps between events are shortened to this at playback (the log keeps
the real times)."""
POLL = 0.25
"""Seconds between looks at a followed log that has nothing new."""
STEP_LIMIT = 256
"""A forward move of more events than this is a reset (redraw), not a list of events."""


@dataclass(frozen=True)
class Move:
    position: int
    events: list[Event]
    reset: bool


class Player:
    """Plays a log back through its `Index`. Use `open`."""

    def __init__(
        self,
        index: Index,
        log_path: Path | None = None,
        *,
        speed: float = 1.0,
        idle_cap: float | None = DEFAULT_IDLE_CAP,
        follow: bool = False,
        checkpoint_every: int = 1024,
    ) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be positive, not {speed!r}")
        self.index = index
        self.log_path = log_path or index.log_path
        self.reader = EventReader(index)
        self.states = StateCache(self.reader, every=checkpoint_every)
        self.position = 0
        self.playing = False
        self.speed = speed
        self.idle_cap = idle_cap
        self.follow = follow  # kept on the index: a live log's end is judged as live
        self._lock = threading.RLock()
        self._last_now: float | None = None
        self._budget = 0.0  # playback seconds (after speed) owed to the next event
        self._live_until = 0  # events that arrived while waiting at the live end

    @classmethod
    def open(cls, log_path: Path, *, first_page: int = 512, **options: Any) -> Player:
        """Open ``log_path`` (reusing or starting its index) with a first page indexed."""
        player = cls(Index.open(log_path), log_path, **options)
        player._index_more(first_page)
        return player

    # -- state of the transport ----------------------------------------------------

    @property
    def follow(self) -> bool:
        return self.index.live

    @follow.setter
    def follow(self, value: bool) -> None:
        self.index.live = value

    @property
    def total(self) -> int:
        return len(self.index)

    @property
    def indexed_fraction(self) -> float:
        size = self.index.log_size()
        return 1.0 if size <= 0 else min(1.0, self.index.indexed_bytes / size)

    def play(self) -> None:
        with self._lock:
            self.playing, self._last_now = True, None

    def pause(self) -> None:
        with self._lock:
            self.playing, self._last_now = False, None

    def toggle(self) -> bool:
        if self.playing:
            self.pause()
        else:
            self.play()
        return self.playing

    def faster(self) -> float:
        with self._lock:
            self.speed = next((s for s in SPEEDS if s > self.speed), SPEEDS[-1])
            return self.speed

    def slower(self) -> float:
        with self._lock:
            self.speed = next((s for s in reversed(SPEEDS) if s < self.speed), SPEEDS[0])
            return self.speed

    # -- playing -------------------------------------------------------------------

    def tick(self, now: float, *, limit: int = 1000) -> list[Event]:
        """The events due since the last tick (at most ``limit``; the rest stay due)."""
        with self._lock:
            if not self.playing:
                return []
            if self._last_now is not None:
                self._budget += max(0.0, now - self._last_now) * self.speed
            self._last_now = now
            due: list[Event] = []
            while len(due) < limit:
                if self.position >= self.total and not self._more_at_end():
                    break
                gap = 0.0 if self.position < self._live_until else self._gap(self.position)
                if self._budget < gap:
                    break
                self._budget -= gap
                due.append(self.reader.event(self.position))
                self.position += 1
            return due

    def next_due(self, now: float) -> float | None:
        """Seconds from ``now`` until `tick` has something; None when nothing will come."""
        with self._lock:
            if not self.playing:
                return None
            if self.position >= self.total:
                return POLL if self.follow or not self.index.at_end else None
            if self.position < self._live_until:
                return 0.0
            owed = self._gap(self.position) - self._budget
            since = 0.0 if self._last_now is None else max(0.0, now - self._last_now)
            return max(0.0, owed / self.speed - since) if self.speed > 0 else 0.0

    def _gap(self, i: int) -> float:
        """Playback seconds between event ``i - 1`` and event ``i``, idle cap applied."""
        if i == 0:
            return 0.0
        gap = max(0.0, self.index.ts(i) - self.index.ts(i - 1))
        return gap if self.idle_cap is None else min(gap, self.idle_cap)

    def _more_at_end(self) -> bool:
        """At the end: index more if there is more; else stop, or wait when following."""
        live_edge = self.index.at_end  # everything written had been indexed: we waited
        if self._index_more(4096):
            if live_edge and self.follow:
                self._live_until = self.total  # written while we waited: show it now
            return True
        if not self.follow:
            self.playing, self._budget, self._last_now = False, 0.0, None
        else:
            self._budget = 0.0
        return False

    def _index_more(self, limit: int | None, *, fold: bool = False) -> int:
        """Index more of the log; with ``fold`` (the background pass) the state frontier
        folds the new events in the same pass when it has caught up with the index."""
        if self.index.log_size() <= self.index.indexed_bytes and self.index.end_checked:
            self.index.at_end = True
            return 0
        caught_up = fold and self.states.frontier == len(self.index)
        return self.index.update(limit, self.states.visit if caught_up else None)

    # -- moving --------------------------------------------------------------------

    def seek(self, i: int) -> Move:
        """Show events ``[0, i)``."""
        with self._lock:
            if i > self.total:
                self._index_to(i)
            i = max(0, min(i, self.total))
            old, self.position = self.position, i
            self._budget, self._live_until, self._last_now = 0.0, 0, None
            if old <= i <= old + STEP_LIMIT:
                return Move(i, self.reader.events(old, i), reset=False)
            return Move(i, [], reset=True)

    def take(self, n: int) -> list[Event]:
        """The next ``n`` events at most, shown at once (no pacing): indexes more as needed."""
        with self._lock:
            if self.position + n > self.total:
                try:
                    self._index_more(max(n, 4096))
                except LogCorruptError:
                    if self.position >= self.total:
                        raise
                    # show what comes before the damage first; the next call reports it
            events = self.reader.events(self.position, self.position + n)
            self.position += len(events)
            self._budget, self._live_until, self._last_now = 0.0, 0, None
            return events

    def step(self, delta: int = 1) -> Move:
        """One event forward (``.``) or back (``,``); stepping pauses."""
        with self._lock:
            self.pause()
            return self.seek(self.position + delta)

    def jump_marker(self, direction: int = 1) -> Move:
        """To the next (``]``) or previous (``[``) approval, denial or error, shown as the
        current event. Stays put when there is none."""
        with self._lock:
            current = self.position - 1
            if direction < 0:
                target = self.index.prev_marker(current)
            else:
                target = self.index.next_marker(current)
                while target is None and self._index_more(65536):
                    target = self.index.next_marker(current)
            if target is None:
                return Move(self.position, [], reset=False)
            return self.seek(target + 1)

    def seek_fraction(self, fraction: float) -> Move:
        """To ``fraction`` of the log (of its estimated length while still indexing)."""
        with self._lock:
            fraction = max(0.0, min(1.0, fraction))
            total = self.total
            if not self.index.at_end and self.index.indexed_bytes:
                total = int(total * self.index.log_size() / self.index.indexed_bytes)
            return self.seek(int(fraction * total))

    def start(self) -> Move:
        return self.seek(0)

    def end(self) -> Move:
        with self._lock:
            self._index_to(None)
            return self.seek(self.total)

    def _index_to(self, i: int | None) -> None:
        while (i is None or self.total < i) and self._index_more(65536):
            pass

    # -- data ------------------------------------------------------------------------

    def event(self, i: int) -> Event:
        with self._lock:
            return self.reader.event(i)

    def events_between(self, a: int, b: int) -> list[Event]:
        with self._lock:
            return self.reader.events(a, b)

    def builder_at(self, i: int) -> StateBuilder:
        with self._lock:
            return self.states.builder_at(max(0, min(i, self.total)))

    def state_at(self, i: int) -> SessionState:
        with self._lock:
            return self.states.state_at(max(0, min(i, self.total)))

    def state_ready(self, i: int) -> bool:
        """Whether `state_at(i)` answers at once. False only before `warm` has reached
        ``i`` on a reused index: then it folds from the last checkpoint first (seconds on a
        1M-event log), so a screen may draw the events page first and the state after."""
        with self._lock:
            return self.states.ready(max(0, min(i, self.total)))

    def details(self, i: int) -> Details:
        with self._lock:
            return build_details(self, i)

    def markers(self) -> list[tuple[int, Flag]]:
        with self._lock:
            return [(i, self.index.flags(i)) for i in self.index.markers()]

    def ts(self, i: int) -> float:
        with self._lock:
            return self.index.ts(i)

    # -- background and lifetime ---------------------------------------------------

    def warm(self, max_events: int = 4096) -> bool:
        """A slice of background work: fold the state ahead (which reads, so verifies, every
        line of a reused index), then index the rest of the log. True when nothing is left."""
        with self._lock, paused_gc(keep=True):
            if self.states.frontier < self.total:
                self.states.advance(min(self.total, self.states.frontier + max_events))
                return False
            return self._index_more(max_events, fold=True) == 0

    def refresh(self) -> int:
        """Index what was written since (follow mode); returns how many events."""
        with self._lock:
            added = 0
            while n := self._index_more(65536):
                added += n
            return added

    def close(self) -> None:
        with self._lock:
            self.reader.close()
            self.states.close()

    def __enter__(self) -> Player:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
