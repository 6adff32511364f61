"""How events read in an agent's pane: pure functions from events to styled lines.

Nothing here imports Textual, so the wording is tested without a screen. A line is a
``(style, text)`` pair; the style names map to the transcript's component classes, whose
colours come from the theme (`app.tcss`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from cockpit.safe_text import visible, visible_lines
from cockpit.session.events import INTERNAL_TOOLS, Event
from cockpit.session.kinds import (
    AgentBlocked,
    AgentStatusChanged,
    ApprovalRequested,
    ApprovalResolved,
    GrantRevoked,
    HumanMessage,
    LogRecovered,
    ModelMessage,
    PhaseGate,
    PhaseOpened,
    PlanDelivered,
    PolicyDecided,
    SafeguardSnapshot,
    SandboxBlocked,
    SessionEnded,
    SessionResumed,
    StrategyShifted,
    TaskAnswered,
    TaskEscalated,
    TaskRed,
    TaskStateChanged,
    TaskUpdated,
    TaskVerified,
    ToolFinished,
)
from cockpit.session.state import AgentState, CallState
from cockpit.session.status import AgentStatus

Line = tuple[str, str]

STYLES = (
    "text",
    "dim",
    "tier-1",
    "tier-2",
    "tier-3",
    "deny",
    "ok",
    "fail",
    "human",
    "note",
    "added",
    "removed",
)
"""Every style a transcript line can have."""

DIFF_LINES = 8
"""Changed lines of an edit shown in the transcript (the diff view shows them all)."""

SLOW_S = 2.0
"""A command that ran this long shows its duration."""

OUTPUT_LINES = 6
"""Lines of a finished command's output shown when none was streamed."""

_TIER_STYLE: dict[object, str] = {1: "tier-1", 2: "tier-2", 3: "tier-3", "deny": "deny"}
_TIER_LABEL: dict[object, str] = {1: "T1", 2: "T2", 3: "T3", "deny": "DENY"}

STATUS_COLOURS: Mapping[str, str] = {
    AgentStatus.THINKING: "$accent",
    AgentStatus.RUNNING: "$primary",
    AgentStatus.WAITING: "bold reverse $warning",
    AgentStatus.PAUSED: "$text-muted",
    AgentStatus.BLOCKED: "bold $error",
    AgentStatus.RETRYING: "$warning",
    AgentStatus.STALLED: "bold $warning",
    AgentStatus.DONE: "$success",
    AgentStatus.FAILED: "bold $error",
    AgentStatus.IDLE: "$text-muted",
    AgentStatus.STARTING: "$text-muted",
}
"""The colour of each honest status in headers (theme variables only); a status this
cockpit does not know (a newer one's) shows in the plain text colour."""


def clean(text: str) -> str:
    """Text from an agent, a model, a file or a log as a pane shows it: lines kept, tabs
    expanded, every other control or invisible character shown as its escape (``\x1b``,
    ``\u202e``), never sent to the terminal and never silently dropped (a dropped escape
    hid what the text really held)."""
    return visible_lines(text)


def clean_output(text: str) -> str:
    """A command's output as a pane shows it: as `clean`, but plain colour codes are
    dropped so test runners stay readable (they only colour; every other escape shows)."""
    return visible_lines(text, colours=True)


one_line = visible
"""A header field, a title, a table cell: one line, newlines and tabs shown as escapes."""


def tokens(count: int) -> str:
    """``950``, ``12.3k``, ``1.25M``."""
    if count < 1000:
        return str(count)
    if count < 1_000_000:
        return f"{count / 1000:.1f}k"
    return f"{count / 1_000_000:.2f}M"


def cost(usd: float) -> str:
    return f"${usd:.3f}" if usd < 10 else f"${usd:.2f}"


def agent_cost(agent: AgentState) -> str:
    """The agent's cost, or ``cost ?`` when its model has no price (unknown, not zero)."""
    return "cost ?" if agent.unpriced_model else cost(agent.cost_usd)


def session_cost(agents: Iterable[AgentState]) -> str:
    """The cost of every agent; ``+ ?`` when one of them has no price."""
    agents = list(agents)
    spent = cost(sum(a.cost_usd for a in agents))
    return f"{spent} + ?" if any(a.unpriced_model for a in agents) else spent


def elapsed(seconds: float) -> str:
    """``12s``, ``1m05s``, ``2h03m``."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def epoch(ts: str | None) -> float | None:
    """Seconds since the epoch of a log timestamp (None if it is not one)."""
    if not ts:
        return None
    try:
        return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def total_tokens(agent: AgentState) -> int:
    return (
        agent.input_tokens
        + agent.output_tokens
        + agent.cache_read_tokens
        + agent.cache_write_tokens
    )


def call_label(call: CallState | None, data: Mapping[str, Any] | None = None) -> str:
    """``$ pytest -q`` for a shell command, ``read_file plan.md`` for the others."""
    if call is None:
        tool = str((data or {}).get("tool", "?"))
        command = str((data or {}).get("command", "") or tool)
    else:
        tool, command = call.tool, call.command
    if tool == "bash":
        return f"$ {command}"
    return command or tool


def _first_line(text: str, width: int = 160) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= width else line[: width - 1] + "…"


def describe(event: Event, call: CallState | None, *, output_streamed: bool = False) -> list[Line]:
    """The transcript lines one event adds to its agent's pane (often none), terminal-safe
    (a command or a reason may hold tabs or escape codes: never sent to the screen raw).

    Args:
        event: the event, as logged.
        call: what is known about its tool call *before* the event is applied.
        output_streamed: the call's output already reached the pane as it ran.
    """
    return [(style, clean(text)) for style, text in _describe(event, call, output_streamed)]


def _describe(event: Event, call: CallState | None, output_streamed: bool) -> list[Line]:
    d = event.data
    match event.body:
        case PolicyDecided():
            return _decided(d, call)
        case ApprovalRequested() as asked:
            lines: list[Line] = []
            widening = asked.widening if isinstance(asked.widening, dict) else {}
            if widening:
                again = "again " if widening.get("rerun") else ""
                lines.append(("tier-3", f"  ⚠ a yes runs it {again}with {_widened(widening)}"))
            keys = "Y approve · N deny"
            if not widening.get("rerun"):  # a widened re-run is never a session grant
                keys += " · A allow for session"
            return [*lines, ("tier-3", f"  ⚠ waiting for you: {keys}")]
        case SandboxBlocked() as blocked:
            wall, said = _or(blocked.boundary, "?"), _or(blocked.detail, "")
            return [("fail", f"  ⛔ the sandbox blocked it ({wall}): {said}")]
        case ApprovalResolved() as resolved:
            return [_resolved(resolved)]
        case SafeguardSnapshot() as snap:
            if snap.ref:
                commit = str(_or(snap.commit, ""))[:10]
                return [("dim", f"  snapshot {commit} saved before it runs")]
            return [("tier-2", f"  no snapshot: {_or(snap.skipped, 'unknown reason')}")]
        case ToolFinished():
            return _finished(d, call, output_streamed)
        case AgentStatusChanged() as status:
            return _status(status)
        case AgentBlocked(reason=reason):
            return [("fail", f"⛔ blocked: {_or(reason, '')}")]
        case HumanMessage(text=text, by=by):
            who = "you" if by in (None, "human") else str(by)  # the demo, the merge ceremony
            return [("human", f"{who} → {event.agent}: {_or(text, '')}")]
        case TaskUpdated() as task:
            note = f" — {task.note}" if task.note else ""
            return [("note", f"▸ task “{_or(task.task, '')}”: {_or(task.status, '')}{note}")]
        case TaskVerified() as verified:
            command = _or(verified.command, "")
            if verified.passed:
                return [("ok", f"  ✓ verified: {command}")]
            return [("fail", f"  ✗ verify failed (exit {verified.exit_code}): {command}")]
        case TaskStateChanged(state="pending" | "ready"):
            return []  # waiting, not working: the plan view shows it (and what it waits for)
        case (
            TaskStateChanged()
            | PhaseOpened()
            | PhaseGate()
            | TaskRed()
            | StrategyShifted()
            | TaskEscalated()
            | TaskAnswered()
        ):
            return [_board_line(event.body)]
        case PlanDelivered(restarted=restarted):
            if restarted:
                return [("note", "✎ plan.md change delivered: the turn restarted with it")]
            return [("note", "✎ plan.md change delivered with this turn")]
        case GrantRevoked(pattern=pattern):
            return [("note", f"── session grant revoked by you: {_or(pattern, '?')} asks again ──")]
        case SessionResumed():
            return [("note", "── session resumed ──")]
        case SessionEnded(reason=reason):
            return [("note", f"── session ended: {_or(reason, '')} ──")]
        case LogRecovered(bytes_dropped=dropped):
            return [("note", f"── log recovered: a torn last line was cut ({dropped} bytes)")]
    return []


_MOVE_STYLE = {
    "done": "ok",
    "review": "ok",
    "blocked": "fail",
    "failed": "fail",
    "in_progress": "note",
}


def _board_line(body: Any) -> Line:
    """One short line for a move on the task board (an ordered plan's scheduling)."""
    match body:
        case TaskStateChanged(task=task, state=state, why=why):
            said = f"▸ task #{_or(task, '?')} → {_or(state, '?')}"
            if why and state in ("blocked", "failed"):
                said += f": {why}"
            return (_MOVE_STYLE.get(str(state), "note"), said)
        case PhaseOpened(phase=phase):
            return ("note", f"── phase {_or(phase, '?')!r} opened ──")
        case PhaseGate(phase=phase, command=command, passed=passed, exit_code=code):
            verdict = "passed" if passed else f"FAILED (exit {code})"
            return ("ok" if passed else "fail", f"gate {_or(phase, '?')!r}: {command} — {verdict}")
        case TaskRed(passes_already=True, mode=mode):
            held = "held until it fails first" if mode == "block" else "flagged"
            return ("tier-2", f"⚑ red first: verify passes already — {held}")
        case TaskRed(exit_code=code):
            return ("dim", f"  red first: verify fails first (exit {code}), as it should")
        case StrategyShifted(strategy=strategy, failures=failures, rolled_back_to=back):
            rolled = ", rolled back" if back else ""
            runs = f"{_or(failures, '?')} failed verify runs"
            return (
                "tier-2",
                f"↺ strategy shifted: now strategy {_or(strategy, '?')} ({runs}){rolled}",
            )
        case TaskEscalated(to=to, reason=reason):
            who = "you" if to == "human" else str(_or(to, "?"))
            return ("fail", f"⛔ blocked → {who}: {_or(reason, '')}".rstrip(": "))
        case TaskAnswered(by=by):
            return ("human", f"✓ answered by {'you' if by in (None, 'human') else by}")
    return ("note", "")


def _widened(widening: Mapping[str, Any]) -> str:
    parts = ["the network"] if widening.get("network") is True else []
    paths = widening.get("writable")
    parts += [f"{p} writable" for p in (paths if isinstance(paths, list) else [])]
    return " and ".join(parts) or "nothing more"


def _or(value: Any, default: Any) -> Any:
    """A logged value, or ``default`` when it was absent (or logged null)."""
    return default if value is None else value


def model_text(event: Event) -> str:
    """The text an assistant message said (for panes fed from a log, not a stream)."""
    body = event.body
    if not isinstance(body, ModelMessage) or body.role != "assistant":
        return ""
    return body.text


def _decided(d: Mapping[str, Any], call: CallState | None) -> list[Line]:
    tier = d.get("tier")
    if call is not None and call.tool in INTERNAL_TOOLS:
        return []  # task.updated and agent.blocked say it better
    style = _TIER_STYLE.get(tier, "tier-3")
    lines: list[Line] = [(style, f"[{_TIER_LABEL.get(tier, '?')}] {call_label(call)}")]
    if tier != 1:
        lines += [(style, f"      {reason}") for reason in d.get("reasons") or []]
    return lines


def _resolved(resolved: ApprovalResolved) -> Line:
    by = str(_or(resolved.by, "?"))
    reason = f": {resolved.reason}" if resolved.reason else ""
    if resolved.granted:
        if isinstance(resolved.widened, dict) and resolved.widened:
            reason += f" (sandbox widened: {_widened(resolved.widened)})"
        return ("ok", f"  ✓ approved by {by}{reason}")
    return ("fail", f"  ✗ denied by {by}{reason}")


def _finished(d: Mapping[str, Any], call: CallState | None, streamed: bool) -> list[Line]:
    tool = call.tool if call is not None else ""
    if tool in INTERNAL_TOOLS:
        return []
    seconds = d.get("duration_s")
    slow = isinstance(seconds, int | float) and seconds >= SLOW_S
    took = f" · {seconds:.0f} s" if slow else ""
    lines: list[Line] = []
    output = clean_output(str(d.get("output") or ""))
    if output.strip() and not streamed:
        if tool == "bash":
            tail = output.rstrip("\n").split("\n")[-OUTPUT_LINES:]
            lines += [("dim", f"  {line}") for line in tail]
        else:
            lines.append(("dim", f"  {_first_line(output)}"))
    if d.get("error"):
        lines.append(("fail", f"  ✗ {_first_line(str(d['error']))}"))
    elif d.get("exit_code") not in (None, 0):
        lines.append(("fail", f"  ✗ exit {d.get('exit_code')}{took}"))
    elif tool == "bash":
        lines.append(("ok", f"  ✓ exit 0{took}"))
    else:
        diff = d.get("diff")
        if isinstance(diff, str) and diff:
            return lines + diff_lines(diff, took, cut=bool(d.get("diff_truncated")))
        lines.append(("ok", f"  ✓ done{took}"))
    return lines


def diff_counts(diff: str) -> tuple[int, int]:
    """Lines added and removed by a unified diff."""
    added = removed = 0
    for line in _changed(diff):
        if line.startswith("+"):
            added += 1
        else:
            removed += 1
    return added, removed


_HUNK = re.compile(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


def _changed(diff: str) -> Iterable[str]:
    """The added and removed lines of a unified diff, read by its hunk headers' counts (so
    a removed line that starts with ``--`` is not taken for the next file's header)."""
    old = new = 0
    for line in diff.split("\n"):
        if old > 0 or new > 0:
            if line.startswith("-"):
                old -= 1
                yield line
            elif line.startswith("+"):
                new -= 1
                yield line
            elif not line.startswith("\\"):  # "\ No newline at end of file"
                old, new = old - 1, new - 1
        elif (hunk := _HUNK.match(line)) is not None:
            old = int(hunk.group(1) or 1)
            new = int(hunk.group(2) or 1)


def diff_lines(diff: str, took: str = "", *, cut: bool = False) -> list[Line]:
    """An edit's outcome: ``✓ done · +N -M`` and its first changed lines, coloured."""
    added, removed = diff_counts(diff)
    so_far = " in the part logged" if cut else ""
    lines: list[Line] = [("ok", f"  ✓ done · +{added} -{removed}{so_far}{took}")]
    for shown, line in enumerate(_changed(diff)):
        if shown == DIFF_LINES:
            rest = added + removed - shown
            lines.append(("dim", f"    … {rest} more changed lines"))
            break
        lines.append(("added" if line[0] == "+" else "removed", f"    {_first_line(line)}"))
    return lines


def _status(body: AgentStatusChanged) -> list[Line]:
    status = str(_or(body.status, ""))
    detail = str(body.detail or "")
    if status == AgentStatus.FAILED:
        return [("fail", f"✗ failed: {detail}" if detail else "✗ failed")]
    if status == AgentStatus.RETRYING:
        return [("tier-2", f"… retrying: {detail}" if detail else "… retrying")]
    if status == AgentStatus.STALLED:
        return [("tier-2", f"… stalled: {detail}" if detail else "… stalled: no answer yet")]
    if status == AgentStatus.PAUSED:
        return [("note", "‖ paused by you (p resumes)")]
    if status == AgentStatus.DONE:
        return [("ok", "✓ done")]
    return []
