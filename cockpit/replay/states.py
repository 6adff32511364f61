"""The session state at any point of a replay: a checkpoint plus a short fold.

``builder_at(i)`` holds the state after events ``[0, i)``: the checkpoint at or below ``i``,
restored, then at most ``every`` events folded with the real `StateBuilder`. Checkpoints
come from one forward fold (the frontier), made lazily as far as a seek needs, or ahead of
time by `StateCache.advance` from a background worker.

A deepcopy per checkpoint would cost the whole state each time (a 1M-event session holds
~10^5 calls and every message of every conversation), so checkpoints share what does not
change instead:

- calls: a `ReplayBuilder` copies a call before it first changes it (copy on write), so no
  checkpoint ever sees a later change. A full checkpoint keeps a copy of the calls dict;
  the checkpoints between two full ones keep only the calls changed since the one before
  (a delta), and a restore applies at most ``full_every`` deltas to a copy of the full
  dict (copying a dict is ~7x cheaper than building one of 10^5 entries).
- conversations are append-only: a checkpoint keeps each list and its length.
- agents (a handful) are copied; every other container of the state is copied shallowly,
  since `StateBuilder` replaces their items and never changes them in place.
"""

from __future__ import annotations

import copy
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from itertools import islice
from typing import Any

from cockpit.replay.reader import EventReader
from cockpit.session.events import Event
from cockpit.session.state import AgentState, CallState, SessionState, StateBuilder


@contextmanager
def paused_gc(*, keep: bool = False) -> Iterator[None]:
    """No cycle collection while folding: the collector would walk the whole (large) state
    again and again as a fold allocates (~30 % of a full pass), and what a fold leaves behind
    is freed by reference counting anyway.

    ``keep``: what was allocated is long-lived (the frontier and its checkpoints, millions
    of objects for a 1M-event log), so it is moved out of the collector's sight for good
    (`gc.freeze`); otherwise the first collections after it would walk all of it, seconds
    each. Process-wide, like the collector itself; `StateCache.close` lets go of it all.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
        if collecting:
            gc.enable()


class ReplayBuilder(StateBuilder):
    """A `StateBuilder` over a state that shares calls with checkpoints: each call is
    copied before this builder first changes it. Apply events to it freely."""

    def __init__(self, state: SessionState | None = None) -> None:
        super().__init__()
        if state is not None:
            self.state = state
        self._owned: set[str] = set()

    def apply(self, event: Event) -> None:
        call = event.call
        if call is not None and call not in self._owned:
            calls = self.state.calls
            shared = calls.get(call)
            if shared is not None:
                calls[call] = copy.copy(shared)
            self._owned.add(call)
        super().apply(event)

    def detach(self) -> SessionState:
        """The state; this builder is done with. A builder refers to itself (through its
        handlers), so without this its state would live until the cycle collector ran:
        after a seek, that is a large state kept for no one."""
        state = self.state
        vars(self).clear()
        return state

    @property
    def owned(self) -> set[str]:
        """The calls this builder created or copied since it was made or last disowned."""
        return self._owned

    def disown(self) -> None:
        """Every call object is now shared (a checkpoint was just taken)."""
        self._owned = set()


def _copy_containers(obj: Any, skip: frozenset[str]) -> None:
    """Give ``obj`` its own copy of every dict, list, set or Counter field not in ``skip``."""
    for f in fields(obj):
        if f.name not in skip:
            value = getattr(obj, f.name)
            if isinstance(value, dict | list | set):
                setattr(obj, f.name, value.copy())


_STATE_SHARED = frozenset({"agents", "calls"})
_AGENT_SHARED = frozenset({"messages"})


@dataclass(frozen=True)
class Checkpoint:
    """The state after ``count`` events. Its calls are all of them (a full checkpoint:
    ``previous`` is None) or those changed since ``previous`` (a delta), new ones last in
    first-seen order, so updating the previous calls with them keeps the fold's order."""

    count: int
    state: SessionState  # without agents and calls; never handed out
    agents: tuple[tuple[str, AgentState, list[dict[str, Any]], int], ...]
    calls: dict[str, CallState]
    previous: Checkpoint | None


class StateCache:
    """Checkpoints every ``every`` events (a full one every ``full_every``-th, deltas
    between), made by one forward fold over the log."""

    def __init__(self, reader: EventReader, *, every: int = 1024, full_every: int = 64) -> None:
        if every < 1 or full_every < 1:
            raise ValueError("checkpoint intervals must be at least 1")
        self.every = every
        self.full_every = full_every
        self._reader = reader
        self._frontier = ReplayBuilder()
        self.frontier = 0  # events folded by the frontier
        self._calls_seen = 0  # calls in the frontier at the last checkpoint
        self._checkpoints: list[Checkpoint] = []
        self._checkpoints.append(self._take())

    @property
    def checkpoints(self) -> int:
        return len(self._checkpoints)

    def visit(self, obj: dict[str, Any]) -> None:
        """Fold the next event, given as the index build parsed it (one pass for both)."""
        self._apply(Event.from_obj(obj))

    def advance(self, to: int, *, chunk: int = 4096) -> None:
        """Fold the frontier up to event ``to`` (reading, and so verifying, every line)."""
        with paused_gc(keep=True):
            while self.frontier < to:
                stop = min(to, self.frontier + chunk)
                for obj in self._reader.objects(self.frontier, stop):
                    self._apply(Event.from_obj(obj))

    def ready(self, i: int) -> bool:
        """Whether `builder_at(i)` is quick (its checkpoint exists: no fold from far back)."""
        return i // self.every < len(self._checkpoints)

    def builder_at(self, i: int) -> ReplayBuilder:
        """A builder holding the state after events ``[0, i)``, the caller's to extend."""
        slot = i // self.every
        if slot >= len(self._checkpoints):
            self.advance(slot * self.every)
        checkpoint = self._checkpoints[slot]
        with paused_gc():
            builder = self._restore(checkpoint)
            if i > checkpoint.count:
                for event in self._reader.read(checkpoint.count, i):
                    builder.apply(event)
        return builder

    def state_at(self, i: int) -> SessionState:
        return self.builder_at(i).detach()

    def close(self) -> None:
        """Let go of the frontier and the checkpoints (frozen objects are not collected as
        cycles: what is dropped here is freed by reference counting)."""
        self._checkpoints.clear()
        self._frontier.detach()

    def _apply(self, event: Event) -> None:
        self._frontier.apply(event)
        self.frontier += 1
        if self.frontier % self.every == 0:
            self._checkpoints.append(self._take())

    def _take(self) -> Checkpoint:
        state = self._frontier.state
        skeleton = copy.copy(state)
        _copy_containers(skeleton, _STATE_SHARED)
        skeleton.agents, skeleton.calls = {}, {}
        agents = []
        for name, agent in state.agents.items():
            snapshot = copy.copy(agent)
            _copy_containers(snapshot, _AGENT_SHARED)
            snapshot.messages = []
            agents.append((name, snapshot, agent.messages, len(agent.messages)))
        calls = state.calls
        if not self._checkpoints or len(self._checkpoints) % self.full_every == 0:
            changed, previous = calls.copy(), None
        else:
            # the newest keys, in order, without walking the whole dict
            new = list(islice(reversed(calls), len(calls) - self._calls_seen))
            new.reverse()
            fresh = set(new)
            changed = {c: calls[c] for c in self._frontier.owned if c in calls and c not in fresh}
            changed.update((c, calls[c]) for c in new)
            previous = self._checkpoints[-1]
        self._calls_seen = len(calls)
        self._frontier.disown()
        return Checkpoint(self.frontier, skeleton, tuple(agents), changed, previous)

    def _restore(self, checkpoint: Checkpoint) -> ReplayBuilder:
        state = copy.copy(checkpoint.state)
        _copy_containers(state, _STATE_SHARED)
        state.agents = {}
        for name, snapshot, messages, length in checkpoint.agents:
            agent = copy.copy(snapshot)
            _copy_containers(agent, _AGENT_SHARED)
            agent.messages = messages[:length]
            state.agents[name] = agent
        chain = [checkpoint]
        while chain[-1].previous is not None:
            chain.append(chain[-1].previous)
        calls = chain.pop().calls.copy()  # a copy of a dict: no hashing, no growing
        for delta in reversed(chain):
            calls.update(delta.calls)
        state.calls = calls
        return ReplayBuilder(state)
