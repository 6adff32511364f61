"""The Anthropic backend, loaded when it is first needed.

Importing the Anthropic SDK takes a second or more: longer than everything else before
the first frame together. A session builds `DeferredAnthropic` at launch (it only holds
the credentials, which are checked then) and the real backend is imported and built at
the first model turn, in a worker thread, so the screen is up before it and the event
loop keeps drawing while it loads. Every agent shares the one load.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from cockpit.agent.backends.base import (
    Activity,
    Backend,
    EventCallback,
    TurnRequest,
    TurnResult,
)
from cockpit.agent.credentials import Credentials
from cockpit.errors import BackendError

LOADING_BEAT_S = 0.1
"""How often a first turn says it is still loading the SDK (a sign of life)..."""
LOADING_LIMIT_S = 120.0
"""...for at most this long: an import that hangs is then left to the watchdog."""
_LOADING = Activity()
_loading = threading.Lock()


class DeferredAnthropic:
    """An `AnthropicBackend` (built with the same arguments) that imports the SDK at its
    first turn."""

    name = "anthropic"

    def __init__(self, credentials: Credentials, **options: Any) -> None:
        self.credentials = credentials
        self.options = options
        self._backend: Backend | None = None
        self._loading: asyncio.Future[Backend] | None = None

    @property
    def loaded(self) -> Backend | None:
        """The real backend once a turn has built it."""
        return self._backend

    async def turn(self, request: TurnRequest, on_event: EventCallback) -> TurnResult:
        backend = self._backend or await self._load(on_event)
        return await backend.turn(request, on_event)

    async def _load(self, on_event: EventCallback) -> Backend:
        """The backend, loading it once (turns of every agent share the one load, and a
        turn cancelled meanwhile leaves it going for the next)."""
        if self._loading is None:
            self._loading = asyncio.ensure_future(asyncio.to_thread(self._build))
            self._loading.add_done_callback(_retrieved)
        loading = self._loading
        begun = time.monotonic()
        while not loading.done():
            # Loading is work, not a silent model: a watchdog must not count it. A load
            # that never ends stops saying so, and the watchdog's limits take over.
            if time.monotonic() - begun < LOADING_LIMIT_S:
                on_event(_LOADING)
            await asyncio.wait({loading}, timeout=LOADING_BEAT_S)
        error = loading.exception()
        if error is not None:
            self._loading = None  # the next turn tries again
            raise BackendError(f"cannot load the Anthropic SDK: {error}") from error
        return loading.result()

    def _build(self) -> Backend:
        with _loading:  # one thread imports; the others wait for it, not import alongside
            backend = self._backend
            if backend is None:
                backend = _anthropic_backend(self.credentials, self.options)
                self._backend = backend
            return backend

    async def aclose(self) -> None:
        if self._loading is not None and not self._loading.done():
            await asyncio.wait({self._loading})  # closed once built, not leaked after
        backend = self._backend
        close = getattr(backend, "aclose", None)
        if close is not None:
            await close()


def _anthropic_backend(credentials: Credentials, options: dict[str, Any]) -> Backend:
    """The real backend: the SDK is imported here, in the loading thread, and only here."""
    from cockpit.agent.backends.anthropic import AnthropicBackend

    return AnthropicBackend(credentials, **options)


def _retrieved(loading: asyncio.Future[Backend]) -> None:
    """Mark a failed load's exception as seen: a turn that raced it may never await it,
    and asyncio would print it over the screen."""
    if not loading.cancelled():
        loading.exception()
