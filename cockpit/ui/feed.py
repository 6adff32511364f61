"""The screen's side of the supervisor: its updates, in order, in batches.

The supervisor publishes its updates synchronously on the event loop, at a high rate while
models stream. The feed only queues what it is told (merging consecutive stream chunks of
one agent) and wakes the app once per batch; the app drains the queue in one handler, so
events, stream text and prompts reach the panes in the order they happened and a burst of
chunks costs one refresh.
"""

from __future__ import annotations

from collections.abc import Callable

from cockpit.supervisor.updates import SessionUpdate, StreamChunk


class SessionFeed:
    """Queues the supervisor's updates; ``wake`` is called when a batch starts."""

    def __init__(self, wake: Callable[[], None]) -> None:
        self._wake = wake
        self._items: list[SessionUpdate] = []
        self._woken = False
        self.received = 0
        """Stream chunks received so far (the benchmark reads it)."""

    def on_update(self, update: SessionUpdate) -> None:
        """The supervisor's subscriber: queue ``update``, merged into the last chunk when
        it continues it."""
        if isinstance(update, StreamChunk):
            self.received += 1
            last = self._items[-1] if self._items else None
            if (
                isinstance(last, StreamChunk)
                and last.agent == update.agent
                and last.kind == update.kind
            ):
                self._items[-1] = StreamChunk(update.agent, update.kind, last.text + update.text)
                return
        self._items.append(update)
        if not self._woken:
            self._woken = True
            self._wake()

    def drain(self) -> list[SessionUpdate]:
        """Everything queued since the last drain, oldest first."""
        items, self._items = self._items, []
        self._woken = False
        return items
