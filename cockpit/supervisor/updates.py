"""What a session reports while it runs: one stream of `SessionUpdate`s, in order.

Three things happen that a screen or a terminal shows: an event is logged (`Logged`), a
model or a command streams output that is never logged (`StreamChunk`), and a tier-3
request enters the inbox (`ApprovalAsked`). They reach a subscriber through one channel,
so whoever shows them sees them in the order they happened and matches on the type.
Logged events are published in seq order, whatever order their appends finished in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:  # the screen imports this before its first frame: nothing heavy at run time
    from cockpit.agent.host import ApprovalDecision, ApprovalRequest
    from cockpit.session.events import Event
    from cockpit.session.kinds import EventBody

_TIER_RANK = {"deny": 4, 3: 3, 2: 2, 1: 1}


@dataclass
class PendingApproval:
    """A tier-3 request in the inbox: the agent awaits ``future``."""

    request: ApprovalRequest
    future: asyncio.Future[ApprovalDecision]
    asked_at: float = field(default_factory=time.monotonic)

    @property
    def rank(self) -> tuple[int, float]:
        """Most critical first, then oldest first."""
        return (-_TIER_RANK.get(self.request.decision.tier, 3), self.asked_at)


@dataclass(frozen=True)
class BlockedItem:
    """A blocked task waiting for the human ("blocked: needs you"): the lead could not
    resolve it, or the session has no lead. The human's message to its agent answers it."""

    task: str
    agent: str | None
    why: str
    report: str | None = None
    asked_at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class BlockedAsked:
    """A blocked task joined the human's inbox."""

    item: BlockedItem


@dataclass(frozen=True)
class Logged:
    """A durable event, just appended to the log."""

    event: Event


class StreamChunk(NamedTuple):
    """Ephemeral output: ``kind`` is text, output, retry or restart. (A named tuple: one
    is made per chunk a model streams, and it costs half a frozen dataclass.)"""

    agent: str
    kind: str
    text: str


@dataclass(frozen=True)
class ApprovalAsked:
    """A tier-3 request entered the inbox."""

    pending: PendingApproval


SessionUpdate = Logged | StreamChunk | ApprovalAsked | BlockedAsked
UpdateListener = Callable[[SessionUpdate], None]


class Recorder(Protocol):
    """Appends an event to the session's log and publishes it (`Supervisor.record`)."""

    async def __call__(
        self,
        body: EventBody,
        *,
        agent: str | None,
        iteration: int = 0,
        call: str | None = None,
    ) -> Event: ...


class UpdateBus:
    """Hands every update to the subscribers, logged events in seq order."""

    def __init__(self, next_seq: int) -> None:
        self._listeners: list[UpdateListener] = []
        self._publish_next = next_seq
        self._unpublished: dict[int, Event] = {}

    def subscribe(self, listener: UpdateListener) -> None:
        self._listeners.append(listener)

    def logged(self, event: Event) -> None:
        """An append finished: publish it, and any later one it held back, in seq order."""
        self._unpublished[event.seq] = event
        while self._publish_next in self._unpublished:
            ready = self._unpublished.pop(self._publish_next)
            self._publish_next += 1
            self.publish(Logged(ready))

    def publish(self, update: SessionUpdate) -> None:
        for listener in list(self._listeners):
            listener(update)


__all__ = [
    "ApprovalAsked",
    "BlockedAsked",
    "BlockedItem",
    "Logged",
    "PendingApproval",
    "Recorder",
    "SessionUpdate",
    "StreamChunk",
    "UpdateBus",
    "UpdateListener",
]
