"""The screen's side of the supervisor: everything it reports, in order, in batches.

The supervisor calls its listeners synchronously on the event loop, at a high rate while
models stream. The feed only queues what it is told (merging consecutive stream chunks of
one agent) and wakes the app once per batch; the app drains the queue in one handler, so
events, stream text and prompts reach the panes in the order they happened and a burst of
chunks costs one refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cockpit.session.events import Event

if TYPE_CHECKING:  # the app imports the feed before its first frame, the supervisor after
    from cockpit.supervisor.core import PendingApproval, Supervisor


@dataclass(frozen=True)
class StreamChunk:
    """Ephemeral output: ``kind`` is text, output, retry or restart."""

    agent: str
    kind: str
    text: str


@dataclass(frozen=True)
class Logged:
    """A durable event, just appended to the log."""

    event: Event


@dataclass(frozen=True)
class Asked:
    """A tier-3 request entered the inbox."""

    pending: PendingApproval


FeedItem = StreamChunk | Logged | Asked


class SessionFeed:
    """Queues the supervisor's reports; ``wake`` is called when a batch starts."""

    def __init__(self, wake: Callable[[], None]) -> None:
        self._wake = wake
        self._items: list[FeedItem] = []
        self._woken = False
        self.received = 0
        """Reports received so far (the benchmark reads it)."""

    def attach(self, supervisor: Supervisor) -> None:
        supervisor.subscribe(self.on_event)
        supervisor.subscribe_stream(self.on_stream)
        supervisor.subscribe_approvals(self.on_approval)

    def on_event(self, event: Event) -> None:
        self._push(Logged(event))

    def on_stream(self, agent: str, kind: str, text: str) -> None:
        self.received += 1
        last = self._items[-1] if self._items else None
        if isinstance(last, StreamChunk) and last.agent == agent and last.kind == kind:
            self._items[-1] = StreamChunk(agent, kind, last.text + text)
            return
        self._push(StreamChunk(agent, kind, text))

    def on_approval(self, pending: PendingApproval) -> None:
        self._push(Asked(pending))

    def _push(self, item: FeedItem) -> None:
        self._items.append(item)
        if not self._woken:
            self._woken = True
            self._wake()

    def drain(self) -> list[FeedItem]:
        """Everything queued since the last drain, oldest first."""
        items, self._items = self._items, []
        self._woken = False
        return items
