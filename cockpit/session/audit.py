"""`cockpit audit`: is the log intact, and what ran, and who allowed it?

One streaming pass: the chain check feeds a lean `StateBuilder`, and finished commands and
denials are spooled to a temporary file, so memory stays flat for any log size.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any, TextIO

from cockpit.session.events import APPROVERS
from cockpit.session.kinds import MergeChecked, PhaseGate, TaskRed
from cockpit.session.state import CallState, SessionState, StateBuilder
from cockpit.session.verify import verify_log
from cockpit.session.violations import Violation, ViolationCheck

EXIT_VALID, EXIT_INVALID, EXIT_UNVERIFIED = 0, 1, 3
"""`cockpit audit`'s exit codes: 0 valid (keyed with this user's key, or an older unkeyed
log, and no violation); 1 invalid (a bad line, a cut or rolled-back end, bytes after the
last line, or a violation); 3 keyed with a key this user does not hold and otherwise valid:
the plain chain holds, but nothing proves the lines were not rewritten, so not a success."""


@dataclass
class AuditReport:
    path: Path
    valid: bool = False
    events: int = 0
    first_bad_line: int | None = None
    first_bad_seq: int | None = None
    reason: str | None = None
    head: str = "missing"
    head_detail: str = ""
    torn_tail: dict[str, int] | None = None
    chain: str = "empty"  # keyed | unkeyed | foreign | empty
    chain_detail: str = ""
    anchor_detail: str = ""
    violations: list[Violation] = field(default_factory=list)
    state: SessionState = field(default_factory=SessionState)
    commands: int = 0  # rows spooled, so a report can give counts before streaming them
    denials: int = 0
    own: int = 0
    """Commands cockpit ran on its own account: merge checks, phase gates, red-first runs."""
    _spools: dict[str, IO[str]] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        if not self.valid:
            return EXIT_INVALID
        return EXIT_UNVERIFIED if self.chain == "foreign" else EXIT_VALID

    def rows(self, kind: str) -> Iterator[dict[str, Any]]:
        """Spooled rows of ``kind`` (``command``, ``denial`` or ``own``), in the order
        calls closed (``own``: in log order)."""
        spool = self._spools.get(kind)
        if spool is None:
            return
        spool.seek(0)
        for line in spool:
            yield json.loads(line)

    def close(self) -> None:
        for spool in self._spools.values():
            spool.close()
        self._spools.clear()

    def to_json(self, *, rows: bool = True) -> dict[str, Any]:
        """The report as one JSON document; ``rows=False`` leaves the lists of commands and
        denials empty (see `write_json`, which streams them)."""
        s = self.state
        return {
            "path": str(self.path),
            "valid": self.valid,
            "events": self.events,
            "session": s.session,
            "first_bad_line": self.first_bad_line,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
            "chain": {"kind": self.chain, "detail": self.chain_detail},
            "head": {"status": self.head, "detail": self.head_detail},
            "anchor": self.anchor_detail,
            "torn_tail": self.torn_tail,
            "violations": [v.to_dict() for v in self.violations],
            "started": s.started_ts,
            "last_event": s.last_ts,
            "tiers": {t: s.tiers.get(t, 0) for t in ("1", "2", "3", "deny")},
            "approvals": {by: s.approvals_by.get(by, 0) for by in APPROVERS},
            "denials": {
                "by": {by: s.denials_by.get(by, 0) for by in APPROVERS},
                "list": list(self.rows("denial")) if rows else [],
            },
            "commands": list(self.rows("command")) if rows else [],
            "own_commands": list(self.rows("own")) if rows else [],
            "snapshots": s.snapshots,
            "recoveries": s.recoveries,
            "agents": {
                name: {"status": a.status, "tool_calls": a.tool_calls, "cost_usd": a.cost_usd}
                for name, a in s.agents.items()
            },
        }

    def write_json(self, out: TextIO) -> None:
        """`to_json`, written as it goes: the command and denial lists are streamed from
        their spools, one row a line, so memory stays flat for any log size."""
        doc = self.to_json(rows=False)
        out.write("{\n")
        for i, (key, value) in enumerate(doc.items()):
            out.write(f"  {json.dumps(key)}: ")
            if key == "commands":
                _write_rows(out, self.rows("command"), "  ")
            elif key == "own_commands":
                _write_rows(out, self.rows("own"), "  ")
            elif key == "denials":
                out.write('{\n    "by": ')
                out.write(_indented(value["by"], "    "))
                out.write(',\n    "list": ')
                _write_rows(out, self.rows("denial"), "    ")
                out.write("\n  }")
            else:
                out.write(_indented(value, "  "))
            out.write(",\n" if i < len(doc) - 1 else "\n")
        out.write("}\n")


def _indented(value: Any, pad: str) -> str:
    return json.dumps(value, indent=2).replace("\n", "\n" + pad)


def _write_rows(out: TextIO, rows: Iterator[dict[str, Any]], pad: str) -> None:
    out.write("[")
    sep = "\n"
    for row in rows:
        out.write(f"{sep}{pad}  {json.dumps(row)}")
        sep = ",\n"
    out.write("]" if sep == "\n" else f"\n{pad}]")


def _allowed_by(c: CallState) -> str:
    if c.tier is None:
        return "NOBODY (no decision on record)"
    if c.tier == 3 and c.approval != "approved":
        return "NOBODY (no approval on record)"
    if c.decided_by == "policy":
        return f"policy (tier {c.tier})"
    if c.decided_by == "rule" and c.rules:
        ids = ", ".join(str(r.get("id", r)) if isinstance(r, dict) else str(r) for r in c.rules)
        return f"rule ({ids})"
    return c.decided_by or "unknown"


def _spool_row(report: AuditReport, c: CallState) -> None:
    base = {
        "call": c.call,
        "agent": c.agent,
        "seq": c.requested_seq,
        "tool": c.tool,
        "command": c.command,
        "cwd": c.input.get("cwd"),
        "tier": c.tier,
    }
    if c.started:
        kind = "command"
        report.commands += 1
        row = {
            **base,
            "ts": c.started_ts,
            "allowed_by": _allowed_by(c),
            "snapshot": c.snapshot,
            "exit_code": c.exit_code,
            "finished": c.finished,
            "error": c.error,
            "artifact": (c.artifact or {}).get("path"),
        }
    elif c.denied:
        kind = "denial"
        report.denials += 1
        row = {
            **base,
            "by": c.decided_by,
            "reason": c.decision_reason or "; ".join(c.reasons),
        }
    else:
        return
    report._spools[kind].write(json.dumps(row) + "\n")


OWN_KINDS = frozenset({MergeChecked.kind, PhaseGate.kind, TaskRed.kind})


def _spool_own(report: AuditReport, obj: dict[str, Any]) -> None:
    """A command cockpit ran itself (through the policy and the sandbox, like an agent's):
    what, why, where in the log, and how it ended."""
    data = obj.get("data") or {}
    kind = obj.get("kind")
    if kind == MergeChecked.kind:
        why = f"merge check of {data.get('branch')}"
        ran = [c for c in data.get("commands") or [] if isinstance(c, dict)]
    elif kind == PhaseGate.kind:
        why = f"gate of phase {data.get('phase')!r}"
        ran = [data]
    else:
        why = f"red first of #{data.get('task')}"
        ran = [data]
    for command in ran:
        report.own += 1
        row = {
            "seq": obj.get("seq"),
            "ts": obj.get("ts"),
            "why": why,
            "command": command.get("command"),
            "tier": command.get("tier"),
            "exit_code": command.get("exit_code"),
            "refused": command.get("refused"),
        }
        report._spools["own"].write(json.dumps(row) + "\n")


def audit(path: Path) -> AuditReport:
    """Verify ``path`` and tally what it records. The caller closes the report.

    LogError when the log cannot be read at all.
    """
    report = AuditReport(path)
    for kind in ("command", "denial", "own"):  # on disk, not in memory: flat for any size
        report._spools[kind] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
    builder = StateBuilder(lean=True, on_call_closed=lambda c: _spool_row(report, c))
    report.state = builder.state
    violations = ViolationCheck()
    # The lean builder only reads an event's fields, so a namespace over the parsed line
    # stands in for an `Event`: a tenth of the cost of building one, on every line.
    apply: Callable[[Any], None] = builder.apply
    see = violations.see
    row = SimpleNamespace

    def visit(obj: dict[str, Any]) -> None:
        event = row(**obj)
        apply(event)
        see(event)
        if obj.get("kind") in OWN_KINDS:
            _spool_own(report, obj)

    verdict = verify_log(path, visit)
    for c in list(builder.state.calls.values()):  # started, never finished: interrupted
        if c.started:
            _spool_row(report, c)
    check = verdict.check
    report.events = check.events
    report.chain, report.chain_detail = verdict.kind, verdict.kind_detail
    report.head, report.head_detail = verdict.head, verdict.head_detail
    report.anchor_detail = verdict.anchor_detail
    report.violations = violations.found
    if check.torn is not None:
        report.torn_tail = {"line": check.torn.line, "bytes": check.torn.size}
    problem = verdict.problem
    if problem is not None:
        report.first_bad_line = problem.line
        report.first_bad_seq = problem.seq
        report.reason = problem.reason
    elif report.violations:
        first = report.violations[0]
        report.reason = f"{len(report.violations)} violation(s): {first.what}"
    report.valid = problem is None and not report.violations
    return report
