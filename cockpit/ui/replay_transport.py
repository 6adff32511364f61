"""The replay's transport thread: every player call runs on it, in order, off the event loop.

Keys become commands (`Transport.play_pause`, `step`, `seek_fraction`, ...); what they
produce (a redraw, events played, an event's details, a notice) is handed to ``deliver`` as
a report, which the app posts to itself as a message: all drawing stays on the event loop.
Between commands the thread plays (ticks the player when its next event is due) and warms
the player (indexes the rest of the log, folds checkpoints) one short slice at a time, so a
key waits at most one slice. Only this thread touches the player.

Played events wait for the screen: the next tick happens once the screen has drawn the
last batch (`drawn`), so a fast replay coalesces into bigger batches instead of queueing
messages faster than they are drawn. Seeks pressed in a burst redraw once, for the last.
"""

from __future__ import annotations

import bisect
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cockpit.errors import LogError
from cockpit.replay.details import Details
from cockpit.replay.player import Move, Player
from cockpit.session.events import Event
from cockpit.session.kinds import PlanChanged
from cockpit.session.state import StateBuilder
from cockpit.ui.worktree_view import KINDS as PLACE_KINDS
from cockpit.ui.worktree_view import WorktreeFold

TICK_S = 0.05
"""The shortest time between two ticks: events due meanwhile are drawn as one batch."""
WARM_SLICE = 1024
"""Events indexed or folded by the background pass between two looks at the queue."""
TIMELINE_CELLS = 240
"""Resolution of the marker timeline (the screen folds it to its width)."""
TIMELINE_EVERY_S = 1.0
"""How often the timeline is recomputed while the log grows."""
FRAME_EVERY_S = 0.25
"""How often progress alone (indexing) is reported."""


@dataclass(frozen=True)
class Frame:
    """What the status line shows, as the transport sees it."""

    position: int
    total: int  # events indexed so far
    span: int  # the session's length as far as known (estimated while indexing)
    indexed: float  # fraction of the log indexed
    current_ts: float | None  # seconds since the epoch of the current event
    start_ts: float | None
    speed: float
    idle_cap: float | None
    playing: bool
    follow: bool
    loading: bool = False  # the state at the position is being folded (a far seek)


@dataclass(frozen=True)
class Timeline:
    """Where the markers are: OR-ed marker flags in each of ``len(marks)`` equal cells."""

    span: int
    marks: tuple[int, ...]


@dataclass(frozen=True)
class Redraw:
    """Draw everything again: the state after ``[0, start)``, then ``tail`` (``[start,
    position)``) through the panes."""

    frame: Frame
    builder: StateBuilder
    start: int
    tail: list[Event]
    first: Event | None  # the session's first event (session.started names the agents)
    plan_change: Event | None  # the last plan.changed before the position
    worktrees: WorktreeFold | None = None  # where agents work, the radar: before ``start``
    provisional: bool = False  # the tail alone, drawn while the state is being read (the
    # state, the plan change and the headers come with the next redraw)


@dataclass(frozen=True)
class Played:
    """Events newly shown, in order (fed to the panes as a live session would)."""

    frame: Frame
    events: list[Event]


@dataclass(frozen=True)
class Shown:
    details: Details


@dataclass(frozen=True)
class Notice:
    message: str
    error: bool = False


Report = Frame | Timeline | Redraw | Played | Shown | Notice
Command = Callable[[Player], Move | None]


@dataclass
class _Job:
    run: Command
    details: bool = False


_STOP = _Job(lambda _: None)
_DRAWN = _Job(lambda _: None)


@dataclass
class _Scan:
    """What the transport has read from the index so far (it grows with the log)."""

    plan_changes: list[int] = field(default_factory=list)
    places: list[int] = field(default_factory=list)
    """Where the events the worktree fold reads are (`worktree_view.KINDS`)."""
    kinds_read: int = 0
    marks: list[tuple[int, int]] = field(default_factory=list)


class Transport:
    """Runs a `Player` on one thread for the screen. Call `run` on a worker thread."""

    def __init__(
        self,
        player: Player,
        deliver: Callable[[Report], object],
        *,
        tail: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.player = player
        self.tail = tail
        self.failure: str | None = None
        self._deliver = deliver
        self._clock = clock
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._stopped = threading.Event()
        self._owed = False  # a redraw skipped because another command was waiting
        self._provisional = -1  # the position whose tail was drawn before its state
        self._in_flight = 0  # batches of played events the screen has not drawn yet
        self._due_at = 0.0
        self._warmed = False
        self._warmed_total = -1
        self._first: Event | None = None
        self._scan = _Scan()
        self._frame: Frame | None = None
        self._frame_at = 0.0
        self._timeline: Timeline | None = None
        self._timeline_seen = (-1, -1)
        self._timeline_at = -math.inf

    # -- commands (any thread) ---------------------------------------------------------

    def send(self, command: Command) -> None:
        self._queue.put(_Job(command))

    def play_pause(self) -> None:
        self.send(_toggle)

    def faster(self) -> None:
        self.send(_faster)

    def slower(self) -> None:
        self.send(_slower)

    def step(self, delta: int) -> None:
        self.send(lambda p: p.step(delta))

    def jump(self, direction: int) -> None:
        self.send(lambda p: p.jump_marker(direction))

    def seek_fraction(self, fraction: float) -> None:
        self.send(lambda p: p.seek_fraction(fraction))

    def start(self) -> None:
        self.send(lambda p: p.start())

    def end(self) -> None:
        self.send(lambda p: p.end())

    def toggle_follow(self) -> None:
        self.send(_follow)

    def redraw(self) -> None:
        self.send(lambda p: Move(p.position, [], reset=True))

    def details(self) -> None:
        self._queue.put(_Job(lambda _: None, details=True))

    def drawn(self) -> None:
        """The screen drew the last `Played`: the next tick may come."""
        self._queue.put(_DRAWN)

    def stop(self) -> None:
        self._queue.put(_STOP)

    # -- the thread ------------------------------------------------------------------

    def run(self) -> None:
        """Serve commands, play and warm until `stop`."""
        try:
            self._serve()
        finally:
            self._stopped.set()

    def wait_stopped(self, timeout: float | None = None) -> bool:
        """Wait until `run` has returned (after `stop`): the player is free to close."""
        return self._stopped.wait(timeout)

    def _serve(self) -> None:
        while True:
            job = self._next()
            if job is _STOP:
                return
            try:
                if job is _DRAWN:
                    self._in_flight = max(0, self._in_flight - 1)
                elif job is not None:
                    self._do(job)
                if self._queue.empty():
                    self._idle()
            except LogError as exc:
                self._fail(str(exc))

    def _next(self) -> _Job | None:
        try:
            wait = self._wait()
            if wait == 0:
                return self._queue.get_nowait()
            return self._queue.get(timeout=wait)
        except queue.Empty:
            return None

    def _wait(self) -> float | None:
        """How long nothing needs doing (None: until a command comes)."""
        if self._owed:
            return 0
        if self._background_left():
            return 0
        if self.player.playing and not self._in_flight and self._due_at < math.inf:
            return max(0.0, self._due_at - self._clock())
        if self._in_flight or self.player.playing:
            return None
        return FRAME_EVERY_S if self.player.follow else None

    def _idle(self) -> None:
        """Nothing queued: redraw if owed, play what is due, else a slice of background
        work (where the plan changes are, then the player's warm pass)."""
        if self._owed:
            self._redraw()
        elif self.player.playing and not self._in_flight and self._clock() >= self._due_at:
            self._tick()
        elif self.failure is None and self._scan.kinds_read < self.player.total:
            # first, as it is quick (0.2 s per million events): then no seek waits for it
            self._read_kinds(self._scan.kinds_read + 16 * WARM_SLICE)
        elif self.failure is None and self._marks_behind():
            self._read_marks(4 * WARM_SLICE)
            self._publish()
        elif self.failure is None and not self._warmed:
            self._warmed = self.player.warm(WARM_SLICE)
            self._warmed_total = self.player.total
            self._publish()
        elif self._warmed and self.player.total != self._warmed_total:
            self._warmed = False  # followed events arrived: fold them ahead too
        else:
            if self.player.follow and not self.player.playing:
                self.player.refresh()  # paused while following: keep the count current
            self._publish()

    def _background_left(self) -> bool:
        if self.failure is not None:
            return False
        return self._scan.kinds_read < self.player.total or self._marks_behind() or not self._warmed

    def _do(self, job: _Job) -> None:
        player = self.player
        if job.details:
            if player.position == 0:
                self._deliver(Notice("No event is shown yet: play or step first."))
            else:
                self._deliver(Shown(player.details(player.position - 1)))
            return
        was_playing = player.playing
        move = job.run(player)
        if player.playing and not was_playing:
            self._due_at = self._clock()
        if move is None:
            self._publish(force=True)
        elif move.reset or self._owed:
            self._owed = True
            if self._queue.empty():
                self._redraw()
        else:
            self._deliver(Played(self._make_frame(), move.events))
            self._in_flight += 1

    def _tick(self) -> None:
        player = self.player
        now = self._clock()
        events = player.tick(now)
        wait = player.next_due(self._clock())
        self._due_at = math.inf if wait is None else now + max(TICK_S, wait)
        if events:
            self._deliver(Played(self._make_frame(), events))
            self._in_flight += 1
        else:
            self._publish()

    def _redraw(self) -> None:
        """The state before the tail, and the tail. Far ahead of the background pass the
        state needs a long fold (seconds on a 1M-event log): the tail is drawn first, and
        the fold goes in slices, left owed when a key comes meanwhile (a seek elsewhere
        would not need it)."""
        player = self.player
        position = player.position
        start = max(0, position - self.tail)
        first = self._first_event()
        if not player.state_ready(start):
            if self._provisional != position:
                self._provisional = position
                tail = player.events_between(start, position)
                frame = self._make_frame(loading=True)
                self._deliver(
                    Redraw(frame, StateBuilder(), start, tail, first, None, provisional=True)
                )
            while not player.state_ready(start):
                if not self._queue.empty():
                    return  # still owed
                if player.warm(WARM_SLICE):
                    break
        self._owed = False
        self._provisional = -1
        builder = player.builder_at(start)
        tail = player.events_between(start, position)
        change = self._plan_change(position)
        places = self._worktrees(start)
        self._deliver(Redraw(self._make_frame(), builder, start, tail, first, change, places))
        self._publish(force=True)

    def _fail(self, message: str) -> None:
        self.failure = message
        self.player.pause()
        self._owed = False
        self._deliver(Notice(message, error=True))

    # -- what the screen is told -------------------------------------------------------

    def _make_frame(self, *, loading: bool = False) -> Frame:
        player = self.player
        total, position = player.total, player.position
        indexed = player.indexed_fraction
        span = total if indexed >= 1 else max(total, int(total / max(indexed, 1e-6)))
        return Frame(
            position=position,
            total=total,
            span=span,
            indexed=indexed,
            current_ts=player.ts(position - 1) if position > 0 else None,
            start_ts=player.ts(0) if total else None,
            speed=player.speed,
            idle_cap=player.idle_cap,
            playing=player.playing,
            follow=player.follow,
            loading=loading,
        )

    def _publish(self, *, force: bool = False, loading: bool = False) -> None:
        """Report the frame (and the timeline) when they changed; progress alone at most
        every `FRAME_EVERY_S`."""
        now = self._clock()
        frame, last = self._make_frame(loading=loading), self._frame
        moved = last is None or _transport_of(frame) != _transport_of(last)
        if frame != last and (force or moved or now - self._frame_at >= FRAME_EVERY_S):
            self._frame, self._frame_at = frame, now
            self._deliver(frame)
        seen = (frame.span, len(self._scan.marks))
        before = self._timeline_seen
        # at once when the markers are all read for a log of the same length; at most
        # every TIMELINE_EVERY_S while the log grows or they are still being read
        settled = seen[0] == before[0] and not self._marks_behind()
        if seen != before and (settled or now - self._timeline_at >= TIMELINE_EVERY_S):
            self._timeline_at, self._timeline_seen = now, seen
            timeline = self._make_timeline(frame.span)
            if timeline != self._timeline:
                self._timeline = timeline
                self._deliver(timeline)

    def _make_timeline(self, span: int) -> Timeline:
        """Marker flags per cell, from the markers read so far."""
        cells = [0] * TIMELINE_CELLS
        if span > 0:
            for i, flag in self._scan.marks:
                cells[min(TIMELINE_CELLS - 1, i * TIMELINE_CELLS // span)] |= flag
        return Timeline(span, tuple(cells))

    def _marks_behind(self) -> bool:
        return len(self._scan.marks) < len(self.player.index.markers())

    def _read_marks(self, count: int) -> None:
        """Read the flags of ``count`` more markers (about 5 µs each; a 1M-event log has
        some 70,000, so this is background work). The index is only touched from this
        thread, so no lock is needed."""
        index, marks = self.player.index, self._scan.marks
        found = index.markers()
        marks.extend((i, int(index.flags(i))) for i in found[len(marks) : len(marks) + count])

    def _first_event(self) -> Event | None:
        if self._first is None and self.player.total:
            self._first = self.player.event(0)
        return self._first

    def _plan_change(self, position: int) -> Event | None:
        """The last plan.changed event before ``position``."""
        self._read_kinds(position)
        changes = self._scan.plan_changes
        at = bisect.bisect_left(changes, position)
        return self.player.event(changes[at - 1]) if at else None

    def _worktrees(self, start: int) -> WorktreeFold:
        """Where agents work and what overlaps, from the events before ``start`` (the
        few that say so, found in the index; the tail is folded by the screen)."""
        self._read_kinds(start)
        fold = WorktreeFold()
        places = self._scan.places
        for i in places[: bisect.bisect_left(places, start)]:
            fold.take(self.player.event(i))
        return fold

    def _read_kinds(self, to: int) -> None:
        """Note where plan.changed events and those of the worktree fold are, from the
        index, up to event ``to`` (read once; about 0.2 s per million events, mostly
        during the background pass)."""
        scan, index = self._scan, self.player.index
        stop = min(to, self.player.total)
        kind = index.kind
        for i in range(scan.kinds_read, stop):
            found = kind(i)
            if found == PlanChanged.kind:
                scan.plan_changes.append(i)
            elif found in PLACE_KINDS:
                scan.places.append(i)
        scan.kinds_read = max(scan.kinds_read, stop)


def _transport_of(frame: Frame) -> tuple[object, ...]:
    """What a frame says about the transport (as opposed to indexing progress)."""
    return frame.position, frame.playing, frame.follow, frame.speed, frame.loading


def _toggle(player: Player) -> None:
    player.toggle()


def _faster(player: Player) -> None:
    player.faster()


def _slower(player: Player) -> None:
    player.slower()


def _follow(player: Player) -> Move | None:
    """Follow on: to the live end, playing what is written from then on. Off: play on to
    the end of what is there."""
    if player.follow:
        player.follow = False
        return None
    player.follow = True
    move = player.end()
    player.play()
    return move
