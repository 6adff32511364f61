"""The Anthropic backend, loaded when it is first needed.

Importing the Anthropic SDK takes a second or more: longer than everything else before
the first frame together. A session builds `DeferredAnthropic` at launch (it only holds
the credentials, which are checked then) and the real backend is imported and built at
the first model turn, in a worker thread, so the screen is up before it and the event
loop keeps drawing while it loads. Every agent shares the one load.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from typing import Any

from cockpit.agent.backends.base import (
    Activity,
    Backend,
    EventCallback,
    TurnRequest,
    TurnResult,
)
from cockpit.agent.credentials import Credentials

BACKEND_MODULE = "cockpit.agent.backends.anthropic"
LOADING_BEAT_S = 0.1
"""How often a first turn says it is still loading the SDK (a sign of life)."""
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

    @property
    def loaded(self) -> Backend | None:
        """The real backend once a turn has built it."""
        return self._backend

    async def turn(self, request: TurnRequest, on_event: EventCallback) -> TurnResult:
        backend = self._backend
        if backend is None:
            loading = asyncio.ensure_future(asyncio.to_thread(self._build))
            while not loading.done():
                # Loading is work, not a silent model: a watchdog must not count it.
                on_event(_LOADING)
                await asyncio.wait({loading}, timeout=LOADING_BEAT_S)
            backend = loading.result()
        return await backend.turn(request, on_event)

    def _build(self) -> Backend:
        with _loading:  # one thread imports; the others wait for it, not import alongside
            backend = self._backend
            if backend is None:
                module = importlib.import_module(BACKEND_MODULE)
                backend = module.AnthropicBackend(self.credentials, **self.options)
                self._backend = backend
            return backend

    async def aclose(self) -> None:
        backend = self._backend
        close = getattr(backend, "aclose", None)
        if close is not None:
            await close()
