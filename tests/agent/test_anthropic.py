"""The Anthropic backend with the real SDK, over HTTP, against the scripted fake API."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from cockpit.agent.backends.anthropic import (
    AnthropicBackend,
    Credentials,
    credentials_from_env,
)
from cockpit.agent.backends.base import (
    Activity,
    Retrying,
    StreamEvent,
    TextDelta,
    TurnRequest,
    TurnResult,
)
from cockpit.agent.models import Usage, cost
from cockpit.errors import BackendError, MissingCredentialsError
from tests.fakeapi import FakeAnthropicAPI

KEY = "sk-ant-test-0123456789"
TOOLS = [
    {
        "name": "bash",
        "description": "Run a command.",
        "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}},
    },
    {
        "name": "read_file",
        "description": "Read a file.",
        "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}},
    },
]


@pytest.fixture
def api() -> Iterator[FakeAnthropicAPI]:
    with FakeAnthropicAPI() as server:
        yield server


@pytest.fixture
async def backend(api: FakeAnthropicAPI) -> AsyncIterator[AnthropicBackend]:
    b = AnthropicBackend(Credentials(api_key=KEY, base_url=api.base_url), max_retries=2)
    yield b
    await b.aclose()


def request(**overrides: Any) -> TurnRequest:
    fields: dict[str, Any] = {
        "model": "claude-sonnet-5-5",
        "system": "You are the builder.",
        "messages": [{"role": "user", "content": "Fix the failing test."}],
        "tools": TOOLS,
    }
    fields.update(overrides)
    return TurnRequest(**fields)


def texts(events: list[StreamEvent]) -> list[str]:
    return [e.text for e in events if isinstance(e, TextDelta)]


def retries(events: list[StreamEvent]) -> list[Retrying]:
    return [e for e in events if isinstance(e, Retrying)]


async def test_streamed_text_arrives_in_pieces_and_adds_up(
    api: FakeAnthropicAPI, backend: AnthropicBackend
) -> None:
    api.add({"text": "I will run the tests first, then fix what fails.", "chunk_chars": 10})
    events: list[StreamEvent] = []
    result = await backend.turn(request(), events.append)

    assert len(texts(events)) == 5
    assert "".join(texts(events)) == result.text
    assert result.content == [
        {"type": "text", "text": "I will run the tests first, then fix what fails."}
    ]
    assert result.stop_reason == "end_turn"
    assert result.model == "claude-sonnet-5-5"
    assert api.requests[0].body["stream"] is True
    assert api.requests[0].headers["authorization"] == f"Bearer {KEY}"


async def test_non_streaming_mode_uses_a_plain_json_reply(api: FakeAnthropicAPI) -> None:
    api.add({"text": "Plain answer."})
    backend = AnthropicBackend(Credentials(api_key=KEY, base_url=api.base_url), stream=False)
    events: list[StreamEvent] = []
    result = await backend.turn(request(), events.append)
    await backend.aclose()

    assert result.text == "Plain answer."
    assert events == []
    assert "stream" not in api.requests[0].body


@pytest.mark.parametrize("stream", [True, False])
async def test_tool_use_comes_back_whole(api: FakeAnthropicAPI, stream: bool) -> None:
    command = {"command": "pytest -q tests/test_login.py", "timeout_s": 120}
    api.add({"text": "Running the tests.", "tool_use": {"name": "bash", "input": command}})
    backend = AnthropicBackend(Credentials(api_key=KEY, base_url=api.base_url), stream=stream)
    result = await backend.turn(request(), lambda e: None)
    await backend.aclose()

    assert result.stop_reason == "tool_use"
    [call] = result.tool_calls
    assert call["name"] == "bash"
    assert call["input"] == command  # streamed as three partial JSON pieces
    assert call["id"].startswith("toolu_")
    assert result.content[0] == {"type": "text", "text": "Running the tests."}


async def test_prompt_caching_marks_system_last_tool_and_newest_message(
    api: FakeAnthropicAPI, backend: AnthropicBackend
) -> None:
    api.add({"text": "ok"})
    messages = [
        {"role": "user", "content": "Start."},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t1", "name": "bash", "input": {}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}],
        },
    ]
    original = request(messages=messages)
    await backend.turn(original, lambda e: None)

    body = api.requests[0].body
    ephemeral = {"type": "ephemeral"}
    assert body["system"] == [
        {"type": "text", "text": "You are the builder.", "cache_control": ephemeral}
    ]
    assert body["tools"][-1]["cache_control"] == ephemeral
    assert "cache_control" not in body["tools"][0]
    assert body["messages"][-1]["content"][-1]["cache_control"] == ephemeral
    assert "cache_control" not in str(body["messages"][:-1])
    # The caller's conversation is left as it was.
    assert "cache_control" not in str(original.messages) + str(original.tools)


async def test_a_529_is_retried_with_the_wait_shown_then_succeeds(
    api: FakeAnthropicAPI, backend: AnthropicBackend
) -> None:
    api.add({"status": 529, "retry_after": 0.01}, {"text": "Recovered."})
    events: list[StreamEvent] = []
    result = await backend.turn(request(), events.append)

    assert result.text == "Recovered."
    assert isinstance(events[0], Retrying)
    assert events[0] == Retrying(1, 0.01, "API overloaded (529)", 2)
    assert events[0].describe() == "retrying in 0.0 s (1/2): API overloaded (529)"
    assert "".join(texts(events)) == "Recovered."
    assert retries(events) == [events[0]]
    assert [r.headers["x-stainless-retry-count"] for r in api.requests] == ["0", "1"]


async def test_a_429_waits_as_long_as_retry_after_says(
    api: FakeAnthropicAPI, backend: AnthropicBackend
) -> None:
    api.add({"status": 429, "retry_after": 0.3}, {"text": "Done."})
    events: list[StreamEvent] = []
    started = time.monotonic()
    result = await backend.turn(request(), events.append)
    elapsed = time.monotonic() - started

    assert retries(events) == [Retrying(1, 0.3, "rate limited (429)", 2)]
    assert elapsed >= 0.29
    assert result.text == "Done."


async def test_without_retry_after_the_backoff_is_shown(
    api: FakeAnthropicAPI, backend: AnthropicBackend
) -> None:
    api.add({"status": 500}, {"text": "ok"})
    events: list[StreamEvent] = []
    started = time.monotonic()
    await backend.turn(request(), events.append)
    assert retries(events) == [Retrying(1, 0.5, "server error (500)", 2)]
    # The SDK waits 75-100% of the ceiling it is shown with.
    assert 0.3 <= time.monotonic() - started < 2.0


async def test_a_401_is_one_clear_line_and_not_retried(
    api: FakeAnthropicAPI, backend: AnthropicBackend
) -> None:
    api.add({"status": 401, "error_message": "invalid x-api-key"})
    with pytest.raises(BackendError) as caught:
        await backend.turn(request(), lambda e: None)
    message = str(caught.value)
    assert message == (
        f"the model API at {api.base_url} rejected the credentials in ANTHROPIC_API_KEY "
        "(401: invalid x-api-key); check it, or try `cockpit demo`"
    )
    assert KEY not in message
    assert len(api.requests) == 1


async def test_a_403_names_the_model(api: FakeAnthropicAPI, backend: AnthropicBackend) -> None:
    api.add({"status": 403, "error_message": "not allowed"})
    with pytest.raises(BackendError, match=r"403: not allowed.*model `claude-sonnet-5-5`"):
        await backend.turn(request(), lambda e: None)


async def test_a_dropped_connection_is_retried(
    api: FakeAnthropicAPI, backend: AnthropicBackend
) -> None:
    api.add({"drop": True}, {"text": "Back."})
    events: list[StreamEvent] = []
    result = await backend.turn(request(), events.append)
    [retry] = retries(events)
    assert retry.attempt == 1
    assert retry.reason.startswith("connection failed: RemoteProtocolError")
    assert result.text == "Back."
    assert len(api.requests) == 2


async def test_a_stream_broken_mid_answer_starts_the_turn_again(
    api: FakeAnthropicAPI, backend: AnthropicBackend
) -> None:
    api.add(
        {"text": "First attempt that breaks off", "chunk_chars": 6, "drop_after": 4},
        {"text": "Second attempt."},
    )
    events: list[StreamEvent] = []
    result = await backend.turn(request(), events.append)

    kinds = [type(e).__name__ for e in events if not isinstance(e, Activity)]
    assert kinds[:3] == ["TextDelta", "TextDelta", "Retrying"]
    assert "connection lost mid-answer" in retries(events)[0].reason
    # Everything streamed before the Retrying is void; after it the turn streams afresh.
    after = [e for e in events if not isinstance(e, Activity)][kinds.index("Retrying") + 1 :]
    assert "".join(e.text for e in after if isinstance(e, TextDelta)) == "Second attempt."
    assert result.text == "Second attempt."


async def test_an_overloaded_error_event_mid_stream_starts_the_turn_again(
    api: FakeAnthropicAPI, backend: AnthropicBackend
) -> None:
    api.add(
        {"text": "never finished", "drop_after": 3, "stream_error": "overloaded_error"},
        {"text": "Finished."},
    )
    events: list[StreamEvent] = []
    result = await backend.turn(request(), events.append)
    assert "overloaded_error" in retries(events)[0].reason
    assert result.text == "Finished."


async def test_a_fatal_error_event_mid_stream_is_one_clear_line(
    api: FakeAnthropicAPI, backend: AnthropicBackend
) -> None:
    api.add({"text": "x", "drop_after": 2, "stream_error": "invalid_request_error"})
    with pytest.raises(BackendError) as caught:
        await backend.turn(request(), lambda e: None)
    assert str(caught.value) == (
        "the model API stopped mid-answer (invalid_request_error: scripted mid-stream error)"
    )
    assert len(api.requests) == 1


async def test_exhausted_retries_say_what_kept_failing(
    api: FakeAnthropicAPI, backend: AnthropicBackend
) -> None:
    api.add(*[{"status": 529, "retry_after": 0.01}] * 3)
    events: list[StreamEvent] = []
    with pytest.raises(BackendError) as caught:
        await backend.turn(request(), events.append)
    assert str(caught.value) == (
        "the model API was still overloaded after 2 retries: scripted 529; try again later"
    )
    assert [r.attempt for r in retries(events)] == [1, 2]
    assert len(api.requests) == 3


async def test_an_unreachable_server_is_a_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    backend = AnthropicBackend(Credentials(base_url=url), max_retries=1)
    events: list[StreamEvent] = []
    with pytest.raises(BackendError) as caught:
        await backend.turn(request(), events.append)
    await backend.aclose()
    assert str(caught.value).startswith(f"cannot reach the model API at {url} (")
    assert str(caught.value).endswith("gave up after 1 retries")
    assert len(retries(events)) == 1


async def test_usage_and_cost_add_up_over_turns(
    api: FakeAnthropicAPI, backend: AnthropicBackend
) -> None:
    first = {"input_tokens": 1200, "output_tokens": 300, "cache_creation_input_tokens": 4000}
    second = {"input_tokens": 150, "output_tokens": 90, "cache_read_input_tokens": 4000}
    api.add({"text": "one", "usage": first}, {"text": "two", "usage": second})
    results: list[TurnResult] = []
    for _ in range(2):
        results.append(await backend.turn(request(), lambda e: None))

    total = results[0].usage + results[1].usage
    assert total == Usage(1350, 390, 4000, 4000)
    spent = sum(r.cost_usd for r in results)
    # Sonnet 5.5 per million: $2 input, $10 output, $2.50 cache write, $0.10 cache read.
    assert spent == pytest.approx((1350 * 2 + 390 * 10 + 4000 * 2.5 + 4000 * 0.1) / 1e6)
    assert spent == pytest.approx(cost("claude-sonnet-5-5", total))


async def test_cost_follows_the_model_that_answered(api: FakeAnthropicAPI) -> None:
    usage = {"input_tokens": 1_000_000, "output_tokens": 0}
    api.add(
        {"text": "a", "model": "claude-haiku-4-5-20251001", "usage": usage},
        {"text": "b", "model": "llama3.3:70b", "usage": usage},
    )
    backend = AnthropicBackend(Credentials(base_url=api.base_url))
    dated = await backend.turn(request(model="haiku-ish"), lambda e: None)
    local = await backend.turn(request(model="llama3.3:70b"), lambda e: None)
    await backend.aclose()

    assert dated.model == "claude-haiku-4-5-20251001"
    assert dated.cost_usd == pytest.approx(1.0)
    assert local.cost_usd == 0.0
    assert local.usage.input_tokens == 1_000_000  # counted even when not priced


async def test_thinking_blocks_come_back_verbatim(api: FakeAnthropicAPI) -> None:
    thinking = {"type": "thinking", "thinking": "Check the test first.", "signature": "sig-abc"}
    api.add({"content": [thinking, {"type": "text", "text": "Done."}]})
    backend = AnthropicBackend(Credentials(api_key=KEY, base_url=api.base_url), stream=False)
    result = await backend.turn(request(), lambda e: None)
    await backend.aclose()
    assert result.content == [thinking, {"type": "text", "text": "Done."}]


async def test_a_streaming_turn_cancels_cleanly(
    api: FakeAnthropicAPI, backend: AnthropicBackend
) -> None:
    api.add({"text": "a slow answer " * 20, "chunk_chars": 5, "event_delay_s": 0.1})
    first_text = asyncio.Event()

    def on_event(event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            first_text.set()

    task = asyncio.create_task(backend.turn(request(), on_event))
    await asyncio.wait_for(first_text.wait(), timeout=5)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 0.5

    api.add({"text": "Restarted with the new plan."})
    result = await backend.turn(request(), lambda e: None)
    assert result.text == "Restarted with the new plan."


def test_missing_credentials_say_what_to_set() -> None:
    with pytest.raises(MissingCredentialsError) as caught:
        credentials_from_env({"ANTHROPIC_API_KEY": "  ", "HOME": "/root"})
    message = str(caught.value)
    for needed in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"):
        assert needed in message
    assert "Ollama" in message and "`cockpit demo`" in message
    assert "\n" not in message


def test_credentials_come_from_the_given_environment_and_hide_secrets() -> None:
    creds = credentials_from_env(
        {"ANTHROPIC_AUTH_TOKEN": "tok-secret", "ANTHROPIC_BASE_URL": "http://localhost:11434"}
    )
    assert creds.auth_token == "tok-secret" and creds.api_key is None
    assert creds.base_url == "http://localhost:11434"
    assert creds.source == "ANTHROPIC_AUTH_TOKEN"
    assert "tok-secret" not in repr(creds)
    assert credentials_from_env({"ANTHROPIC_API_KEY": KEY}).source == "ANTHROPIC_API_KEY"


async def test_a_local_server_needs_only_a_base_url(
    api: FakeAnthropicAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whatever the process environment holds, the backend uses only what it was given.
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-from-the-process-env")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    api.add({"text": "hello from a local model", "model": "qwen3-coder:30b"})
    backend = AnthropicBackend.from_env({"ANTHROPIC_BASE_URL": api.base_url})
    result = await backend.turn(request(model="qwen3-coder:30b"), lambda e: None)
    await backend.aclose()

    assert result.text == "hello from a local model"
    assert result.cost_usd == 0.0
    assert "sk-from-the-process-env" not in str(api.requests[0].headers)


async def test_an_auth_token_is_sent_as_a_bearer_token(api: FakeAnthropicAPI) -> None:
    api.add({"text": "ok"})
    backend = AnthropicBackend.from_env(
        {"ANTHROPIC_AUTH_TOKEN": "tok-123", "ANTHROPIC_BASE_URL": api.base_url}
    )
    await backend.turn(request(), lambda e: None)
    await backend.aclose()
    assert api.requests[0].headers["authorization"] == "Bearer tok-123"


async def test_a_tool_call_streaming_its_input_is_a_sign_of_life(
    api: FakeAnthropicAPI, backend: AnthropicBackend
) -> None:
    # A long write_file streams its input as JSON, with no text: the watchdog must see
    # the answer coming, or it would call a busy model stalled.
    api.add({"tool_use": {"name": "write_file", "input": {"path": "a", "content": "x" * 50}}})
    events: list[StreamEvent] = []
    result = await backend.turn(request(), events.append)
    assert result.tool_calls and not any(isinstance(e, TextDelta) for e in events)
    assert sum(isinstance(e, Activity) for e in events) >= 3
