"""What ran without permission: the gate's order of events, checked call by call.

cockpit writes, for every tool call, ``tool.requested`` -> ``policy.decided`` -> (tier 3:
``approval.requested`` -> ``approval.resolved``) -> (tier 2: ``safeguard.snapshot``) ->
``tool.started`` -> ``tool.finished``, each durable before the next step. A resumed session
reuses the decision and approval already on record for the same call (it does not decide
again), so the check is per call id over the whole log. Four shapes are violations:

- ``tool.started`` for a tier-3 call with no approval on record;
- ``tool.started`` for a denied call (a deny rule, a denial by anyone, a timeout);
- ``tool.started`` with no ``policy.decided`` for its call (cockpit's own tools,
  ``update_task`` and ``report_blocked``, are decided at tier 1 but not gated: exempt);
- a decision lowered by a session grant (a ``grant:`` rule) that no approval saved, that
  was revoked, or whose program and arguments the command does not contain.

Any approval (``approved: true``) by a human, the headless terminal, a rule or the demo
counts; a timeout never approves. Memory is per open call, plus the ids of denied calls.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from cockpit.session.events import INTERNAL_TOOLS
from cockpit.session.kinds import (
    ApprovalResolved,
    GrantRevoked,
    PolicyDecided,
    ToolFinished,
    ToolRequested,
    ToolStarted,
)


@dataclass(frozen=True)
class Violation:
    seq: int
    call: str | None
    agent: str | None
    what: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "call": self.call, "agent": self.agent, "what": self.what}


@dataclass
class _Call:
    tool: str = ""
    command: str = ""
    tier: Any = None
    approved: bool = False


class ViolationCheck:
    """Feed it every event in order (`see`); read ``found`` at the end."""

    def __init__(self) -> None:
        self.found: list[Violation] = []
        self._calls: dict[str, _Call] = {}
        self._denied: dict[str, str] = {}  # call -> how it was denied
        self._grants: dict[str, tuple[str, ...]] = {}  # grant id -> program and args

    def see(self, e: Any) -> None:
        """One event (anything with ``seq, kind, call, agent, data``)."""
        kind, call, data = e.kind, e.call, e.data
        if kind == GrantRevoked.kind:
            self._grants.pop(str(data.get("id")), None)
            return
        if call is None or kind not in _KINDS:
            return
        c = self._calls.get(call)
        if c is None:
            c = self._calls[call] = _Call()
        if kind == ToolRequested.kind:
            c.tool = str(data.get("tool", ""))
            inp = data.get("input")
            c.command = _command(c.tool, inp if isinstance(inp, dict) else {})
        elif kind == PolicyDecided.kind:
            c.tier = data.get("tier")
            if c.tier == "deny":
                self._denied[call] = "denied by a rule"
                del self._calls[call]  # a denied call never finishes: keep only its id
                return
            self._check_grants(e, c, data.get("rules"))
        elif kind == ApprovalResolved.kind:
            by = str(data.get("by", "unknown"))
            if ApprovalResolved.grants(data.get("approved"), by):
                c.approved = True
                self._denied.pop(call, None)
                grant = data.get("grant")
                if isinstance(grant, dict) and isinstance(grant.get("id"), str):
                    words = (str(grant.get("program", "")), *map(str, grant.get("args") or ()))
                    self._grants[grant["id"]] = words
            else:
                self._denied[call] = f"denied by {by}"
                del self._calls[call]
        elif kind == ToolStarted.kind:
            self._started(e, c)
        elif kind == ToolFinished.kind:
            self._calls.pop(call, None)

    def _started(self, e: Any, c: _Call) -> None:
        tool = c.tool or str(e.data.get("tool", ""))
        what = c.command or str(e.data.get("command", "")) or tool
        denied = self._denied.get(e.call)
        if denied is not None:
            self._add(e, f"a call {denied} was started anyway: {what}")
        elif c.tier is None:
            if tool not in INTERNAL_TOOLS:
                self._add(e, f"a call was started with no policy decision on record: {what}")
        elif c.tier == 3 and not c.approved:
            self._add(e, f"a tier-3 call was started with no approval on record: {what}")

    def _check_grants(self, e: Any, c: _Call, rules: Any) -> None:
        if c.tier not in (1, 2) or not isinstance(rules, list):
            return
        for rule in rules:
            rid = rule.get("id") if isinstance(rule, dict) else None
            if not isinstance(rid, str) or not rid.startswith("grant:"):
                continue
            words = self._grants.get(rid)
            if words is None:
                self._add(e, f"allowed by session grant {rid}, which no approval saved")
            elif not _covers(words, c.command):
                self._add(e, f"session grant {rid} used outside its scope: {c.command}")

    def _add(self, e: Any, what: str) -> None:
        self.found.append(Violation(e.seq, e.call, e.agent, what))


_KINDS = frozenset(
    {
        ToolRequested.kind,
        PolicyDecided.kind,
        ApprovalResolved.kind,
        ToolStarted.kind,
        ToolFinished.kind,
    }
)


def _command(tool: str, inp: dict[str, Any]) -> str:
    if tool == "bash":
        return str(inp.get("command", ""))
    target = inp.get("path") or inp.get("task") or ""
    return f"{tool} {target}".strip()


def _covers(words: tuple[str, ...], command: str) -> bool:
    """Whether ``command`` runs the grant's program with its arguments somewhere.

    A lexical check (the session layer has no shell parser): a command that does not even
    contain the program followed by the granted arguments is surely outside the grant.
    """
    try:
        tokens = shlex.split(command, comments=True)
    except ValueError:
        tokens = command.split()
    n = len(words)
    for i, token in enumerate(tokens):
        if token.rsplit("/", 1)[-1] == words[0] and tuple(tokens[i + 1 : i + n]) == words[1:]:
            return True
    return False
