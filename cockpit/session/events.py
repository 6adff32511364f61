"""The event: one line of the session log (its kinds are the classes in `kinds`).

A line is the compact JSON object
``{"v","seq","ts","session","agent","iteration","kind","call","data","prev"}`` in that key
order, ASCII only (so a stray surrogate can never make a line unreadable), where ``prev`` is
the sha256 hex digest of the previous line's bytes without its newline.

Keyed lines (``v`` 2, written since issue 11) add an eleventh field, ``mac``: the
HMAC-SHA256, under the user's log key (`cockpit.session.keys`), of the line without it
(the line's bytes up to ``prev``'s closing quote, then ``}``). ``prev`` still chains the
whole previous line, ``mac`` included, so the plain chain checks without the key and the
keyed one needs it. A log is keyed or not from its first line on; ``v`` 1 lines (older
logs, other tools) never carry ``mac``, ``v`` 2 lines always do.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cockpit.session import kinds
from cockpit.session.kinds import EventBody, read_body

SCHEMA_VERSION = 1
"""The version of unkeyed lines (logs begun before keyed chains, and their resumes)."""
KEYED_VERSION = 2
"""The version of keyed lines: the ten fields, then ``mac``."""
FIELDS = ("v", "seq", "ts", "session", "agent", "iteration", "kind", "call", "data", "prev")
FIELDS_KEYED = (*FIELDS, "mac")
GENESIS = hashlib.sha256(b"").hexdigest()
"""The ``prev`` of line 0: the digest of zero bytes."""

TS_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\Z")
DIGEST_RE = re.compile(r"[0-9a-f]{64}\Z")

# A kind's only name is its class in `kinds` (``ToolStarted.kind``); this is the set of them.
KNOWN_KINDS = frozenset(kinds.REGISTRY)

INTERNAL_TOOLS: tuple[str, ...] = ("update_task", "report_blocked", "replan")
"""cockpit's own tools: they change cockpit's state, not the machine's, so they run
without a policy decision (audit does not ask for one). Every agent has the first two; the
session's lead also re-plans (``replan``)."""

APPROVERS = ("human", "rule", "headless", "timeout")
"""Who may resolve an approval. A timeout always denies."""


def utc_timestamp(now: datetime | None = None) -> str:
    """UTC, microseconds, ``Z``: ``2026-11-21T10:15:03.123456Z``."""
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_session_id(now: datetime | None = None) -> str:
    """``20261121-101500-7f3a``: sortable by start time, unique enough on one machine."""
    now = now or datetime.now(UTC)
    return f"{now.astimezone(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def digest(line: bytes) -> str:
    """The chain digest of one line (without its newline)."""
    return hashlib.sha256(line).hexdigest()


@dataclass(frozen=True, slots=True)
class Event:
    """One session-log event."""

    seq: int
    ts: str
    session: str
    kind: str
    agent: str | None = None
    iteration: int = 0
    call: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    prev: str = GENESIS
    v: int = SCHEMA_VERSION
    mac: str | None = None
    """The keyed digest of a v2 line; None on an unkeyed line."""

    @property
    def body(self) -> EventBody:
        """The typed data (read when asked: a reader pays only for the bodies it looks at)."""
        return read_body(self.kind, self.data)

    def to_line(self) -> bytes:
        """The line's bytes, without the newline."""
        body = encode_line(
            self.v,
            self.seq,
            self.ts,
            self.session,
            self.agent,
            self.iteration,
            self.kind,
            self.call,
            self.data,
            self.prev,
        )
        if self.mac is None:
            return body
        return body[:-1] + b',"mac":"' + self.mac.encode("ascii") + b'"}'

    @classmethod
    def from_obj(cls, obj: dict[str, Any]) -> Event:
        """The event of a parsed, schema-checked line."""
        # Each field's slot is set directly: a frozen dataclass's __init__ goes through
        # object.__setattr__ per field, twice the cost, on every line a reader reads.
        event = object.__new__(cls)
        for name, set_field in _FIELD_SETTERS:
            set_field(event, obj[name])
        _set_mac(event, obj.get("mac"))
        return event


_FIELD_SETTERS = tuple((name, getattr(Event, name).__set__) for name in FIELDS)
_set_mac = vars(Event)["mac"].__set__  # the slot descriptor, as for the fields above


def encode_line(
    v: int,
    seq: int,
    ts: str,
    session: str,
    agent: str | None,
    iteration: int,
    kind: str,
    call: str | None,
    data: dict[str, Any],
    prev: str,
) -> bytes:
    obj = {
        "v": v,
        "seq": seq,
        "ts": ts,
        "session": session,
        "agent": agent,
        "iteration": iteration,
        "kind": kind,
        "call": call,
        "data": data,
        "prev": prev,
    }
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True, default=str).encode("ascii")


def schema_problem(obj: object) -> str | None:
    """What is wrong with a parsed line's shape, or None when it is a well-formed event."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    keys = tuple(obj)
    if keys != FIELDS and keys != FIELDS_KEYED:
        want = FIELDS_KEYED if "mac" in obj else FIELDS
        missing = [f for f in want if f not in obj]
        if missing:
            return f"missing field(s): {', '.join(missing)}"
        extra = [f for f in obj if f not in want]
        if extra:
            return f"unexpected field(s): {', '.join(extra)}"
        return "fields out of order"
    v, seq, ts, session = obj["v"], obj["seq"], obj["ts"], obj["session"]
    if type(v) is not int or v < 1:
        return "bad 'v'"
    if type(seq) is not int:
        return "bad 'seq'"
    if not isinstance(ts, str) or not TS_RE.match(ts):
        return "bad 'ts' (want UTC with microseconds and Z)"
    if not isinstance(session, str) or not session:
        return "bad 'session'"
    if obj["agent"] is not None and not isinstance(obj["agent"], str):
        return "bad 'agent'"
    if type(obj["iteration"]) is not int:
        return "bad 'iteration'"
    if not isinstance(obj["kind"], str) or not obj["kind"]:
        return "bad 'kind'"
    if obj["call"] is not None and not isinstance(obj["call"], str):
        return "bad 'call'"
    if not isinstance(obj["data"], dict):
        return "bad 'data'"
    prev = obj["prev"]
    if not isinstance(prev, str) or not DIGEST_RE.match(prev):
        return "bad 'prev'"
    if len(keys) == len(FIELDS_KEYED):
        if v < KEYED_VERSION:
            return f"'mac' on a version {v} line (keyed lines are version {KEYED_VERSION})"
        mac = obj["mac"]
        if not isinstance(mac, str) or not DIGEST_RE.match(mac):
            return "bad 'mac'"
    elif v >= KEYED_VERSION:
        return f"missing field(s): mac (a version {v} line is keyed)"
    return None
