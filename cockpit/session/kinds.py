"""The kinds of event cockpit writes: one frozen dataclass each, and the registry.

An `Event` (events.py) is the envelope of a log line; its ``data`` is the body of one of
these kinds. `body_of` turns the envelope into its typed body when a reader needs it (the
audit of a million lines reads only the bodies it looks at). A kind this cockpit does not
know reads as `UnknownEvent`, so an older cockpit still opens a newer log.

The field types say what cockpit writes. A forged or foreign log may hold other shapes in
a known kind's data: a body keeps the values as they were logged (it never raises), and
readers stay tolerant (`items_of`, ``str(...)``). Keys a class does not declare, optional
keys logged as ``null``, and keys a writer always writes that an older log lacks (as
`ABSENT`) are kept in ``extra``: ``body.data()`` gives back exactly the data it was read
from. A writer builds a body and logs ``body.data()``: the field order is the key order on
disk, so a class's fields are declared in the order its writers have always written them.

Each class's ``kind`` is the only place its kind string is written. `REGISTRY` keeps the
order of the replay index's kind codes: append new kinds at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeVar

ALWAYS = {"always": True}
"""Field metadata: the key is written even when its value is None (``exit_code``)."""


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
"""In ``extra``: an `ALWAYS` key the logged data did not have (a log from before it was
written), so ``data()`` leaves it out again."""


@dataclass(frozen=True, kw_only=True)
class EventBody:
    """The typed data of one event."""

    kind: ClassVar[str] = ""
    _keys: ClassVar[frozenset[str]] = frozenset()
    _order: ClassVar[tuple[tuple[str, bool], ...]] = ()
    _always: ClassVar[frozenset[str]] = frozenset()
    _names: ClassVar[tuple[str, ...]] = ()
    extra: dict[str, Any] = field(default_factory=dict, repr=False)
    """Keys this class does not declare (a newer writer's), and optional keys logged null."""

    def data(self) -> dict[str, Any]:
        """The ``data`` of the log line for this body."""
        out: dict[str, Any] = {}
        for name, always in self._order:
            value = getattr(self, name)
            if value is not None or always:
                out[name] = value
        extra = self.extra
        if extra:
            for key, value in extra.items():
                if value is ABSENT:
                    del out[key]
                else:
                    out[key] = value
        return out

    @classmethod
    def from_data(cls: type[B], data: dict[str, Any]) -> B:
        """The body of a logged ``data`` (any values; nothing is checked)."""
        # The instance dict is filled directly: a frozen dataclass's __init__ costs twice
        # as much, and the state fold reads a body per event.
        body = _new(cls)
        values = body.__dict__
        get = data.get
        for name in cls._names:
            values[name] = get(name)
        keys, always = cls._keys, cls._always
        if keys.issuperset(data) and None not in data.values() and always.issubset(data):
            extra: dict[str, Any] = {}
        else:
            extra = {
                key: value
                for key, value in data.items()
                if key not in keys or (value is None and key not in always)
            }
            for key in always.difference(data):
                extra[key] = ABSENT
        values["extra"] = extra
        return body


B = TypeVar("B", bound=EventBody)

REGISTRY: dict[str, type[EventBody]] = {}
"""kind -> class, in the order of the replay index's kind codes."""
_new = object.__new__


def _registered(cls: type[B]) -> type[B]:
    order = tuple(
        (f.name, bool(f.metadata.get("always"))) for f in fields(cls) if f.name != "extra"
    )
    cls._order = order
    cls._keys = frozenset(name for name, _ in order)
    cls._always = frozenset(name for name, always in order if always)
    cls._names = tuple(name for name, _ in order)
    if cls.kind in REGISTRY:
        raise ValueError(f"kind {cls.kind!r} registered twice")
    REGISTRY[cls.kind] = cls
    return cls


@dataclass(frozen=True, kw_only=True)
class UnknownEvent(EventBody):
    """A kind this cockpit does not know: its data is kept whole in ``extra``."""

    @property
    def raw(self) -> dict[str, Any]:
        return self.extra


# -- session ---------------------------------------------------------------------------


@_registered
@dataclass(frozen=True, kw_only=True)
class SessionStarted(EventBody):
    kind: ClassVar[str] = "session.started"
    workspace: str | None = None
    agents: list[str] | None = None
    plan: str | None = None
    version: str | None = None
    goal: str | None = field(default=None, metadata=ALWAYS)
    backend: dict[str, Any] | None = None
    """``{name: scripted, script}`` or ``{name: anthropic, base_url}``: what resume uses."""
    model: str | None = None
    skipped_agents: list[dict[str, Any]] | None = None
    """Agent files that did not load: ``{path, line, reason}`` each."""
    sandbox: str | None = None
    """How agents' commands ran: ``bwrap`` (with the path) or ``off (...)``, the user's
    choice (`--no-sandbox`, ``sandbox: off``) and never a silent fallback."""
    isolation: dict[str, Any] | None = None
    """Where the agents work: ``{mode: worktrees, base, integration}`` (a worktree and a
    branch each) or ``{mode: shared, reason}`` (one tree for all, and why)."""


@_registered
@dataclass(frozen=True, kw_only=True)
class SessionResumed(EventBody):
    kind: ClassVar[str] = "session.resumed"
    recovered: dict[str, Any] | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class SessionEnded(EventBody):
    kind: ClassVar[str] = "session.ended"
    reason: str | None = None
    statuses: dict[str, str] | None = None


# -- agents ----------------------------------------------------------------------------


@_registered
@dataclass(frozen=True, kw_only=True)
class AgentStarted(EventBody):
    kind: ClassVar[str] = "agent.started"
    model: str | None = None
    tools: list[str] | None = None
    source: str | None = None
    worktree: str | None = None
    """The agent's own worktree (None: it works in the shared tree)."""
    branch: str | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class AgentStatusChanged(EventBody):
    kind: ClassVar[str] = "agent.status"
    status: str | None = None
    detail: str | None = None
    task: str | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class AgentBlocked(EventBody):
    kind: ClassVar[str] = "agent.blocked"
    reason: str | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class ModelMessage(EventBody):
    kind: ClassVar[str] = "model.message"
    message: dict[str, Any] | None = None
    """``{role, content}``: content is a string or a list of blocks."""

    @property
    def role(self) -> str | None:
        message = self.message
        return message.get("role") if isinstance(message, dict) else None

    @property
    def blocks(self) -> list[dict[str, Any]]:
        """The content blocks (a string content is one text block)."""
        message = self.message
        if not isinstance(message, dict):
            return []
        content = message.get("content")
        if isinstance(content, str):
            return [{"type": "text", "text": content}]
        if not isinstance(content, list):
            return []
        return [b for b in content if isinstance(b, dict)]

    @property
    def text(self) -> str:
        """What the message says: a string content as is, else its non-empty text blocks,
        one per line (tool blocks are not text)."""
        message = self.message
        if not isinstance(message, dict):
            return ""
        content = message.get("content")
        if isinstance(content, str):
            return content
        parts = (str(b.get("text", "")) for b in self.blocks if b.get("type") == "text")
        return "\n".join(p for p in parts if p)


@_registered
@dataclass(frozen=True, kw_only=True)
class ModelUsage(EventBody):
    kind: ClassVar[str] = "model.usage"
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cost_usd: float | None = None
    priced: bool | None = None

    @property
    def unpriced(self) -> bool:
        """The model has no price: the cost is unknown, not 0."""
        return self.priced is False


# -- one tool call ---------------------------------------------------------------------


@_registered
@dataclass(frozen=True, kw_only=True)
class ToolRequested(EventBody):
    kind: ClassVar[str] = "tool.requested"
    tool: str | None = None
    input: dict[str, Any] | None = field(default=None, metadata=ALWAYS)
    """As the model sent it (``null`` when it sent none)."""
    tool_use_id: str | None = None
    verify: str | None = None
    """The task whose ``verify:`` command this is."""


@_registered
@dataclass(frozen=True, kw_only=True)
class PolicyDecided(EventBody):
    kind: ClassVar[str] = "policy.decided"
    tier: int | str | None = None
    reasons: list[str] | None = None
    rules: list[dict[str, Any]] | None = None
    writes: list[str | None] | None = None
    network: bool | None = None
    """The command runs with the network (a rule or a session grant allows it, or, at tier
    3, the human's yes does)."""

    @property
    def denied(self) -> bool:
        """A deny rule matched: the call never runs."""
        return self.tier == "deny"


@_registered
@dataclass(frozen=True, kw_only=True)
class ApprovalRequested(EventBody):
    kind: ClassVar[str] = "approval.requested"
    tool: str | None = None
    command: str | None = None
    cwd: str | None = None
    tier: int | str | None = None
    reasons: list[str] | None = None
    rules: list[dict[str, Any]] | None = None
    widening: dict[str, Any] | None = None
    """What a yes widens the sandbox by for this one command: ``{network: true}``,
    ``{writable: [path]}``; with ``rerun`` when the sandbox already blocked it once."""


@_registered
@dataclass(frozen=True, kw_only=True)
class ApprovalResolved(EventBody):
    kind: ClassVar[str] = "approval.resolved"
    approved: bool | None = None
    by: str | None = None
    """human | rule | headless | timeout"""
    reason: str | None = None
    grant: dict[str, Any] | None = None
    widened: dict[str, Any] | None = None
    """Exactly what the yes widened the sandbox by, for this one command."""

    @property
    def granted(self) -> bool:
        """Approved, and not by a timeout (a timeout always denies)."""
        return ApprovalResolved.grants(self.approved, self.by)

    @staticmethod
    def grants(approved: object, by: object) -> bool:
        """`granted` of logged values, for the hot readers that do not build the body."""
        return approved is True and by != "timeout"


@_registered
@dataclass(frozen=True, kw_only=True)
class SafeguardSnapshot(EventBody):
    kind: ClassVar[str] = "safeguard.snapshot"
    ref: str | None = None
    commit: str | None = None
    skipped: str | None = None
    base: bool | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class ToolStarted(EventBody):
    kind: ClassVar[str] = "tool.started"
    tool: str | None = None
    command: str | None = None
    cwd: str | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class SandboxBlocked(EventBody):
    """A command ran into the sandbox's boundary: which one, and the words that said so."""

    kind: ClassVar[str] = "sandbox.blocked"
    boundary: str | None = None
    """A `BlockedBy` value: read-only filesystem, masked path, no network, ..."""
    detail: str | None = None
    """The line of the command's output that showed it (redacted)."""
    exit_code: int | None = None
    path: str | None = None
    """The path outside the walls the command tried to write, when its output names one."""


@_registered
@dataclass(frozen=True, kw_only=True)
class ToolFinished(EventBody):
    kind: ClassVar[str] = "tool.finished"
    exit_code: int | None = field(default=None, metadata=ALWAYS)
    output: str | None = None
    truncated: bool | None = None
    duration_s: float | None = None
    artifact: dict[str, Any] | None = None
    error: str | None = None
    interrupted: bool | None = None
    diff: str | None = None
    diff_truncated: bool | None = None

    @property
    def failed(self) -> bool:
        """An error, or a non-zero exit."""
        return ToolFinished.fails(self.exit_code, self.error)

    @staticmethod
    def fails(exit_code: object, error: object) -> bool:
        """`failed` of logged values, for the hot readers that do not build the body."""
        return bool(error) or (type(exit_code) is int and exit_code != 0)


# -- plan and tasks --------------------------------------------------------------------


@_registered
@dataclass(frozen=True, kw_only=True)
class PlanChanged(EventBody):
    kind: ClassVar[str] = "plan.changed"
    by: str | None = None
    digest: str | None = None
    diff: str | None = None
    problems: list[dict[str, Any]] | None = None
    unverified: list[dict[str, Any]] | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class TaskUpdated(EventBody):
    kind: ClassVar[str] = "task.updated"
    task: str | None = None
    status: str | None = None
    note: str | None = field(default=None, metadata=ALWAYS)
    id: str | None = None
    """The task's id in plan.md, whatever the agent called it."""


@_registered
@dataclass(frozen=True, kw_only=True)
class TaskVerified(EventBody):
    kind: ClassVar[str] = "task.verified"
    task: str | None = None
    command: str | None = None
    passed: bool | None = None
    exit_code: int | None = field(default=None, metadata=ALWAYS)


@_registered
@dataclass(frozen=True, kw_only=True)
class HumanMessage(EventBody):
    kind: ClassVar[str] = "human.message"
    text: str | None = None
    by: str | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class LogRecovered(EventBody):
    kind: ClassVar[str] = "log.recovered"
    bytes_dropped: int | None = None
    line: int | None = None
    reason: str | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class PlanDelivered(EventBody):
    """An agent's turn took a plan change."""

    kind: ClassVar[str] = "plan.delivered"
    digest: str | None = None
    restarted: bool | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class GrantRevoked(EventBody):
    """A session grant withdrawn."""

    kind: ClassVar[str] = "grant.revoked"
    pattern: str | None = None
    id: str | None = None
    by: str | None = None


# -- the merge ceremony ----------------------------------------------------------------
# Every step names the integration branch's SHA before it and after it: a step that did
# not move the branch has ``after`` equal to ``before``.


@_registered
@dataclass(frozen=True, kw_only=True)
class MergeStarted(EventBody):
    """A ceremony begins: the queue of branches, in the order they will be merged."""

    kind: ClassVar[str] = "merge.started"
    integration: str | None = None
    base: str | None = None
    before: str | None = None
    queue: list[str] | None = None
    left_out: list[dict[str, Any]] | None = None
    """The agents not queued: ``{agent, verdict, why}`` each (running, failed, no work...)."""


@_registered
@dataclass(frozen=True, kw_only=True)
class MergeConflict(EventBody):
    """A branch's merge onto the integration head conflicts: it is skipped."""

    kind: ClassVar[str] = "merge.conflict"
    branch: str | None = None
    head: str | None = None
    before: str | None = None
    after: str | None = None
    paths: list[str] | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class MergeChecked(EventBody):
    """The integration checks ran on a merge commit not yet on the branch."""

    kind: ClassVar[str] = "merge.checked"
    branch: str | None = None
    head: str | None = None
    before: str | None = None
    after: str | None = None
    """The merge commit the checks ran on."""
    passed: bool | None = None
    exit_code: int | None = field(default=None, metadata=ALWAYS)
    output: str | None = None
    commands: list[dict[str, Any]] | None = None
    """What ran, in order: ``{command, tier, exit_code, output}`` each (the output's
    tail; a command the policy denied or the human refused has no exit code)."""


@_registered
@dataclass(frozen=True, kw_only=True)
class MergeAdvanced(EventBody):
    """The integration branch moved (compare-and-swap) to a checked merge commit."""

    kind: ClassVar[str] = "merge.advanced"
    branch: str | None = None
    head: str | None = None
    before: str | None = None
    after: str | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class MergeSkipped(EventBody):
    """A branch left out of the integration branch, and why (a conflict, failing checks,
    or already merged by an earlier run)."""

    kind: ClassVar[str] = "merge.skipped"
    branch: str | None = None
    head: str | None = None
    before: str | None = None
    after: str | None = None
    reason: str | None = None
    why: str | None = None
    """What the agent is told: the conflicting paths or the failing output."""


@_registered
@dataclass(frozen=True, kw_only=True)
class MergeQuarantined(EventBody):
    """A branch changed paths outside its agent's scope: it is never merged."""

    kind: ClassVar[str] = "merge.quarantined"
    agent: str | None = None
    branch: str | None = None
    head: str | None = None
    paths: list[str] | None = None
    scope: list[str] | None = None
    reason: str | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class RadarOverlap(EventBody):
    """Two agents' changes touch the same paths; ``conflict`` says whether their heads
    really conflict (`git merge-tree`)."""

    kind: ClassVar[str] = "radar.overlap"
    agents: list[str] | None = None
    heads: list[str] | None = None
    paths: list[str] | None = None
    conflict: bool | None = None
    conflicts: list[str] | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class MergeCommitted(EventBody):
    """A finished agent's uncommitted work committed onto its branch by cockpit (an agent
    never commits), before its branch was queued."""

    kind: ClassVar[str] = "merge.committed"
    agent: str | None = None
    branch: str | None = None
    before: str | None = None
    after: str | None = None
    files: list[str] | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class MergeFinished(EventBody):
    """A ceremony's end marker: a ``merge.started`` without one was cut short (resume runs
    the ceremony again; nothing merged is merged twice)."""

    kind: ClassVar[str] = "merge.finished"
    integration: str | None = None
    before: str | None = None
    after: str | None = None
    merged: list[str] | None = None
    skipped: list[str] | None = None
    error: str | None = None
    """Why the ceremony stopped before its end (git failed, a ref moved under it)."""


@_registered
@dataclass(frozen=True, kw_only=True)
class MergeBrought(EventBody):
    """The integration branch brought into the user's branch, on the human's yes."""

    kind: ClassVar[str] = "merge.brought"
    integration: str | None = None
    target: str | None = None
    before: str | None = None
    after: str | None = None
    fast_forward: bool | None = None
    by: str | None = None
    merged: list[str] | None = None
    """The agents whose work it brings."""


# -- orchestration: the task board, phases, gates, the escape hatch, escalation ----------


@_registered
@dataclass(frozen=True, kw_only=True)
class TaskStateChanged(EventBody):
    """A task moved on the board (pending, ready, in_progress, review, done, blocked,
    failed); ``agent`` is its owner. The board is the fold of these."""

    kind: ClassVar[str] = "task.state"
    task: str | None = None
    state: str | None = None
    was: str | None = None
    why: str | None = None
    waits_for: list[str] | None = None
    title: str | None = None
    phase: str | None = None
    strategy: int | None = None
    snapshot: str | None = None
    """The snapshot of the agent's tree when its strategy began (what a shift returns to)."""
    flag: str | None = None
    """Something the human should know about the task (red-first: verify passes already)."""
    report: str | None = None
    """The path of its BLOCKER_REPORT.md."""


@_registered
@dataclass(frozen=True, kw_only=True)
class PhaseOpened(EventBody):
    kind: ClassVar[str] = "phase.opened"
    phase: str | None = None
    line: int | None = None
    index: int | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class PhaseGate(EventBody):
    """A phase's ``gate:`` command ran on the integration state."""

    kind: ClassVar[str] = "phase.gate"
    phase: str | None = None
    command: str | None = None
    passed: bool | None = None
    exit_code: int | None = field(default=None, metadata=ALWAYS)
    output: str | None = None
    commit: str | None = None
    tier: int | str | None = None
    last: bool | None = None
    """The last command of this run of the gate (every one passed, or this one failed):
    ``passed`` is then the gate's verdict."""


@_registered
@dataclass(frozen=True, kw_only=True)
class TaskRed(EventBody):
    """Red first: the task's verify ran once before its agent worked on it."""

    kind: ClassVar[str] = "task.red"
    task: str | None = None
    command: str | None = None
    passes_already: bool | None = None
    exit_code: int | None = field(default=None, metadata=ALWAYS)
    mode: str | None = None
    output: str | None = None
    tier: int | str | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class StrategyShifted(EventBody):
    """A task's strategy was exhausted: the agent's tree went back to where it began."""

    kind: ClassVar[str] = "strategy.shifted"
    task: str | None = None
    strategy: int | None = None
    """The strategy that begins now (2 after the first shift)."""
    failures: int | None = None
    reason: str | None = None
    rolled_back_to: str | None = None
    abandoned: str | None = None
    """A diff summary of the changes thrown away."""
    last_error: str | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class TaskEscalated(EventBody):
    """A blocked task passed up: to the session's lead, or to the human."""

    kind: ClassVar[str] = "task.escalated"
    task: str | None = None
    to: str | None = None
    reason: str | None = None
    report: str | None = None


@_registered
@dataclass(frozen=True, kw_only=True)
class TaskAnswered(EventBody):
    """The human answered a blocked task's inbox item (by a message to its agent, or by
    reopening it)."""

    kind: ClassVar[str] = "task.answered"
    task: str | None = None
    by: str | None = None
    how: str | None = None


def body_class(kind: str) -> type[EventBody]:
    """The class of ``kind``: `UnknownEvent` for a kind this cockpit does not know."""
    return REGISTRY.get(kind, UnknownEvent)


def read_body(kind: str, data: dict[str, Any]) -> EventBody:
    """The typed body of one event's ``kind`` and ``data``."""
    return REGISTRY.get(kind, UnknownEvent).from_data(data)
