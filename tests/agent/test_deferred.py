"""The deferred Anthropic backend: the real SDK, loaded at the first turn, over HTTP."""

from __future__ import annotations

import asyncio
import sys

import pytest

from cockpit.agent.backends.anthropic import AnthropicBackend
from cockpit.agent.backends.base import TurnRequest
from cockpit.agent.backends.deferred import DeferredAnthropic
from cockpit.agent.credentials import Credentials
from cockpit.errors import BackendError
from tests.fakeapi import FakeAnthropicAPI


def request(text: str) -> TurnRequest:
    return TurnRequest(
        model="claude-sonnet-4-5", system="", messages=[{"role": "user", "content": text}]
    )


async def test_it_builds_the_backend_at_the_first_turn_and_keeps_it() -> None:
    with FakeAnthropicAPI([{"text": "one"}, {"text": "two"}]) as api:
        backend = DeferredAnthropic(Credentials(api_key="k", base_url=api.base_url))
        assert backend.loaded is None  # nothing built (nor imported, in a new process) yet
        first = await backend.turn(request("hi"), lambda e: None)
        built = backend.loaded
        second = await backend.turn(request("again"), lambda e: None)
        await backend.aclose()
    assert (first.text, second.text) == ("one", "two")
    assert isinstance(built, AnthropicBackend) and backend.loaded is built


async def test_agents_starting_together_each_get_a_backend_with_their_options() -> None:
    replies = [{"status": 529, "retry_after": 0.01}, {"text": "a"}, {"text": "b"}]
    with FakeAnthropicAPI(replies) as api:
        credentials = Credentials(base_url=api.base_url)
        agents = [DeferredAnthropic(credentials, max_retries=0) for _ in range(2)]
        results = await asyncio.gather(
            *(a.turn(request("go"), lambda e: None) for a in agents), return_exceptions=True
        )
        for agent in agents:
            await agent.aclose()
    # max_retries=0 reached the real backend: the 529 was not retried, the other answered
    failed = [r for r in results if isinstance(r, BackendError)]
    assert len(failed) == 1 and "overloaded" in str(failed[0])
    assert agents[0].loaded is not agents[1].loaded


async def test_a_load_that_fails_says_why_and_the_next_turn_tries_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakeAnthropicAPI([{"text": "back"}]) as api:
        backend = DeferredAnthropic(Credentials(api_key="k", base_url=api.base_url))
        # an install where the backend cannot be imported
        monkeypatch.setitem(sys.modules, "cockpit.agent.backends.anthropic", None)
        with pytest.raises(BackendError, match="cannot load the Anthropic SDK: import of cockpit"):
            await backend.turn(request("hi"), lambda e: None)
        monkeypatch.undo()
        again = await backend.turn(request("hi"), lambda e: None)
        await backend.aclose()
    assert again.text == "back"


async def test_a_turn_cancelled_while_loading_leaves_the_load_to_the_next() -> None:
    with FakeAnthropicAPI([{"text": "loaded once"}]) as api:
        backend = DeferredAnthropic(Credentials(api_key="k", base_url=api.base_url))
        loading = asyncio.Event()
        first = asyncio.ensure_future(backend.turn(request("hi"), lambda e: loading.set()))
        await loading.wait()  # the load has begun: its first sign of life
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        result = await backend.turn(request("again"), lambda e: None)
        await backend.aclose()
    assert result.text == "loaded once" and len(api.requests) == 1
