"""Human-readable views of a log: the seed line format and the audit report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from cockpit.safe_text import visible
from cockpit.session.audit import AuditReport
from cockpit.session.events import APPROVERS, Event
from cockpit.session.kinds import (
    AgentBlocked,
    AgentStarted,
    AgentStatusChanged,
    ApprovalRequested,
    ApprovalResolved,
    GrantRevoked,
    HumanMessage,
    LogRecovered,
    MergeAdvanced,
    MergeBrought,
    MergeChecked,
    MergeCommitted,
    MergeConflict,
    MergeFinished,
    MergeQuarantined,
    MergeSkipped,
    MergeStarted,
    ModelMessage,
    ModelUsage,
    PhaseGate,
    PhaseOpened,
    PlanChanged,
    PlanDelivered,
    PolicyDecided,
    RadarOverlap,
    SafeguardSnapshot,
    SandboxBlocked,
    SessionEnded,
    SessionResumed,
    SessionStarted,
    StrategyShifted,
    TaskAnswered,
    TaskEscalated,
    TaskRed,
    TaskStateChanged,
    TaskUpdated,
    TaskVerified,
    ToolFinished,
    ToolRequested,
    ToolStarted,
    UnknownEvent,
)
from cockpit.session.state import amount_of, items_of
from cockpit.session.status import AgentStatus

HEADER = "TIMESTAMP | STATE | ITERATION | ACTION | RESULT | ARTIFACTS"

_STATE_BY_KIND = {
    ToolRequested.kind: "acting",
    PolicyDecided.kind: "acting",
    ApprovalRequested.kind: AgentStatus.WAITING,
    SafeguardSnapshot.kind: AgentStatus.RUNNING,
    ToolStarted.kind: AgentStatus.RUNNING,
    ToolFinished.kind: AgentStatus.RUNNING,
    ModelMessage.kind: AgentStatus.THINKING,
    ModelUsage.kind: AgentStatus.THINKING,
}


def _short(text: Any, width: int = 100) -> str:
    """One line, cut to ``width``, with every control or invisible character (a newline
    too) shown as its escape (``\n``, ``\x1b``): what the log holds cannot repaint the
    terminal or pass for another line of output, and it reads as it was logged."""
    flat = visible(str(text))
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _tool_label(body: ToolRequested) -> str:
    tool = str(_or(body.tool, "?"))
    inp = body.input or {}
    if not isinstance(inp, dict):
        return tool
    arg = inp.get("command") or inp.get("path") or inp.get("task") or inp.get("reason") or ""
    return f"{tool} {arg}".strip()


def _message_summary(message: dict[str, Any]) -> str:
    role = message.get("role", "?")
    content = message.get("content")
    if isinstance(content, str):
        return f"{role}: {content}"
    parts: list[str] = []
    for block in content or []:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            parts.append(str(block.get("text", "")))
        elif kind == "tool_use":
            parts.append(f"[tool_use {block.get('name')}]")
        elif kind == "tool_result":
            parts.append("[tool_result]")
    return f"{role}: {' '.join(parts)}"


def describe(event: Event) -> tuple[str, str, str, str]:
    """(STATE, ACTION, RESULT, ARTIFACTS) of one event. Every kind in `kinds.REGISTRY`
    says something here (a test walks them); an unknown kind shows its name and data."""
    who = event.agent or "session"
    kind = event.kind
    state, action, result, artifacts = _STATE_BY_KIND.get(kind, ""), kind, "", ""
    match event.body:
        case AgentStatusChanged() as b:
            state = str(b.status if b.status is not None else "")
            result = str(b.detail if b.detail is not None else "")
        case AgentBlocked(reason=reason):
            state, result = AgentStatus.BLOCKED, str(reason if reason is not None else "")
        case ModelMessage(message=message):
            result = _message_summary(message) if isinstance(message, dict) else ""
        case ModelUsage() as b:
            price = f"no price for {b.model}" if b.unpriced else f"${amount_of(b.cost_usd):.4f}"
            result = f"in {_or(b.input_tokens, 0)} out {_or(b.output_tokens, 0)} {price}"
        case ToolRequested() as b:
            action = _tool_label(b)
        case PolicyDecided() as b:
            result = f"tier {b.tier}: " + "; ".join(str(r) for r in items_of(b.reasons))
            if b.network:
                result += " [with network]"
        case ApprovalRequested() as b:
            action = f"approval? {b.command or _or(b.tool, '')}"
            result = f"tier {b.tier}"
            if isinstance(b.widening, dict):
                result += f", widens the sandbox: {widening_text(b.widening)}"
        case ApprovalResolved() as b:
            result = f"{'approved' if b.granted else 'denied'} by {b.by}"
            if b.reason:
                result += f": {b.reason}"
            if isinstance(b.widened, dict) and b.granted:
                result += f" [sandbox widened: {widening_text(b.widened)}]"
        case SandboxBlocked() as b:
            state = "blocked"
            result = f"by the sandbox ({_or(b.boundary, '')}): {_or(b.detail, '')}".rstrip(": ")
            artifacts = str(b.path or "")
        case SafeguardSnapshot() as b:
            result = "snapshot" if b.ref else f"no snapshot: {_or(b.skipped, '')}"
            artifacts = str(b.ref or "")
        case ToolStarted() as b:
            tool, command = str(_or(b.tool, "")), str(_or(b.command, ""))
            if command.startswith(f"{tool} ") or command == tool:
                tool = ""  # the file tools' command already names the tool
            action = f"{tool} {command}".strip() or kind
            result = "started"
        case ToolFinished() as b:
            if b.error:
                result = f"error: {b.error}"
            elif b.exit_code is not None:
                result = f"exit {b.exit_code}"
            else:
                result = "done"
            if isinstance(b.artifact, dict):
                artifacts = str(b.artifact.get("path", ""))
        case PlanChanged() as b:
            result = f"by {b.by} {str(_or(b.digest, ''))[:12]}"
        case TaskUpdated() as b:
            action = f"task {b.task}"
            result = str(_or(b.status, ""))
        case TaskVerified() as b:
            action = f"verify {b.task}: {_or(b.command, '')}"
            result = "passed" if b.passed else f"FAILED (exit {b.exit_code})"
        case AgentStarted() as b:
            tools = ", ".join(str(t) for t in items_of(b.tools))
            result = f"{b.model}, tools: {tools or 'none'}"
            artifacts = str(b.source or "")
        case PlanDelivered() as b:
            how = "the turn was restarted with it" if b.restarted else "at the next turn"
            result = f"plan {str(_or(b.digest, ''))[:12]} delivered, {how}"
        case GrantRevoked() as b:
            result = f"grant {b.pattern} revoked by {b.by}"
        case HumanMessage(text=text):
            result = str(_or(text, ""))
        case LogRecovered() as b:
            result = f"{b.bytes_dropped} bytes of a torn line cut"
        case SessionStarted() | SessionResumed() | SessionEnded():
            d = event.data
            result = str(d.get("reason") or ", ".join(str(a) for a in items_of(d.get("agents"))))
            if isinstance(d.get("sandbox"), str) and d["sandbox"].startswith("off"):
                result = f"{result} [UNSANDBOXED: {d['sandbox']}]".lstrip()
        case MergeStarted() as b:
            action = f"merge into {_or(b.integration, '?')}"
            queue = ", ".join(str(q) for q in items_of(b.queue))
            result = f"queue: {queue or 'empty'} onto {_sha(b.before)}"
            left = [item for item in items_of(b.left_out) if isinstance(item, dict)]
            if left:  # in the wide last column: the queue line stays as it always read
                artifacts = "left out: " + "; ".join(
                    f"{i.get('agent')} ({i.get('verdict')}: {i.get('why')})" for i in left
                )
        case MergeConflict() as b:
            action = f"merge {_or(b.branch, '?')}"
            paths = ", ".join(str(p) for p in items_of(b.paths))
            result = f"CONFLICT in {paths} onto {_sha(b.before)}"
        case MergeChecked() as b:
            action = f"check merge of {_or(b.branch, '?')}"
            verdict = "passed" if b.passed else f"FAILED (exit {b.exit_code})"
            result = f"{verdict} on {_sha(b.after)}"
            ran = [c for c in items_of(b.commands) if isinstance(c, dict)]
            if ran:
                result += ": " + "; ".join(_check_command(c) for c in ran)
        case MergeAdvanced() as b:
            action = f"merge {_or(b.branch, '?')}"
            result = f"advanced {_sha(b.before)} -> {_sha(b.after)}"
        case MergeSkipped() as b:
            action = f"merge {_or(b.branch, '?')}"
            result = f"skipped ({_or(b.reason, '?')}): {_or(b.why, '')}".rstrip(": ")
        case MergeQuarantined() as b:
            state = "quarantined"
            action = f"scope check {_or(b.branch, '?')}"
            paths = ", ".join(str(p) for p in items_of(b.paths))
            result = f"QUARANTINED: outside its scope: {paths}"
        case MergeCommitted() as b:
            action = f"commit {_or(b.agent, '?')}'s work onto {_or(b.branch, '?')}"
            files = ", ".join(str(f) for f in items_of(b.files))
            result = f"{_sha(b.before)} -> {_sha(b.after)}: {files or 'no files'}"
        case MergeFinished() as b:
            action = f"merge into {_or(b.integration, '?')} finished"
            prefix = str(_or(b.integration, "")).rpartition("/")[0] + "/"
            merged = ", ".join(str(m).removeprefix(prefix) for m in items_of(b.merged))
            skipped = ", ".join(str(m).removeprefix(prefix) for m in items_of(b.skipped))
            merged, skipped = merged or "nothing", skipped or "none"
            result = f"{_sha(b.before)} -> {_sha(b.after)}; merged: {merged}; skipped: {skipped}"
            if b.error:
                result = f"STOPPED: {b.error}"
        case MergeBrought() as b:
            action = f"bring {_or(b.integration, '?')} into {_or(b.target, '?')}"
            how = "fast-forward" if b.fast_forward else "merge commit"
            agents = ", ".join(str(m) for m in items_of(b.merged)) or "no agent"
            result = f"{how} {_sha(b.before)} -> {_sha(b.after)} ({agents}) by {_or(b.by, '?')}"
        case RadarOverlap() as b:
            action = "radar " + " & ".join(str(a) for a in items_of(b.agents))
            paths = ", ".join(str(p) for p in items_of(b.paths))
            result = f"{'CONFLICT' if b.conflict else 'overlap, merges cleanly'}: {paths}"
        case TaskStateChanged() as b:
            action = f"task #{_or(b.task, '?')}"
            result = f"{_or(b.was, '?')} -> {str(_or(b.state, '?')).upper()}"
            if b.why:
                result += f": {b.why}"
            waits = ", ".join(str(w) for w in items_of(b.waits_for))
            if waits:
                result += f" (waits for {waits})"
            if b.flag:
                result += f" [FLAG: {b.flag}]"
            artifacts = str(b.report or "")
        case PhaseOpened() as b:
            action = f"phase {_or(b.phase, '?')!r}"
            result = "OPENED"
        case PhaseGate() as b:
            action = f"gate of {_or(b.phase, '?')!r}: {_or(b.command, '')}"
            verdict = "passed" if b.passed else f"FAILED (exit {b.exit_code})"
            result = f"{verdict} on {_sha(b.commit)}" if b.commit else verdict
        case TaskRed() as b:
            action = f"red first #{_or(b.task, '?')}: {_or(b.command, '')}"
            result = (
                f"PASSES ALREADY: proves nothing ({_or(b.mode, 'warn')})"
                if b.passes_already
                else f"fails first, as it should (exit {b.exit_code})"
            )
        case StrategyShifted() as b:
            action = f"task #{_or(b.task, '?')} strategy shifted"
            result = (
                f"to strategy {_or(b.strategy, '?')} after {_or(b.failures, '?')} failures "
                f"({_or(b.reason, '?')}); rolled back to {_sha(b.rolled_back_to)}"
            )
        case TaskEscalated() as b:
            action = f"{_task_name(b.task)} escalated to {_or(b.to, '?')}"
            result = str(_or(b.reason, ""))
            artifacts = str(b.report or "")
        case TaskAnswered() as b:
            action = f"{_task_name(b.task)} answered"
            result = f"by {_or(b.by, '?')}: {_or(b.how, '')}".rstrip(": ")
        case UnknownEvent(extra=raw):
            result = json.dumps(raw, ensure_ascii=True, default=str) if raw else ""
    state = f"{who} {state}" if state else who
    return state, action, result, artifacts


def _task_name(task: Any) -> str:
    """``task #api``, or for a phase's gate (``gate:Build``) ``gate of 'Build'``."""
    name = str(task or "?")
    if name.startswith("gate:"):
        return f"gate of {name.removeprefix('gate:')!r}"
    return f"task #{name}"


def widening_text(widening: dict[str, Any]) -> str:
    """``{network: true, writable: [p]}`` as words: "network, writable /p"."""
    parts = ["network"] if widening.get("network") is True else []
    parts += [f"writable {p}" for p in items_of(widening.get("writable"))]
    return ", ".join(parts) or "nothing"


def _check_command(ran: dict[str, Any]) -> str:
    """One command of a merge check: ``make test`` (tier 1) exit 0."""
    code = ran.get("exit_code")
    outcome = f"exit {code}" if code is not None else str(ran.get("refused") or "not run")
    return f"`{ran.get('command')}` (tier {ran.get('tier')}) {outcome}"


def _sha(value: Any) -> str:
    """A logged commit SHA, short."""
    return str(value)[:12] if value else "?"


def _or(value: Any, default: Any) -> Any:
    """A logged value, or ``default`` when it was absent (or logged null)."""
    return default if value is None else value


def format_line(event: Event) -> str:
    """One event in the seed format (see `HEADER`)."""
    state, action, result, artifacts = describe(event)
    # Every field is flattened: whatever an agent put in a status or path, one event stays
    # one line.
    return " | ".join(
        (
            visible(event.ts),  # a forged log may hold anything, even here
            _short(state, 60),
            visible(str(event.iteration)),
            _short(action, 80),
            _short(result),
            _short(artifacts, 200),
        )
    )


def render_audit(report: AuditReport) -> str:
    """The audit report a person reads top to bottom."""
    return "\n".join(audit_lines(report))


def audit_lines(report: AuditReport) -> Iterator[str]:
    """`render_audit` line by line: commands and denials are streamed from the report's
    spools, so printing the report of any log takes flat memory. Every line is shown with
    its control characters visible: a command, a reason or a path may hold anything."""
    for line in _audit_lines(report):
        yield visible(line)


def _audit_lines(report: AuditReport) -> Iterator[str]:
    s = report.state
    if not report.valid:
        verdict = "INVALID"
    elif report.chain == "foreign":
        verdict = "UNVERIFIED"
    else:
        verdict = "VALID"
    yield f"{verdict}: {report.path}"
    span = f"{s.started_ts or '?'} -> {s.last_ts or '?'}" if report.events else "no events"
    yield f"  {report.events} events, session {s.session or '?'}, {span}"
    yield f"  checked: {report.chain_detail}"
    if report.first_bad_line is not None or (report.reason and not report.violations):
        where = f"line {report.first_bad_line}" if report.first_bad_line else "log"
        if report.first_bad_seq is not None:
            where += f" (seq {report.first_bad_seq})"
        yield f"  first problem: {where}: {report.reason}"
    elif report.events == 0:
        yield "  chain: ok, no events yet"
    else:
        signed = ", every 'mac' verifies" if report.chain == "keyed" else ""
        yield f"  chain: ok, seq 0..{report.events - 1} gap-free, every 'prev' matches{signed}"
    yield f"  head: {report.head}: {report.head_detail}"
    if report.anchor_detail:
        yield f"  anchor: {report.anchor_detail}"
    if report.torn_tail:
        yield (
            f"  torn last line {report.torn_tail['line']} ({report.torn_tail['bytes']} bytes, "
            "a crash mid-write): never acknowledged; resuming the session cuts and records it"
        )
    if report.violations:
        yield ""
        yield f"Violations ({len(report.violations)}): what ran without permission"
        for v in report.violations:
            yield f"  seq {v.seq:>5}  {v.agent or '-':<10} {_short(v.what, 120)}"
    tiers = ", ".join(f"tier {t}: {s.tiers.get(t, 0)}" for t in ("1", "2", "3"))
    yield ""
    yield "Who allowed what"
    yield f"  decisions: {tiers}, deny: {s.tiers.get('deny', 0)}; snapshots: {s.snapshots}"
    yield "  approvals: " + ", ".join(f"{by} {s.approvals_by.get(by, 0)}" for by in APPROVERS)
    yield "  denials:   " + ", ".join(f"{by} {s.denials_by.get(by, 0)}" for by in APPROVERS)
    yield ""
    yield f"Commands run ({report.commands})"
    for row in report.rows("command"):
        if row["finished"]:
            exit_text = (
                f"exit {row['exit_code']}"
                if row["exit_code"] is not None
                else ("error" if row["error"] else "ok")
            )
        else:
            exit_text = "INTERRUPTED"
        snap = f" snapshot {row['snapshot']}" if row.get("snapshot") else ""
        yield (
            f"  seq {row['seq']:>5}  {row['agent'] or '-':<10} tier {row['tier']!s:<4} "
            f"{exit_text:<11} allowed by {row['allowed_by']}{snap}: {_short(row['command'], 90)}"
        )
    if report.own:
        yield ""
        yield f"Commands cockpit ran itself ({report.own}): checks, gates, red first"
        for row in report.rows("own"):
            code = row.get("exit_code")
            outcome = f"exit {code}" if code is not None else str(row.get("refused") or "not run")
            yield (
                f"  seq {row['seq']:>5}  tier {row['tier']!s:<4} {_short(outcome, 40):<11} "
                f"{_short(str(row['why']), 40)}: {_short(str(row['command']), 80)}"
            )
    yield ""
    yield f"Denied ({report.denials})"
    for row in report.rows("denial"):
        yield (
            f"  seq {row['seq']:>5}  {row['agent'] or '-':<10} tier {row['tier']!s:<4} "
            f"by {row['by']}: {_short(row['command'], 70)} ({_short(row['reason'], 80)})"
        )
    if s.recoveries:
        yield ""
        yield f"Recoveries ({len(s.recoveries)})"
        for r in s.recoveries:
            yield (
                f"  seq {r.get('seq')} at {r.get('ts')}: line {r.get('line')} torn, "
                f"{r.get('bytes_dropped')} bytes dropped"
            )
