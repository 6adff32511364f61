"""A model request that never answers is bounded, and says so while it waits.

A turn that has been silent for `ModelLimits.stalled_after_s` is shown as ``stalled``
(the header counts the seconds); one silent for `idle_timeout_s`, or running longer than
`turn_timeout_s` in all, is cancelled and asked again, `retries` times, then the agent
fails with the reason. Any sign of life from the backend (text, thinking, a tool call's
input as it streams, a retry it announces) counts as an answer coming.

The limits (`ModelLimits`, part of `cockpit.config.settings.Settings`) come from the
``model:`` section of `.cockpit/config.yaml`:

```yaml
model:
  stalled_after: 30    # seconds of silence before the agent shows as stalled
  idle_timeout: 180    # seconds of silence before the request is given up and asked again
  turn_timeout: 900    # seconds one model turn may take in all
  retries: 2           # how many times a timed-out request is asked again
```
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from cockpit.config.settings import ModelLimits

T = TypeVar("T")

__all__ = ["ModelLimits", "TurnTimedOut", "TurnWatch"]


class TurnTimedOut(Exception):
    """A model turn was silent, or ran, for too long; it has been cancelled."""


class TurnWatch:
    """Watches one model turn at a time (see the module docstring)."""

    def __init__(
        self,
        limits: ModelLimits,
        on_stalled: Callable[[float], Awaitable[None]],
        on_alive: Callable[[], Awaitable[None]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self._on_stalled = on_stalled
        self._on_alive = on_alive
        self._clock = clock
        self._last = clock()
        self.stalled = False

    def alive(self) -> None:
        """The backend showed a sign of life."""
        self._last = self._clock()

    async def wait(self, turn: asyncio.Future[T]) -> T:
        """``turn``'s result; `TurnTimedOut` (with ``turn`` cancelled) when it takes too
        long. Cancelling the waiter cancels the turn too, as awaiting it would."""
        limits = self.limits
        begun = self._last = self._clock()
        self.stalled = False
        try:
            while True:
                now = self._clock()
                deadline = min(self._last + limits.idle_timeout_s, begun + limits.turn_timeout_s)
                # Stalled, look every second for the answer coming back; else sleep until
                # the turn would count as stalled.
                check = min(
                    deadline, now + 1.0 if self.stalled else self._last + limits.stalled_after_s
                )
                await asyncio.wait({turn}, timeout=max(0.0, check - now))
                if turn.done():
                    if self.stalled:
                        await self._on_alive()
                    return turn.result()
                now = self._clock()
                silent = now - self._last
                if now >= min(self._last + limits.idle_timeout_s, begun + limits.turn_timeout_s):
                    turn.cancel()
                    if silent >= limits.idle_timeout_s:
                        raise TurnTimedOut(f"no answer from the model for {silent:.0f} s")
                    raise TurnTimedOut(
                        f"the model's answer took longer than {limits.turn_timeout_s:.0f} s"
                    )
                if self.stalled and silent < limits.stalled_after_s:
                    self.stalled = False
                    await self._on_alive()
                elif not self.stalled and silent >= limits.stalled_after_s:
                    self.stalled = True
                    await self._on_stalled(silent)
        except asyncio.CancelledError:
            turn.cancel()
            raise
