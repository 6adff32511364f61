"""The one small interface every model backend implements.

A backend takes one model turn: a `TurnRequest` (the whole conversation so far, in the
Anthropic Messages format, which is cockpit's canonical conversation format) and returns a
`TurnResult` (the assistant's content blocks, why it stopped, tokens and cost). While the
turn runs it reports `StreamEvent`s to a callback: text as it streams, and each retry with
how long it will wait, so a caller can show "rate-limited, retrying in 4 s".

Cancellation: `turn` is cancellable with `asyncio` cancellation at any await point. The
backend releases its connection and re-raises `CancelledError`; nothing of a cancelled turn
is kept, so the caller may start the same turn again (the runtime does this when `plan.md`
changes mid-stream).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from cockpit.agent.models import Usage


@dataclass(frozen=True)
class TurnRequest:
    """One model turn to take.

    `messages` are Messages-API messages (`{"role": "user"|"assistant", "content": ...}`);
    `tools` are Messages-API tool schemas (`{"name", "description", "input_schema"}`). A
    backend never mutates either.
    """

    model: str
    system: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = field(default_factory=list)
    max_tokens: int = 8192


@dataclass(frozen=True)
class TurnResult:
    """What the model said in one turn.

    `content` holds Messages-API content blocks as plain dicts: `{"type": "text", "text"}`,
    `{"type": "tool_use", "id", "name", "input"}`, and any other block the model returned
    (for example `thinking` with its `signature`). Send `content` back unchanged as the
    assistant message of the next request: models that think require their thinking blocks
    to come back verbatim.
    """

    content: list[dict[str, Any]]
    stop_reason: str
    usage: Usage
    model: str
    cost_usd: float

    @property
    def text(self) -> str:
        """All text blocks joined: what a person reads of this turn."""
        return "".join(str(b.get("text", "")) for b in self.content if b.get("type") == "text")

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """The `tool_use` blocks, in the order the model asked for them."""
        return [b for b in self.content if b.get("type") == "tool_use"]


@dataclass(frozen=True)
class TextDelta:
    """A piece of model text, as it streams."""

    text: str


@dataclass(frozen=True)
class Retrying:
    """The backend is about to wait `wait_s` seconds and try again.

    `attempt` counts retries from 1; `max_retries` is how many it will make in all. Any
    `TextDelta`s received since the turn began are void: the turn starts over and streams
    its text again.
    """

    attempt: int
    wait_s: float
    reason: str
    max_retries: int = 0

    def describe(self) -> str:
        """One line for a status bar: `retrying in 2.0 s (1/4): API overloaded (529)`."""
        of = f"/{self.max_retries}" if self.max_retries else ""
        return f"retrying in {self.wait_s:.1f} s ({self.attempt}{of}): {self.reason}"


@dataclass(frozen=True)
class Activity:
    """The model is still answering, with something other than text (thinking, a tool
    call's input as it streams): a sign of life, nothing to show."""


StreamEvent = TextDelta | Retrying | Activity
EventCallback = Callable[[StreamEvent], None]


class Backend(Protocol):
    """A model behind cockpit's one turn-at-a-time interface."""

    name: str

    async def turn(self, request: TurnRequest, on_event: EventCallback) -> TurnResult:
        """Take one model turn, reporting stream events to `on_event`.

        Raises `BackendError` (one clear line) when the turn cannot be completed.
        """
        ...
