"""A backend that plays a YAML script of turns: for the demo and for tests.

One file holds the turns of every agent in a session:

```yaml
done_text: "That is all I was scripted to do."   # optional: said once a script runs out
agents:
  builder:
    - text: "Reading the plan first."
      calls:                                     # tool calls, in order
        - read_file: {path: plan.md}             # short form: `TOOL: INPUT`
    - delay_s: 1.5                               # think this long before answering
      text: "Now the tests."
      chunk_chars: 6                             # stream the text in pieces this big...
      chunk_delay_s: 0.03                        # ...this far apart
      calls:
        - tool: bash                             # long form
          input: {command: "pytest -q", timeout_s: 120}
    - retry: {times: 1, wait_s: 2, reason: "rate limited (429)"}  # show a retry first
      text: "All tests pass."
      usage: {input_tokens: 1800, output_tokens: 40}             # else estimated from text
      stop_reason: end_turn                      # default: tool_use with calls, else end_turn
    - fail: "the model API is unreachable"       # this turn raises BackendError
```

Each turn is played once, in order; a cancelled turn is played again from its start by the
next call, a failed one is not. Once the script is exhausted every turn answers `done_text`
with `end_turn`. Tool-call ids are `toolu_<agent>_<n>`, unique within the agent and stable
from run to run. Every `TurnRequest` received is kept in `requests` (a deep copy), so tests
can check what reached the model.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cockpit.agent.backends.base import EventCallback, Retrying, TextDelta, TurnRequest, TurnResult
from cockpit.agent.models import Usage, cost
from cockpit.config.yaml_source import YamlSource
from cockpit.errors import BackendError, ConfigError

DEFAULT_DONE_TEXT = "I have nothing more to do."
_TURN_KEYS = frozenset(
    {"text", "calls", "delay_s", "chunk_chars", "chunk_delay_s", "stop_reason", "usage", "retry"}
    | {"fail"}
)
_USAGE_KEYS = frozenset(Usage.__dataclass_fields__)


@dataclass(frozen=True)
class ScriptedCall:
    tool: str
    input: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScriptedTurn:
    text: str = ""
    calls: tuple[ScriptedCall, ...] = ()
    delay_s: float = 0.0
    chunk_chars: int = 0
    chunk_delay_s: float = 0.0
    stop_reason: str | None = None
    usage: Usage | None = None
    retry_times: int = 0
    retry_wait_s: float = 0.0
    retry_reason: str = "rate limited (429)"
    fail: str | None = None


@dataclass(frozen=True)
class Script:
    agents: dict[str, tuple[ScriptedTurn, ...]]
    done_text: str = DEFAULT_DONE_TEXT


class ScriptedBackend:
    """Plays `turns` for one agent."""

    name = "scripted"

    def __init__(
        self,
        turns: Sequence[ScriptedTurn],
        *,
        agent: str = "agent",
        done_text: str = DEFAULT_DONE_TEXT,
    ) -> None:
        self.agent = agent
        self.done_text = done_text
        self.requests: list[TurnRequest] = []
        self._turns = list(turns)
        self._next = 0
        self._calls = 0

    @classmethod
    def from_file(cls, path: Path, agent: str) -> ScriptedBackend:
        script = load_script(path)
        if agent not in script.agents:
            known = ", ".join(sorted(script.agents)) or "none"
            raise ConfigError(f"{path}:1: no script for agent `{agent}` (scripted: {known})")
        return cls(script.agents[agent], agent=agent, done_text=script.done_text)

    def skip(self, turns: int) -> None:
        """Mark the first ``turns`` as already played (a resumed session played them).

        Tool-call ids carry on from where they were, so they stay unique in the
        conversation being continued.
        """
        for step in self._turns[self._next : self._next + max(turns, 0)]:
            self._calls += len(step.calls)
        self._next = min(self._next + max(turns, 0), len(self._turns))

    @property
    def remaining(self) -> int:
        """Turns not yet played."""
        return len(self._turns) - self._next

    async def turn(self, request: TurnRequest, on_event: EventCallback) -> TurnResult:
        self.requests.append(
            dataclasses.replace(
                request,
                messages=copy.deepcopy(request.messages),
                tools=copy.deepcopy(request.tools),
            )
        )
        if self._next >= len(self._turns):
            on_event(TextDelta(self.done_text))
            return self._result(request, ScriptedTurn(text=self.done_text))
        step = self._turns[self._next]
        for attempt in range(1, step.retry_times + 1):
            on_event(Retrying(attempt, step.retry_wait_s, step.retry_reason, step.retry_times))
            await asyncio.sleep(step.retry_wait_s)
        if step.fail is not None:
            self._next += 1
            raise BackendError(step.fail)
        await asyncio.sleep(step.delay_s)
        size = step.chunk_chars or len(step.text)
        for start in range(0, len(step.text), max(size, 1)):
            if start:
                await asyncio.sleep(step.chunk_delay_s)
            on_event(TextDelta(step.text[start : start + size]))
        result = self._result(request, step)
        self._next += 1
        return result

    def _result(self, request: TurnRequest, step: ScriptedTurn) -> TurnResult:
        content: list[dict[str, Any]] = []
        if step.text:
            content.append({"type": "text", "text": step.text})
        for call in step.calls:
            self._calls += 1
            content.append(
                {
                    "type": "tool_use",
                    "id": f"toolu_{self.agent}_{self._calls:03d}",
                    "name": call.tool,
                    "input": copy.deepcopy(call.input),
                }
            )
        usage = step.usage or _estimate(request, content)
        stop = step.stop_reason or ("tool_use" if step.calls else "end_turn")
        return TurnResult(content, stop, usage, request.model, cost(request.model, usage))


def _estimate(request: TurnRequest, content: list[dict[str, Any]]) -> Usage:
    """Believable token counts for a demo: about four characters a token."""
    prompt = (
        len(request.system) + len(json.dumps(request.messages)) + len(json.dumps(request.tools))
    )
    return Usage(
        input_tokens=max(1, prompt // 4), output_tokens=max(1, len(json.dumps(content)) // 4)
    )


def load_script(path: Path) -> Script:
    """Parse a script file; any mistake is a `ConfigError` naming `path:line`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}:1: cannot read script: {exc}") from exc
    src = YamlSource(path)
    root = src.parse(text)
    if root is None:
        raise ConfigError(f"{path}:1: the script is empty; it needs `agents:`")
    top = src.mapping(root, "script")
    for key, (key_node, _) in top.items():
        if key not in ("agents", "done_text"):
            raise src.error(key_node, f"unknown key `{key}` (expected `agents`, `done_text`)")
    if "agents" not in top:
        raise ConfigError(f"{path}:1: the script has no `agents:` mapping")
    done_text = DEFAULT_DONE_TEXT
    if "done_text" in top:
        done_text = src.string(top["done_text"][1], "done_text")
    agents: dict[str, tuple[ScriptedTurn, ...]] = {}
    for agent, (_, turns_node) in src.mapping(top["agents"][1], "agents").items():
        if not isinstance(turns_node, yaml.SequenceNode):
            raise src.error(turns_node, f"agent `{agent}`: its turns must be a list")
        agents[agent] = tuple(_turn(src, node) for node in turns_node.value)
    return Script(agents, done_text)


def _turn(src: YamlSource, node: yaml.Node) -> ScriptedTurn:
    entries = src.mapping(node, "turn")
    fields = {key: value for key, (_, value) in entries.items()}
    for key, (key_node, _) in entries.items():
        if key not in _TURN_KEYS:
            raise src.error(key_node, f"unknown turn key `{key}` ({', '.join(sorted(_TURN_KEYS))})")
    kw: dict[str, Any] = {}
    if "text" in fields:
        kw["text"] = _str(src, fields["text"], "text", empty_ok=True)
    if "calls" in fields:
        kw["calls"] = _calls(src, fields["calls"])
    for key in ("delay_s", "chunk_delay_s"):
        if key in fields:
            kw[key] = _number(src, fields[key], key)
    if "chunk_chars" in fields:
        kw["chunk_chars"] = int(_number(src, fields["chunk_chars"], "chunk_chars", whole=True))
    for key in ("stop_reason", "fail"):
        if key in fields:
            kw[key] = src.string(fields[key], key)
    if "usage" in fields:
        kw["usage"] = _usage(src, fields["usage"])
    if "retry" in fields:
        retry = src.mapping(fields["retry"], "retry")
        for key, (key_node, value_node) in retry.items():
            if key == "times":
                kw["retry_times"] = int(_number(src, value_node, key, whole=True))
            elif key == "wait_s":
                kw["retry_wait_s"] = _number(src, value_node, key)
            elif key == "reason":
                kw["retry_reason"] = src.string(value_node, key)
            else:
                raise src.error(key_node, f"unknown retry key `{key}` (times, wait_s, reason)")
        kw.setdefault("retry_times", 1)
    return ScriptedTurn(**kw)


def _calls(src: YamlSource, node: yaml.Node) -> tuple[ScriptedCall, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise src.error(node, "`calls` must be a list of tool calls")
    calls: list[ScriptedCall] = []
    for item in node.value:
        entry = src.mapping(item, "tool call")
        if "tool" in entry:
            extra = set(entry) - {"tool", "input"}
            if extra:
                raise src.error(item, f"tool call: unknown key `{sorted(extra)[0]}` (tool, input)")
            tool = src.string(entry["tool"][1], "tool")
            input_node = entry["input"][1] if "input" in entry else None
        elif len(entry) == 1:
            tool, (_, input_node) = next(iter(entry.items()))
        else:
            raise src.error(item, "a tool call is `TOOL: {input}` or `{tool: TOOL, input: {...}}`")
        value = src.value(input_node) if input_node is not None else None
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise src.error(input_node or item, f"the input of `{tool}` must be a mapping")
        calls.append(ScriptedCall(tool, value))
    return tuple(calls)


def _usage(src: YamlSource, node: yaml.Node) -> Usage:
    counts: dict[str, int] = {}
    for key, (key_node, value_node) in src.mapping(node, "usage").items():
        if key not in _USAGE_KEYS:
            raise src.error(
                key_node, f"unknown usage key `{key}` ({', '.join(sorted(_USAGE_KEYS))})"
            )
        counts[key] = int(_number(src, value_node, key, whole=True))
    return Usage(**counts)


def _str(src: YamlSource, node: yaml.Node, key: str, *, empty_ok: bool) -> str:
    value = src.value(node)
    if value is None and empty_ok:
        return ""
    if not isinstance(value, str):
        raise src.error(node, f"`{key}` must be a string")
    return value


def _number(src: YamlSource, node: yaml.Node, key: str, *, whole: bool = False) -> float:
    value = src.value(node)
    ok = isinstance(value, int) if whole else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or value < 0:
        kind = "a whole number" if whole else "a number"
        raise src.error(node, f"`{key}` must be {kind} of zero or more, not {value!r}")
    return float(value)
