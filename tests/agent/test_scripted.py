from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from cockpit.agent.backends.base import Retrying, StreamEvent, TextDelta, TurnRequest
from cockpit.agent.backends.scripted import (
    DEFAULT_DONE_TEXT,
    ScriptedBackend,
    ScriptedCall,
    ScriptedTurn,
    load_script,
)
from cockpit.agent.models import Usage, cost
from cockpit.errors import BackendError, ConfigError
from tests.waiting import wait_until

SCRIPT = """\
done_text: "Script over."
agents:
  builder:
    - text: "Reading the plan."
      chunk_chars: 4
      calls:
        - read_file: {path: plan.md}
        - tool: bash
          input: {command: "pytest -q", timeout_s: 60}
    - text: "Now editing."
      usage: {input_tokens: 1000, output_tokens: 200, cache_read_input_tokens: 5000}
      calls:
        - edit_file: {path: a.py, old: "x = 1", new: "x = 2"}
    - text: "All done."
  reviewer:
    - retry: {times: 2, wait_s: 0.01, reason: "rate limited (429)"}
      text: "Looks good."
      stop_reason: end_turn
    - fail: "the model API is unreachable"
    - text: "Back again."
"""


def request(*messages: dict[str, Any]) -> TurnRequest:
    return TurnRequest(
        model="claude-sonnet-5-5",
        system="You are the builder.",
        messages=list(messages) or [{"role": "user", "content": "Start."}],
    )


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(SCRIPT, encoding="utf-8")
    return path


async def test_turns_play_in_order_with_streamed_text_and_unique_tool_ids(script: Path) -> None:
    backend = ScriptedBackend.from_file(script, "builder")
    events: list[StreamEvent] = []

    first = await backend.turn(request(), events.append)
    assert [e.text for e in events if isinstance(e, TextDelta)] == [
        "Read",
        "ing ",
        "the ",
        "plan",
        ".",
    ]
    assert first.text == "Reading the plan."
    assert first.stop_reason == "tool_use"
    assert [(c["name"], c["input"]) for c in first.tool_calls] == [
        ("read_file", {"path": "plan.md"}),
        ("bash", {"command": "pytest -q", "timeout_s": 60}),
    ]

    second = await backend.turn(request(), events.append)
    assert second.tool_calls[0]["name"] == "edit_file"
    assert second.usage == Usage(1000, 200, 0, 5000)
    assert second.cost_usd == pytest.approx(cost("claude-sonnet-5-5", second.usage))
    assert second.cost_usd > 0

    third = await backend.turn(request(), events.append)
    assert third.stop_reason == "end_turn" and third.tool_calls == []

    ids = [c["id"] for r in (first, second) for c in r.tool_calls]
    assert ids == ["toolu_builder_001", "toolu_builder_002", "toolu_builder_003"]


async def test_an_exhausted_script_ends_the_turn_with_the_done_text(script: Path) -> None:
    backend = ScriptedBackend.from_file(script, "builder")
    for _ in range(3):
        await backend.turn(request(), lambda e: None)
    assert backend.remaining == 0
    events: list[StreamEvent] = []
    result = await backend.turn(request(), events.append)
    assert result.text == "Script over."
    assert result.stop_reason == "end_turn"
    assert events == [TextDelta("Script over.")]
    assert (await ScriptedBackend([]).turn(request(), lambda e: None)).text == DEFAULT_DONE_TEXT


async def test_requests_are_recorded_as_they_were_sent(script: Path) -> None:
    backend = ScriptedBackend.from_file(script, "builder")
    conversation: list[dict[str, Any]] = [{"role": "user", "content": "Start."}]
    await backend.turn(request(*conversation), lambda e: None)
    conversation.append({"role": "user", "content": "[human] use pytest -x"})
    await backend.turn(request(*conversation), lambda e: None)

    assert len(backend.requests) == 2
    assert backend.requests[0].messages == [{"role": "user", "content": "Start."}]
    assert backend.requests[1].messages[-1]["content"] == "[human] use pytest -x"


async def test_estimated_usage_grows_with_the_conversation() -> None:
    backend = ScriptedBackend([ScriptedTurn(text="a"), ScriptedTurn(text="b")])
    short = await backend.turn(request(), lambda e: None)
    long = await backend.turn(request({"role": "user", "content": "x" * 4000}), lambda e: None)
    assert 0 < short.usage.input_tokens < long.usage.input_tokens
    assert long.usage.output_tokens > 0


async def test_a_cancelled_turn_is_played_again_from_its_start() -> None:
    slow = ScriptedTurn(
        text="abcdefgh",
        chunk_chars=2,
        chunk_delay_s=0.05,
        calls=(ScriptedCall("bash", {"command": "make"}),),
    )
    backend = ScriptedBackend([slow, ScriptedTurn(text="next")], agent="builder")
    seen: list[StreamEvent] = []
    two_pieces = asyncio.Event()

    def on_event(event: StreamEvent) -> None:
        seen.append(event)
        if len(seen) == 2:
            two_pieces.set()

    task = asyncio.create_task(backend.turn(request(), on_event))
    await two_pieces.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen == [TextDelta("ab"), TextDelta("cd")]
    assert backend.remaining == 2

    again = await backend.turn(request(), lambda e: None)
    assert again.text == "abcdefgh"
    assert again.tool_calls[0]["id"] == "toolu_builder_001"
    assert (await backend.turn(request(), lambda e: None)).text == "next"
    assert len(backend.requests) == 3


async def test_a_turn_waiting_out_its_delay_cancels_at_once() -> None:
    backend = ScriptedBackend([ScriptedTurn(text="late", delay_s=30.0)])
    task = asyncio.create_task(backend.turn(request(), lambda e: None))
    await wait_until(lambda: backend.requests, "the turn to start its delay")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=1.0)


async def test_retries_are_reported_and_a_failing_turn_raises_then_moves_on(script: Path) -> None:
    backend = ScriptedBackend.from_file(script, "reviewer")
    events: list[StreamEvent] = []
    result = await backend.turn(request(), events.append)
    assert events[:2] == [
        Retrying(1, 0.01, "rate limited (429)", 2),
        Retrying(2, 0.01, "rate limited (429)", 2),
    ]
    assert events[2:] == [TextDelta("Looks good.")]
    assert result.stop_reason == "end_turn"

    with pytest.raises(BackendError, match="the model API is unreachable"):
        await backend.turn(request(), events.append)
    assert (await backend.turn(request(), events.append)).text == "Back again."


def test_the_script_file_parses_every_agent(script: Path) -> None:
    parsed = load_script(script)
    assert set(parsed.agents) == {"builder", "reviewer"}
    assert parsed.done_text == "Script over."
    assert parsed.agents["reviewer"][0].retry_times == 2


def test_an_agent_without_a_script_is_an_error(script: Path) -> None:
    with pytest.raises(ConfigError, match=r"demo\.yaml:1: no script for agent `planner`"):
        ScriptedBackend.from_file(script, "planner")


BAD_SCRIPTS = [
    ("agents:\n  builder:\n    - text: [unclosed\n", 4, "invalid YAML"),
    ("agents:\n  builder:\n    - txt: hello\n", 3, "unknown turn key `txt`"),
    ("agents:\n  builder:\n    - text: hi\n      delay_s: soon\n", 4, "`delay_s` must be a number"),
    ("agents:\n  builder:\n    - calls:\n        - bash: ls\n", 4, "input of `bash` must be"),
    ("agents:\n  builder:\n    - calls:\n        - {a: 1, b: 2}\n", 4, "a tool call is"),
    ("agents:\n  builder: hello\n", 2, "its turns must be a list"),
    ("agent:\n  builder: []\n", 1, "unknown key `agent`"),
    ("done_text: hi\n", 1, "no `agents:`"),
    ("agents:\n  b:\n    - usage: {input_tokens: -1}\n", 3, "zero or more"),
    ("agents:\n  b:\n    - usage: {tokens: 1}\n", 3, "unknown usage key `tokens`"),
    ("agents:\n  b:\n    - retry: {times: 1, every: 2}\n", 3, "unknown retry key `every`"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), BAD_SCRIPTS)
def test_a_bad_script_names_file_and_line(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_script(path)
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)
    assert fragment in str(caught.value)
