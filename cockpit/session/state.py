"""Fold a stream of events into the state that resume, replay, audit and the screen need.

`fold` is a pure function of the events. `StateBuilder` is the one transition function
behind it, usable incrementally (the live screen) and in a lean mode that forgets what is
finished (audit of a 1M-event log in flat memory).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cockpit.session.events import Event
from cockpit.session.kinds import (
    AgentBlocked,
    AgentStarted,
    AgentStatusChanged,
    ApprovalRequested,
    ApprovalResolved,
    HumanMessage,
    LogRecovered,
    MergeFinished,
    MergeStarted,
    ModelMessage,
    ModelUsage,
    PhaseGate,
    PhaseOpened,
    PlanChanged,
    PolicyDecided,
    SafeguardSnapshot,
    SessionEnded,
    SessionResumed,
    SessionStarted,
    StrategyShifted,
    TaskAnswered,
    TaskEscalated,
    TaskStateChanged,
    TaskUpdated,
    TaskVerified,
    ToolFinished,
    ToolRequested,
    ToolStarted,
)
from cockpit.session.status import AgentStatus, status_of

_STALLED = AgentStatus.STALLED
_MODEL_WAITS = frozenset({AgentStatus.THINKING, AgentStatus.STALLED})
"""What a stall continues (its time counts from the start of the model request). Module
names, as the fold reads them per status event and an enum attribute costs 5x a global."""


@dataclass
class CallState:
    """Everything known about one tool call, joined by its ``call`` id."""

    call: str
    agent: str | None
    iteration: int
    tool: str = ""
    tool_use_id: str | None = None
    input: dict[str, Any] = field(default_factory=dict)
    requested_seq: int = -1
    tier: int | str | None = None
    reasons: list[str] = field(default_factory=list)
    rules: list[Any] = field(default_factory=list)
    approval: str | None = None  # None | "pending" | "approved" | "denied"
    decided_by: str | None = None  # human | rule | headless | timeout | policy
    decision_reason: str | None = None
    snapshot: str | None = None
    started: bool = False
    finished: bool = False
    exit_code: int | None = None
    output: str | None = None
    error: str | None = None
    artifact: dict[str, Any] | None = None
    diff: str | None = None
    """A file write's unified diff (not kept in lean mode)."""
    diff_truncated: bool = False
    started_ts: str | None = None
    finished_ts: str | None = None
    network: bool = False
    """The policy let this command have the network (a rule, a grant, or tier 3's yes)."""
    widened: dict[str, Any] | None = None
    """What a human's yes widened the sandbox by for this call (network, a path)."""

    @property
    def command(self) -> str:
        """The shell command, or the tool and its main argument."""
        if self.tool == "bash":
            return str(self.input.get("command", ""))
        target = self.input.get("path") or self.input.get("task") or ""
        return f"{self.tool} {target}".strip()

    @property
    def denied(self) -> bool:
        return self.tier == "deny" or self.approval == "denied"

    @property
    def status(self) -> str:
        if self.finished:
            return "finished"
        if self.started:
            return "running"
        if self.denied:
            return "denied"
        if self.approval == "pending":
            return "waiting"
        return "requested"


@dataclass
class AgentState:
    name: str
    status: AgentStatus = AgentStatus.STARTING
    detail: str = ""
    status_since: str | None = None
    """The ``ts`` of the event that set the current status: how long the current step has
    taken. A stall continues the model request it interrupts (its time counts from the
    start of that request)."""
    model: str = ""
    iteration: int = 0
    task: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_model: str | None = None
    """The model of the last turn when it has no price (its cost is unknown, not 0)."""
    tool_calls: int = 0
    blocked_reason: str | None = None
    undelivered: list[str] = field(default_factory=list)  # human messages not yet sent


@dataclass
class TaskRecord:
    """One task on the board, as the log says it is (`task.state` and what follows it)."""

    id: str
    state: str = "pending"
    why: str = ""
    waits_for: list[str] = field(default_factory=list)
    owner: str | None = None
    title: str = ""
    phase: str = ""
    strategy: int = 1
    snapshot: str | None = None
    """Where the current strategy began (what a shift rolls back to)."""
    failures: int = 0
    """Failed verify runs in the current strategy."""
    flag: str | None = None
    report: str | None = None
    escalated_to: str | None = None
    since: str | None = None


@dataclass
class SessionState:
    session: str | None = None
    started_ts: str | None = None
    last_ts: str | None = None
    ended: bool = False
    end_reason: str | None = None
    events: int = 0
    last_seq: int = -1
    agents: dict[str, AgentState] = field(default_factory=dict)
    calls: dict[str, CallState] = field(default_factory=dict)
    kinds: Counter[str] = field(default_factory=Counter)
    tiers: Counter[str] = field(default_factory=Counter)
    approvals_by: Counter[str] = field(default_factory=Counter)
    denials_by: Counter[str] = field(default_factory=Counter)
    snapshots: int = 0
    recoveries: list[dict[str, Any]] = field(default_factory=list)
    resumes: int = 0
    plan_digest: str | None = None
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    unverified: dict[str, str] = field(default_factory=dict)
    board: dict[str, TaskRecord] = field(default_factory=dict)
    """Task id -> its state machine (an ordered plan's scheduling, issue 15)."""
    phases_opened: list[str] = field(default_factory=list)
    gates: dict[str, bool] = field(default_factory=dict)
    """Phase -> whether its gate's last run passed (every command of it)."""

    @property
    def unfinished_merge(self) -> bool:
        """A merge ceremony began and never logged its end (a crash cut it short)."""
        return self.kinds[MergeStarted.kind] > self.kinds[MergeFinished.kind]

    """Task id -> who ticked its box in plan.md without update_task: not done."""

    @property
    def pending_approvals(self) -> list[CallState]:
        """Tier-3 requests still waiting for a decision, oldest first."""
        return [c for c in self.calls.values() if c.approval == "pending" and not c.started]

    @property
    def open_calls(self) -> list[CallState]:
        """Calls that started but never finished (interrupted, if the session is over)."""
        return [c for c in self.calls.values() if c.started and not c.finished]

    def agent(self, name: str) -> AgentState:
        state = self.agents.get(name)
        if state is None:
            state = self.agents[name] = AgentState(name)
        return state


CallClosed = Callable[[CallState], None]


class StateBuilder:
    """Applies events one at a time to a `SessionState`.

    With ``lean=True`` conversations are not kept and a call is dropped from ``calls``
    once it is finished or denied (after ``on_call_closed`` sees it).
    """

    def __init__(self, *, lean: bool = False, on_call_closed: CallClosed | None = None) -> None:
        self.state = SessionState()
        self._lean = lean
        self._on_call_closed = on_call_closed
        # Keyed by kind and reading the data, not matched on bodies: the fold reads every
        # event of a 1M-line audit, and building a body costs a microsecond. The derived
        # facts come from the kinds' classes all the same (`ApprovalResolved.grants`).
        self._handlers: dict[str, Callable[[Event], None]] = {
            SessionStarted.kind: self._session_started,
            SessionResumed.kind: self._session_resumed,
            SessionEnded.kind: self._session_ended,
            AgentStarted.kind: self._agent_started,
            AgentStatusChanged.kind: self._agent_status,
            AgentBlocked.kind: self._agent_blocked,
            ModelMessage.kind: self._model_message,
            ModelUsage.kind: self._model_usage,
            ToolRequested.kind: self._tool_requested,
            PolicyDecided.kind: self._policy_decided,
            ApprovalRequested.kind: self._approval_requested,
            ApprovalResolved.kind: self._approval_resolved,
            SafeguardSnapshot.kind: self._snapshot,
            ToolStarted.kind: self._tool_started,
            ToolFinished.kind: self._tool_finished,
            PlanChanged.kind: self._plan_changed,
            TaskUpdated.kind: self._task_updated,
            TaskStateChanged.kind: self._task_state,
            TaskVerified.kind: self._task_verified,
            StrategyShifted.kind: self._strategy_shifted,
            TaskEscalated.kind: self._task_escalated,
            TaskAnswered.kind: self._task_answered,
            PhaseOpened.kind: self._phase_opened,
            PhaseGate.kind: self._phase_gate,
            HumanMessage.kind: self._human_message,
            LogRecovered.kind: self._log_recovered,
        }

    def apply(self, event: Event) -> None:
        s = self.state
        s.events += 1
        s.last_seq = event.seq
        s.last_ts = event.ts
        if s.session is None:
            s.session = event.session
        s.kinds[event.kind] += 1
        if event.agent is not None and event.iteration > s.agent(event.agent).iteration:
            s.agents[event.agent].iteration = event.iteration
        handler = self._handlers.get(event.kind)
        if handler is not None:  # unknown kinds are counted and otherwise skipped
            handler(event)

    # -- session and agents ----------------------------------------------------------

    def _session_started(self, e: Event) -> None:
        self.state.started_ts = e.ts
        for name in items_of(e.data.get("agents")):
            if isinstance(name, str):
                self.state.agent(name)

    def _session_resumed(self, e: Event) -> None:
        self.state.resumes += 1
        self.state.ended = False
        self.state.end_reason = None

    def _session_ended(self, e: Event) -> None:
        self.state.ended = True
        self.state.end_reason = str(e.data.get("reason", ""))

    def _agent_started(self, e: Event) -> None:
        if e.agent:
            a = self.state.agent(e.agent)
            a.model = str(e.data.get("model", a.model))
            a.status = AgentStatus.STARTING
            a.status_since = e.ts

    def _agent_status(self, e: Event) -> None:
        if e.agent:
            a = self.state.agent(e.agent)
            status = status_of(str(e.data.get("status", a.status)))
            if not (status is _STALLED and a.status in _MODEL_WAITS):
                a.status_since = e.ts
            a.status = status
            a.detail = str(e.data.get("detail", ""))
            if "task" in e.data:
                a.task = e.data["task"]

    def _agent_blocked(self, e: Event) -> None:
        if e.agent:
            a = self.state.agent(e.agent)
            a.status = AgentStatus.BLOCKED
            a.status_since = e.ts
            a.blocked_reason = str(e.data.get("reason", ""))

    def _model_message(self, e: Event) -> None:
        if e.agent and not self._lean:
            message = e.data.get("message")
            if isinstance(message, dict):
                agent = self.state.agent(e.agent)
                agent.messages.append(message)
                if message.get("role") == "user":
                    agent.undelivered.clear()  # a user turn carries every waiting message

    def _human_message(self, e: Event) -> None:
        if e.agent and not self._lean:
            self.state.agent(e.agent).undelivered.append(str(e.data.get("text", "")))

    def _model_usage(self, e: Event) -> None:
        if not e.agent:
            return
        a = self.state.agent(e.agent)
        d = e.data
        a.input_tokens += count_of(d.get("input_tokens"))
        a.output_tokens += count_of(d.get("output_tokens"))
        a.cache_read_tokens += count_of(d.get("cache_read_input_tokens"))
        a.cache_write_tokens += count_of(d.get("cache_creation_input_tokens"))
        a.cost_usd += amount_of(d.get("cost_usd"))
        a.unpriced_model = str(d.get("model") or "?") if d.get("priced") is False else None

    # -- calls ---------------------------------------------------------------------

    def _call(self, e: Event) -> CallState | None:
        if e.call is None:
            return None
        c = self.state.calls.get(e.call)
        if c is None:
            c = self.state.calls[e.call] = CallState(e.call, e.agent, e.iteration)
        return c

    def _close(self, c: CallState) -> None:
        if self._on_call_closed is not None:
            self._on_call_closed(c)
        if self._lean:
            self.state.calls.pop(c.call, None)

    def _tool_requested(self, e: Event) -> None:
        c = self._call(e)
        if c is None:
            return
        c.tool = str(e.data.get("tool", ""))
        inp = e.data.get("input")
        c.input = inp if isinstance(inp, dict) else {}
        c.requested_seq = e.seq
        tool_use_id = e.data.get("tool_use_id")
        c.tool_use_id = tool_use_id if isinstance(tool_use_id, str) else None
        if e.agent:
            self.state.agent(e.agent).tool_calls += 1

    def _policy_decided(self, e: Event) -> None:
        c = self._call(e)
        if c is None:
            return
        c.tier = e.data.get("tier")
        c.reasons = [str(r) for r in items_of(e.data.get("reasons"))]
        c.rules = items_of(e.data.get("rules"))
        c.network = e.data.get("network") is True
        self.state.tiers[str(c.tier)] += 1
        if c.tier == "deny":
            c.decided_by = "rule"
            c.decision_reason = "; ".join(c.reasons) or "denied by rule"
            self.state.denials_by["rule"] += 1
            self._close(c)
        elif c.tier in (1, 2):
            grants = [
                r
                for r in c.rules
                if isinstance(r, dict) and str(r.get("id", "")).startswith("grant:")
            ]
            if grants:  # a session grant the human saved lowered it from tier 3
                c.decided_by = "rule"
                c.decision_reason = f"session grant {grants[0].get('id')}"
                self.state.approvals_by["rule"] += 1
            else:
                c.decided_by = "policy"

    def _approval_requested(self, e: Event) -> None:
        c = self._call(e)
        if c is not None and not c.started:  # after the start: a re-run's widening
            c.approval = "pending"

    def _approval_resolved(self, e: Event) -> None:
        c = self._call(e)
        if c is None:
            return
        d = e.data
        by = str(d.get("by", "unknown"))
        granted = ApprovalResolved.grants(d.get("approved"), by)
        if c.started:  # the sandbox blocked the run and the human was asked to widen it
            widened = d.get("widened")
            c.widened = widened if granted and isinstance(widened, dict) else c.widened
            (self.state.approvals_by if granted else self.state.denials_by)[by] += 1
            return
        c.approval = "approved" if granted else "denied"
        if granted and isinstance(d.get("widened"), dict):
            c.widened = d["widened"]
        c.decided_by = by
        c.decision_reason = d.get("reason")
        if granted:
            self.state.approvals_by[by] += 1
        else:
            self.state.denials_by[by] += 1
            self._close(c)

    def _snapshot(self, e: Event) -> None:
        c = self._call(e)
        if c is not None:
            c.snapshot = e.data.get("ref")
        if e.data.get("ref"):
            self.state.snapshots += 1

    def _tool_started(self, e: Event) -> None:
        c = self._call(e)
        if c is not None:
            c.started = True
            c.started_ts = e.ts

    def _tool_finished(self, e: Event) -> None:
        c = self._call(e)
        if c is None:
            return
        c.finished = True
        c.finished_ts = e.ts
        code = e.data.get("exit_code")
        c.exit_code = code if isinstance(code, int) else None
        c.error = e.data.get("error")
        output = e.data.get("output")
        c.output = output if isinstance(output, str) and not self._lean else None
        diff = e.data.get("diff")
        c.diff = diff if isinstance(diff, str) and diff and not self._lean else None
        c.diff_truncated = bool(e.data.get("diff_truncated"))
        artifact = e.data.get("artifact")
        c.artifact = artifact if isinstance(artifact, dict) else None
        self._close(c)

    # -- plan and log --------------------------------------------------------------

    def _plan_changed(self, e: Event) -> None:
        self.state.plan_digest = e.data.get("digest")
        by = e.data.get("by")
        ticked = e.data.get("unverified")
        if isinstance(ticked, list):
            for item in ticked:
                if isinstance(item, dict) and isinstance(item.get("task"), str):
                    self.state.unverified[item["task"]] = str(by)

    def _task_updated(self, e: Event) -> None:
        task = e.data.get("task")
        if isinstance(task, str):
            self.state.tasks[task] = dict(e.data)
            if e.agent:
                self.state.agent(e.agent).task = task
        ident = e.data.get("id")
        if isinstance(ident, str) and e.data.get("status") == "done":
            self.state.unverified.pop(ident, None)

    # -- the task board -------------------------------------------------------------

    def _record(self, task: Any) -> TaskRecord | None:
        if not isinstance(task, str):
            return None
        record = self.state.board.get(task)
        if record is None:
            record = self.state.board[task] = TaskRecord(task)
        return record

    def _task_state(self, e: Event) -> None:
        record = self._record(e.data.get("task"))
        if record is None:
            return
        d = e.data
        record.state = str(d.get("state") or record.state)
        record.why = str(d.get("why") or "")
        record.waits_for = [str(w) for w in items_of(d.get("waits_for"))]
        record.owner = e.agent or record.owner
        record.title = str(d.get("title") or record.title)
        record.phase = str(d.get("phase") or record.phase)
        record.since = e.ts
        strategy = d.get("strategy")
        if isinstance(strategy, int) and strategy != record.strategy:
            record.strategy, record.failures = strategy, 0
        if d.get("snapshot"):
            record.snapshot = str(d["snapshot"])
        if "flag" in d:
            record.flag = d["flag"] if isinstance(d["flag"], str) else None
        if d.get("report"):
            record.report = str(d["report"])
        if record.state in ("in_progress", "ready", "pending"):
            record.escalated_to = None

    def _task_verified(self, e: Event) -> None:
        if e.data.get("passed") is False:
            record = self.state.board.get(str(e.data.get("task")))
            if record is not None:
                record.failures += 1

    def _strategy_shifted(self, e: Event) -> None:
        record = self._record(e.data.get("task"))
        if record is not None:
            strategy = e.data.get("strategy")
            record.strategy = strategy if isinstance(strategy, int) else record.strategy + 1
            record.failures = 0

    def _task_escalated(self, e: Event) -> None:
        record = self._record(e.data.get("task"))
        if record is not None:
            record.escalated_to = str(e.data.get("to") or "")
            if e.data.get("report"):
                record.report = str(e.data["report"])

    def _task_answered(self, e: Event) -> None:
        record = self._record(e.data.get("task"))
        if record is not None:
            record.escalated_to = None

    def _phase_opened(self, e: Event) -> None:
        phase = e.data.get("phase")
        if isinstance(phase, str) and phase not in self.state.phases_opened:
            self.state.phases_opened.append(phase)

    def _phase_gate(self, e: Event) -> None:
        phase = e.data.get("phase")
        if isinstance(phase, str) and e.data.get("last") is True:
            self.state.gates[phase] = e.data.get("passed") is True

    def _log_recovered(self, e: Event) -> None:
        self.state.recoveries.append({"seq": e.seq, "ts": e.ts, **e.data})


# Readers of event data: a newer cockpit (or an odd backend) may put other shapes in a
# known kind's data; the state takes what it can read and never fails on the rest.


def items_of(value: Any) -> list[Any]:
    """A list field: a list as is, one value as a list of one, nothing as empty."""
    if isinstance(value, list):
        return list(value)
    return [] if value is None else [value]


def amount_of(value: Any) -> float:
    """A number field (cost); anything unreadable or not finite counts as 0."""
    if value is None:  # common (absent fields): no exception on the hot path
        return 0.0
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def count_of(value: Any) -> int:
    """A count field (tokens), read like `amount_of`."""
    if type(value) is int:
        return value
    return 0 if value is None else int(amount_of(value))


def fold(events: Iterable[Event]) -> SessionState:
    """The state after ``events``: a pure function of them."""
    builder = StateBuilder()
    for event in events:
        builder.apply(event)
    return builder.state
