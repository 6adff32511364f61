"""Everything about one event, for the details view (Enter): the full command, every reason
and rule, the output and the artifact file's text, like SWE-agent's inspector shows a step."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cockpit.session.events import Event
from cockpit.session.kinds import (
    AgentBlocked,
    AgentStatusChanged,
    HumanMessage,
    ModelMessage,
    PlanChanged,
    SessionEnded,
    ToolFinished,
)
from cockpit.session.show import format_line
from cockpit.session.state import CallState, StateBuilder, items_of

LOOKAHEAD = 2048
"""Events searched after the chosen one for the rest of its call (decision, outcome)."""
ARTIFACT_CAP = 1 << 20
"""Bytes of an artifact shown; the whole file is still hashed against the event."""


class Story(Protocol):
    """What the details need of a log's reader (the `Player`): events by position and the
    state before one. A protocol, so the player imports the details and not both ways."""

    @property
    def log_path(self) -> Path: ...

    @property
    def total(self) -> int: ...

    def event(self, i: int) -> Event: ...

    def events_between(self, a: int, b: int) -> list[Event]: ...

    def builder_at(self, i: int) -> StateBuilder: ...


@dataclass(frozen=True)
class Details:
    index: int
    event: Event
    line: str  # as `cockpit log show` prints it
    call: CallState | None  # the event's call, followed to its outcome when that is near
    text: str | None = None  # a message, a human message, a plan diff, a reason
    artifact_path: Path | None = None
    artifact_text: str | None = None
    artifact_problem: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def command(self) -> str | None:
        return self.call.command if self.call is not None else None

    @property
    def output(self) -> str | None:
        if self.call is not None and self.call.output is not None:
            return self.call.output
        output = self.data.get("output")
        return output if isinstance(output, str) else None

    def render(self) -> str:
        """A plain-text page: what a details pane or a terminal shows."""
        e = self.event
        out = [
            self.line,
            "",
            f"seq {e.seq}  {e.kind}  agent {e.agent or '-'}  iteration {e.iteration}",
        ]
        c = self.call
        if c is not None:
            out.append(f"call {c.call}: {c.status}")
            out.append("command:")
            out.extend(f"  {line}" for line in (c.command or "?").splitlines() or [""])
            cwd = c.input.get("cwd") or e.data.get("cwd")
            if cwd:
                out.append(f"cwd: {cwd}")
            if c.tier is not None:
                out.append(f"tier: {c.tier}")
            out.extend(f"reason: {reason}" for reason in c.reasons)
            out.extend(f"rule: {rule_text(rule)}" for rule in c.rules)
            if c.approval is not None or c.decided_by is not None:
                verdict = c.approval or ("denied" if c.denied else "allowed")
                why = f": {c.decision_reason}" if c.decision_reason else ""
                out.append(f"decision: {verdict} by {c.decided_by or '?'}{why}")
            if c.snapshot:
                out.append(f"snapshot: {c.snapshot}")
            if c.finished:
                out.append(f"exit code: {c.exit_code}" + (f", error: {c.error}" if c.error else ""))
        if self.text:
            out += ["", self.text]
        if self.output:
            out += ["", "output:", self.output]
        if c is not None and c.diff:
            cut = " (cut: the log keeps the start of it)" if c.diff_truncated else ""
            out += ["", f"diff{cut}:", c.diff.rstrip("\n")]
        if self.artifact_path is not None:
            out += ["", f"artifact: {self.artifact_path}"]
            if self.artifact_problem:
                out.append(f"  ({self.artifact_problem})")
            if self.artifact_text is not None:
                out.append(self.artifact_text)
        return "\n".join(out)


def rule_text(rule: Any) -> str:
    if isinstance(rule, dict):
        source = f" ({rule['source']})" if rule.get("source") else ""
        return f"{rule.get('id', '?')}{source}"
    return str(rule)


def build_details(player: Story, i: int) -> Details:
    event = player.event(i)
    call = _call_story(player, i, event) if event.call is not None else None
    path = text = problem = None
    artifact = event.data.get("artifact")
    if not isinstance(artifact, dict) and call is not None:
        artifact = call.artifact
    if isinstance(artifact, dict):
        path, text, problem = read_artifact(player.log_path, artifact)
    return Details(
        index=i,
        event=event,
        line=format_line(event),
        call=call,
        text=event_text(event),
        artifact_path=path,
        artifact_text=text,
        artifact_problem=problem,
        data=event.data,
    )


def _call_story(player: Story, i: int, event: Event) -> CallState | None:
    """The call as known at event ``i``, then followed through its next events."""
    builder = player.builder_at(i + 1)
    stop = min(player.total, i + 1 + LOOKAHEAD)
    at = i + 1
    while at < stop:
        call = builder.state.calls.get(event.call or "")
        if call is not None and (call.finished or call.denied):
            break
        page = player.events_between(at, min(stop, at + 256))
        for later in page:
            if later.call == event.call:
                builder.apply(later)
        at += len(page)
    return builder.state.calls.get(event.call or "")


def event_text(event: Event) -> str | None:
    """The long text an event carries, in full."""
    match event.body:
        case ModelMessage(message=message):
            return message_text(message) if isinstance(message, dict) else None
        case HumanMessage(text=text):
            return str("" if text is None else text)
        case PlanChanged(diff=diff):
            return str("" if diff is None else diff) or None
        case AgentBlocked(reason=reason) | SessionEnded(reason=reason):
            return str("" if reason is None else reason) or None
        case AgentStatusChanged(detail=detail):
            return str("" if detail is None else detail) or None
        case ToolFinished(error=error) if error:
            return f"error: {error}"
    return None


def message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    head = f"{message.get('role', '?')}:"
    if isinstance(content, str):
        return f"{head}\n{content}"
    parts = [head]
    for block in items_of(content):
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            parts.append(str(block.get("text", "")))
        elif kind == "tool_use":
            parts.append(f"[tool_use {block.get('name')}] {json.dumps(block.get('input'))}")
        elif kind == "tool_result":
            inner = block.get("content")
            body = inner if isinstance(inner, str) else json.dumps(inner)
            parts.append(f"[tool_result] {body}")
    return "\n".join(parts)


def read_artifact(
    log_path: Path, artifact: dict[str, Any], cap: int = ARTIFACT_CAP
) -> tuple[Path | None, str | None, str | None]:
    """(path, text, problem) of an artifact named by an event, relative to the log's folder.

    Only files inside that folder are read; the recorded sha256 is checked over the whole
    file; at most ``cap`` bytes are returned as text.
    """
    rel = artifact.get("path")
    if not isinstance(rel, str) or not rel:
        return None, None, "the event names no artifact file"
    base = log_path.parent.resolve()
    target = (base / rel).resolve()
    if not target.is_relative_to(base):
        return target, None, "outside the log's folder: not read"
    sha = hashlib.sha256()
    kept = bytearray()
    try:
        with target.open("rb") as f:
            while chunk := f.read(1 << 16):
                sha.update(chunk)
                if len(kept) <= cap:
                    kept += chunk[: cap + 1 - len(kept)]
    except FileNotFoundError:
        return target, None, "the artifact file is missing"
    except OSError as exc:
        return target, None, f"cannot read the artifact: {exc.strerror}"
    text = bytes(kept[:cap]).decode("utf-8", "replace")
    problem = None
    if len(kept) > cap:
        problem = f"only the first {cap} bytes are shown"
    recorded = artifact.get("sha256")
    if isinstance(recorded, str) and recorded != sha.hexdigest():
        problem = "changed since it was written: its sha256 is not the one the log recorded"
    return target, text, problem
