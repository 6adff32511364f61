"""The Anthropic Messages API backend: `AsyncAnthropic`, streaming, tool use, prompt caching.

- Credentials come from `ANTHROPIC_API_KEY`, `ANTHROPIC_AUTH_TOKEN` and `ANTHROPIC_BASE_URL`
  (`cockpit.agent.credentials`, which does not load the SDK), so Ollama, llama.cpp and
  other Anthropic-compatible servers work.
- Importing this module imports the SDK (a second or more): the session loads it through
  `cockpit.agent.backends.deferred`, at the first model call and off the event loop.
- Prompt caching: the system prompt, the last tool and the newest user message each carry a
  `cache_control: {"type": "ephemeral"}` breakpoint, so every turn of an agent re-reads the
  stable prefix (tools, system, the conversation so far) from the cache.
- Retries are the SDK's own (`max_retries`). A client middleware sees each failed attempt
  and reports the coming wait as a `Retrying` event before the SDK sleeps: the server's
  `retry-after` when it sends one, else the SDK's backoff ceiling (it waits 75-100% of it).
  A stream that breaks after it started is beyond the SDK's retries; the turn is then
  started again here, as many times, also reported as `Retrying`.
- Failures become one-line `BackendError`s: a rejected key says which variable to check,
  exhausted retries say what kept failing. Never the SDK's dump, never a secret.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

import anthropic
import httpx2
from anthropic.types import Message

from cockpit.agent.backends.base import (
    Activity,
    EventCallback,
    Retrying,
    TextDelta,
    TurnRequest,
    TurnResult,
)
from cockpit.agent.credentials import DEFAULT_BASE_URL, Credentials, credentials_from_env
from cockpit.agent.models import Usage, cost, price_for
from cockpit.errors import BackendError

__all__ = ["AnthropicBackend", "Credentials", "credentials_from_env"]

# A local server without auth still gets a bearer token: the SDK insists on one, and an
# explicit one stops it from looking for stored Anthropic credentials to send there.
_LOCAL_TOKEN = "cockpit-no-token"
_EPHEMERAL = {"type": "ephemeral"}
_CACHEABLE_BLOCKS = frozenset({"text", "tool_result", "image", "document"})
_INITIAL_DELAY_S, _MAX_DELAY_S = 0.5, 8.0  # the SDK's backoff: 0.5 s doubling, capped at 8 s
_ACTIVITY = Activity()
_on_event: ContextVar[EventCallback | None] = ContextVar("cockpit_on_event", default=None)


class AnthropicBackend:
    """Model turns through the Anthropic Messages API (or a server that speaks it)."""

    name = "anthropic"

    def __init__(
        self,
        credentials: Credentials,
        *,
        max_retries: int = 4,
        stream: bool = True,
        timeout_s: float = 600.0,
        cache_conversation: bool = True,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        self.credentials = credentials
        self.max_retries = max_retries
        self.stream = stream
        self.cache_conversation = cache_conversation
        api_key = credentials.api_key
        auth_token = None if api_key else (credentials.auth_token or _LOCAL_TOKEN)
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            auth_token=auth_token,
            base_url=credentials.base_url or DEFAULT_BASE_URL,
            max_retries=max_retries,
            timeout=timeout_s,
            http_client=http_client,
            middleware=[_RetryReporter(max_retries)],
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **options: Any) -> AnthropicBackend:
        return cls(credentials_from_env(env), **options)

    async def aclose(self) -> None:
        await self._client.close()

    async def turn(self, request: TurnRequest, on_event: EventCallback) -> TurnResult:
        params = self._params(request)
        token = _on_event.set(on_event)
        try:
            for restart in range(self.max_retries + 1):
                try:
                    if self.stream:
                        message = await self._streamed(params, on_event)
                    else:
                        message = await self._client.messages.create(**params)
                    return _result(message, request)
                except _Interrupted as exc:
                    if restart >= self.max_retries:
                        raise BackendError(
                            f"the model API connection broke mid-answer {restart + 1} times "
                            f"({exc}); giving up"
                        ) from exc
                    wait = _backoff(restart)
                    on_event(Retrying(restart + 1, wait, f"{exc}", self.max_retries))
                    await asyncio.sleep(wait)
            raise AssertionError("unreachable")  # pragma: no cover
        except anthropic.APIStatusError as exc:
            raise BackendError(self._status_message(exc, request.model)) from exc
        except anthropic.APIConnectionError as exc:
            raise BackendError(self._connection_message(exc)) from exc
        except anthropic.AnthropicError as exc:
            raise BackendError(
                f"unexpected answer from the model API ({type(exc).__name__})"
            ) from exc
        finally:
            _on_event.reset(token)

    async def _streamed(self, params: dict[str, Any], on_event: EventCallback) -> Message:
        # Entering the stream sends the request (with the SDK's retries); what breaks after
        # that is an interrupted answer, which `turn` starts again.
        async with self._client.messages.stream(**params) as stream:
            finished = False
            try:
                async for event in stream:
                    if event.type == "content_block_delta" and event.delta.type == "text_delta":
                        on_event(TextDelta(event.delta.text))
                    else:  # thinking, a tool call's input: the answer is still coming
                        on_event(_ACTIVITY)
                    finished = finished or event.type == "message_stop"
            except (httpx2.TransportError, anthropic.APIConnectionError) as exc:
                raise _Interrupted(f"connection lost mid-answer: {_cause(exc)}") from exc
            except anthropic.APIStatusError as exc:  # an `error` event in the stream
                if exc.type in ("overloaded_error", "api_error", "rate_limit_error"):
                    raise _Interrupted(f"the API stopped mid-answer: {exc.type}") from exc
                detail = _one_line(exc.api_message or "")
                raise BackendError(
                    f"the model API stopped mid-answer ({exc.type or 'error'}"
                    f"{': ' + detail if detail else ''})"
                ) from exc
            if not finished:
                raise _Interrupted("the answer ended before it was complete")
            return await stream.get_final_message()

    def _params(self, request: TurnRequest) -> dict[str, Any]:
        messages = request.messages
        if self.cache_conversation and messages:
            messages = [*messages[:-1], _with_breakpoint(messages[-1])]
        params: dict[str, Any] = {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "messages": messages,
        }
        if request.system:
            params["system"] = [
                {"type": "text", "text": request.system, "cache_control": _EPHEMERAL}
            ]
        if request.tools:
            params["tools"] = [
                *request.tools[:-1],
                {**request.tools[-1], "cache_control": _EPHEMERAL},
            ]
        return params

    def _status_message(self, exc: anthropic.APIStatusError, model: str) -> str:
        code = exc.status_code
        detail = _one_line(exc.api_message or "")
        said = f": {detail}" if detail else ""
        where = self.credentials.base_url or DEFAULT_BASE_URL
        if code == 401:
            return (
                f"the model API at {where} rejected the credentials in {self.credentials.source} "
                f"(401{said}); check it, or try `cockpit demo`"
            )
        if code == 403:
            return (
                f"the model API refused access (403{said}); the credentials in "
                f"{self.credentials.source} may not allow model `{model}`"
            )
        if code == 404:
            return f"the model API does not know model `{model}` (404{said})"
        if code in (408, 409, 429) or code >= 500:
            what = {429: "rate-limited", 529: "overloaded"}.get(code, f"failing ({code})")
            return (
                f"the model API was still {what} after {self.max_retries} retries{said}; "
                "try again later"
            )
        return f"the model API rejected the request ({code} {exc.type or 'error'}{said})"

    def _connection_message(self, exc: anthropic.APIConnectionError) -> str:
        where = self.credentials.base_url or DEFAULT_BASE_URL
        what = "timed out" if isinstance(exc, anthropic.APITimeoutError) else _cause(exc)
        retries = self.max_retries
        return f"cannot reach the model API at {where} ({what}); gave up after {retries} retries"


class _Interrupted(Exception):
    """A streamed answer broke off after it had started."""


class _RetryReporter(anthropic.Middleware):
    """Sees every HTTP attempt inside the SDK's retry loop and announces each retry."""

    def __init__(self, max_retries: int) -> None:
        self.max_retries = max_retries

    async def handle_async(
        self, request: anthropic.APIRequest, call_next: anthropic.AsyncCallNext
    ) -> anthropic.AsyncAPIResponse[Any]:
        limit = request.max_retries if isinstance(request.max_retries, int) else self.max_retries
        taken = request.retries_taken
        try:
            response = await call_next(request)
        except anthropic.APIConnectionError as exc:
            if taken < limit:
                reason = (
                    "request timed out"
                    if isinstance(exc, anthropic.APITimeoutError)
                    else f"connection failed: {_cause(exc)}"
                )
                _report(Retrying(taken + 1, _backoff(taken), reason, limit))
            raise
        http = response.http_response
        if taken < limit and not http.is_success and _retryable(http):
            wait = _retry_after(http.headers)
            _report(
                Retrying(
                    taken + 1,
                    _backoff(taken) if wait is None else wait,
                    _status_reason(http),
                    limit,
                )
            )
        return response


def _report(event: Retrying) -> None:
    listener = _on_event.get()
    if listener is not None:
        listener(event)


def _retryable(response: httpx2.Response) -> bool:
    """The SDK's retry rule: the server's `x-should-retry`, else 408, 409, 429 and 5xx."""
    forced = response.headers.get("x-should-retry")
    if forced in ("true", "false"):
        return forced == "true"
    return response.status_code in (408, 409, 429) or response.status_code >= 500


def _retry_after(headers: httpx2.Headers) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            value = float(headers.get(name, "")) * scale
        except ValueError:
            continue
        if value > 0:
            return value
    return None


def _status_reason(response: httpx2.Response) -> str:
    code = response.status_code
    names = {408: "request timeout", 409: "conflict", 429: "rate limited", 529: "API overloaded"}
    return f"{names.get(code, 'server error')} ({code})"


def _backoff(retries_taken: int) -> float:
    return min(_INITIAL_DELAY_S * 2.0 ** min(retries_taken, 32), _MAX_DELAY_S)


def _cause(exc: BaseException) -> str:
    root: BaseException = exc
    while root.__cause__ is not None:
        root = root.__cause__
    text = _one_line(str(root))
    return f"{type(root).__name__}: {text}" if text else type(root).__name__


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _with_breakpoint(message: dict[str, Any]) -> dict[str, Any]:
    """`message` with a cache breakpoint on its last block, if it is a user message."""
    content = message.get("content")
    if message.get("role") != "user" or not content:
        return message
    if isinstance(content, str):
        return {
            **message,
            "content": [{"type": "text", "text": content, "cache_control": _EPHEMERAL}],
        }
    last = content[-1]
    if not isinstance(last, dict) or last.get("type") not in _CACHEABLE_BLOCKS:
        return message
    return {**message, "content": [*content[:-1], {**last, "cache_control": _EPHEMERAL}]}


def _result(message: Message, request: TurnRequest) -> TurnResult:
    raw = message.usage
    usage = Usage(
        input_tokens=raw.input_tokens or 0,
        output_tokens=raw.output_tokens or 0,
        cache_creation_input_tokens=raw.cache_creation_input_tokens or 0,
        cache_read_input_tokens=raw.cache_read_input_tokens or 0,
    )
    model = str(message.model or request.model)
    priced = model if price_for(model) is not None else request.model
    return TurnResult(
        content=[_block(b) for b in message.content],
        stop_reason=str(message.stop_reason or "end_turn"),
        usage=usage,
        model=model,
        cost_usd=cost(priced, usage),
    )


def _block(block: Any) -> dict[str, Any]:
    if block.type == "text":
        return {"type": "text", "text": block.text}
    if block.type == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    data: dict[str, Any] = block.model_dump(mode="json", exclude_none=True)
    return data
