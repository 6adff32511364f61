"""What the index reads from each line: kind codes, marker flags, time, a fast parse."""

from __future__ import annotations

import json
from datetime import datetime
from enum import IntFlag
from typing import Any

from cockpit.session.events import DIGEST_RE, FIELDS, FIELDS_KEYED, KEYED_VERSION, TS_RE
from cockpit.session.kinds import (
    REGISTRY,
    AgentStatusChanged,
    ApprovalRequested,
    ApprovalResolved,
    PolicyDecided,
    TaskVerified,
    ToolFinished,
)
from cockpit.session.status import AgentStatus

KINDS: tuple[str, ...] = tuple(REGISTRY)
"""Kind codes are 1 + the position here (0: a kind this version does not know). Append only."""
CODES = {kind: code for code, kind in enumerate(KINDS, 1)}


class Flag(IntFlag):
    """Why an event is a marker (the ``[`` / ``]`` stops)."""

    APPROVAL = 1  # a tier-3 request, or a request approved
    DENIAL = 2  # a request denied (by anyone, or by a timeout), or a deny rule
    ERROR = 4  # a tool error or non-zero exit, an agent that failed, a failing verify


def marker_flags(kind: str, data: dict[str, Any]) -> Flag:
    """The marker flags of one event (``Flag(0)``: not a marker)."""
    if kind == ApprovalRequested.kind:
        return Flag.APPROVAL
    if kind == ApprovalResolved.kind:
        granted = ApprovalResolved.grants(data.get("approved"), data.get("by"))
        return Flag.APPROVAL if granted else Flag.DENIAL
    if kind == PolicyDecided.kind:
        return Flag.DENIAL if data.get("tier") == "deny" else Flag(0)
    if kind == ToolFinished.kind:
        failed = ToolFinished.fails(data.get("exit_code"), data.get("error"))
        return Flag.ERROR if failed else Flag(0)
    if kind == AgentStatusChanged.kind:
        return Flag.ERROR if data.get("status") == AgentStatus.FAILED else Flag(0)
    if kind == TaskVerified.kind:
        return Flag.ERROR if data.get("passed") is False else Flag(0)
    return Flag(0)


MAY_MARK = frozenset(
    CODES[kind]
    for kind in (
        ApprovalRequested.kind,
        ApprovalResolved.kind,
        PolicyDecided.kind,
        ToolFinished.kind,
        AgentStatusChanged.kind,
        TaskVerified.kind,
    )
)
_decode = json.JSONDecoder().decode


def ts_seconds(ts: str) -> float:
    """``2026-11-21T10:15:03.123456Z`` as seconds since the epoch."""
    return datetime.fromisoformat(ts).timestamp()


def fast_parse(line: bytes, seq: int, prev: str, session: str | None) -> dict[str, Any] | None:
    """The event of a well-formed, chained line, exactly as `parse_line` returns it, or None
    (then `parse_line` says what is wrong). The same checks, cheaper: ``prev`` equal to a
    known digest needs no pattern, and a str is decoded once instead of sniffed as bytes."""
    try:
        obj = _decode(line.decode())
    except ValueError:
        return None
    if type(obj) is not dict:
        return None
    keys = tuple(obj)
    if keys == FIELDS:
        v, s, ts, sess, agent, iteration, kind, call, data, p = obj.values()
        if type(v) is not int or not 1 <= v < KEYED_VERSION:
            return None
    elif keys == FIELDS_KEYED:
        v, s, ts, sess, agent, iteration, kind, call, data, p, mac = obj.values()
        if (
            type(v) is not int
            or v < KEYED_VERSION
            or type(mac) is not str
            or not DIGEST_RE.match(mac)
        ):
            return None
    else:
        return None
    if (
        p != prev
        or type(s) is not int
        or s != seq
        or type(ts) is not str
        or not TS_RE.match(ts)
        or type(sess) is not str
        or not sess
        or (session is not None and sess != session)
        or (agent is not None and type(agent) is not str)
        or type(iteration) is not int
        or type(kind) is not str
        or not kind
        or (call is not None and type(call) is not str)
        or type(data) is not dict
    ):
        return None
    return obj
