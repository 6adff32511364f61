"""The scheduler: an ordered plan's work handed out in its order (`cockpit.plan.order`).

A plan that says in what order its work runs (`Plan.ordered`) is scheduled: an agent is
given a task (a message from cockpit, which starts or wakes it) only when the task's
dependencies are done and its phase is open, one task at a time. Each task is a state
machine on the board, every move a ``task.state`` event, so resume and replay fold the same
board:

    pending -> ready -> in_progress -> review -> done
                            |  ^          |
                            v  |          v (the merge skipped it: back to in_progress)
                          blocked      failed (its agent failed)

``review``: its owner said done and its verify passed; in a worktree session its work waits
for the merge ceremony (run as each task reaches review) to bring it onto the integration
branch, which the next tasks build on. A phase opens when every task of the phases before
it is done and their ``gate:`` passed on the integration state. Before a task with
``verify:`` is handed over, the verify runs once (red first): a verify that passes already
proves nothing, and the task is flagged or held. The escape hatch (`cockpit.supervisor.
escape`) counts its failures; a blocked task goes to the lead, then to the human.

A plan without order is not scheduled: every agent gets all its tasks at once, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cockpit.config.settings import OrchestrationSettings
from cockpit.errors import CockpitError
from cockpit.merge.checkout import throwaway_worktree
from cockpit.merge.git import git
from cockpit.merge.names import integration_branch
from cockpit.plan.document import Plan
from cockpit.plan.model import Task
from cockpit.plan.order import PhaseSpot, PlanOrder
from cockpit.policy.engine import Policy
from cockpit.session.events import Event
from cockpit.session.kinds import (
    AgentBlocked,
    AgentStatusChanged,
    HumanMessage,
    MergeAdvanced,
    MergeQuarantined,
    MergeSkipped,
    MergeStarted,
    PhaseGate,
    PhaseOpened,
    PlanChanged,
    TaskAnswered,
    TaskEscalated,
    TaskRed,
    TaskStateChanged,
    TaskUpdated,
)
from cockpit.session.state import SessionState
from cockpit.session.status import AgentStatus
from cockpit.supervisor.checked_run import refuse_tier3, run_checked
from cockpit.supervisor.escape_hatch import HATCH_KINDS, EscapeHatch

if TYPE_CHECKING:
    from cockpit.agent.runtime import AgentRuntime
    from cockpit.session.kinds import EventBody
    from cockpit.supervisor.places import Workplaces


class ScheduleHost(Protocol):
    """What the scheduler needs from its session (the supervisor implements it)."""

    root: Path
    plan_path: Path
    policy: Policy
    places: Workplaces

    @property
    def session(self) -> str: ...

    @property
    def log_path(self) -> Path: ...

    def budget_of(self, agent: str) -> tuple[int | None, int | None]: ...

    @property
    def runtimes(self) -> dict[str, AgentRuntime]: ...

    def current_plan(self) -> Plan: ...

    def known_agents(self) -> set[str]: ...

    async def record(
        self, body: EventBody, *, agent: str | None, iteration: int = 0, call: str | None = None
    ) -> Event: ...

    async def hand_over(self, agent: str, text: str) -> None: ...

    def writes_in_worktree(self, agent: str) -> bool: ...

    async def prepare_place(self, agent: str) -> bool: ...

    def agent_failed(self, agent: str) -> bool: ...

    def is_running_now(self, agent: str) -> bool: ...

    def iteration_of(self, agent: str) -> int: ...

    def unverified_ticks(self) -> Collection[str]: ...

    def answered(self, task: str) -> None: ...

    def blocked_for_human(
        self, task: str, agent: str | None, why: str, report: str | None
    ) -> None: ...


SCHEDULER = "cockpit"
"""``human.message``'s ``by`` for what the scheduler tells an agent (a task handed over)."""

PENDING, READY, IN_PROGRESS, REVIEW, DONE, BLOCKED, FAILED = (
    "pending",
    "ready",
    "in_progress",
    "review",
    "done",
    "blocked",
    "failed",
)
BUSY = frozenset({IN_PROGRESS, REVIEW})
"""An agent with a task in one of these gets no other (one step at a time)."""


@dataclass
class Board:
    """Each task's state, and what was last logged of it (nothing is logged twice)."""

    states: dict[str, str]
    owners: dict[str, str | None]
    said: dict[str, tuple[str, str, tuple[str, ...]]]
    strategy: dict[str, int]

    @classmethod
    def empty(cls) -> Board:
        return cls({}, {}, {}, {})

    def done(self) -> set[str]:
        return {t for t, s in self.states.items() if s == DONE}

    def of(self, agent: str, states: Collection[str]) -> list[str]:
        return [t for t, s in self.states.items() if s in states and self.owners.get(t) == agent]


class Scheduler:
    """Hands out an ordered plan's tasks and moves them on the board (see the module)."""

    def __init__(self, sup: ScheduleHost, settings: OrchestrationSettings, plan: Plan) -> None:
        self.sup = sup
        self.settings = settings
        self.plan = plan
        self.order: PlanOrder | None = PlanOrder.of(plan) if plan.ordered else None
        self.board = Board.empty()
        self.opened = 0
        self.gates_passed: set[str] = set()
        self._gate_tried: dict[str, tuple[Any, ...]] = {}
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self._phases_logged = False
        self._loop: asyncio.Task[None] | None = None
        self._working = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._escalated: dict[str, str] = {}
        """Task -> to whom it went (the lead's name, or ``human``)."""
        self._passed_by: dict[str, str] = {}
        """Task -> the lead that passed it on to the human (released when it is answered)."""
        self._reports: dict[str, str] = {}
        """Task -> its BLOCKER_REPORT.md: it goes with the task up to the human."""
        self._why: dict[str, str] = {}
        """Task -> why it was first escalated (the human sees it with the lead's word)."""
        self.problem: str | None = None
        self.hatch = EscapeHatch(self, settings, sup.budget_of)
        self._snapshots: dict[str, str | None] = {}
        """Task -> the snapshot its current strategy began from."""
        self._ticker: asyncio.Task[None] | None = None
        self.handed_at: dict[str, int] = {}
        """Task -> its agent's turn count when it last moved to in_progress: a turn that
        ends with a count no higher began before that, and says nothing of the task."""

    @property
    def active(self) -> bool:
        """The plan is ordered: this session is scheduled."""
        return self.order is not None

    @property
    def idle(self) -> bool:
        return self._queue.empty() and not self._working

    # -- the session's side ------------------------------------------------------------

    def saw(self, event: Event) -> None:
        """Every event the session logs (from `Supervisor.record`): handled in order, one at
        a time, on the scheduler's own task."""
        if not self.active or event.kind not in _HANDLED:
            return
        if event.kind == AgentStatusChanged.kind and event.data.get("status") not in _ENDS:
            return  # thinking, running...: nothing on the board moves
        self._idle.clear()
        self._queue.put_nowait(event)

    def start(self) -> None:
        if self.active and self._loop is None:
            self._loop = asyncio.ensure_future(self._run())
            self._ticker = asyncio.ensure_future(self._tick())

    async def _tick(self) -> None:
        """The escape hatch's stall clock, looked at on the scheduler's own turn."""
        every = min(max(self.settings.stall_s / 4, 0.5), 30.0)
        while True:
            await asyncio.sleep(every)
            if self.hatch.attempts and self.idle:
                self._idle.clear()
                self._queue.put_nowait(None)

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None

    async def settle(self) -> None:
        """Until every event seen so far is handled (a task it hands may wake an agent)."""
        while self.active and self._loop is not None and not self.idle:
            await self._idle.wait()

    async def _run(self) -> None:
        while True:
            event = await self._queue.get()
            self._working = True
            try:
                await self._on(event)
            except CockpitError as exc:
                self.problem = str(exc)
            except Exception as exc:  # the scheduler goes on with the next event
                self.problem = f"internal error: {type(exc).__name__}: {exc}"
            finally:
                self._working = False
                if self._queue.empty():
                    self._idle.set()

    def lead(self, known: Collection[str]) -> str | None:
        """The agent blocked work goes to first: the configured one, when it is in the
        session (or could join it)."""
        lead = self.settings.lead
        return lead if lead and lead in known else None

    # -- the start -------------------------------------------------------------------

    async def begin(self, agents: Collection[str]) -> dict[str, str]:
        """The board as the session starts (logged), the first phases opened, and each
        agent's first task handed over: agent -> the hand-over to add to its first
        message. An agent with tasks of which none is ready is not in it."""
        if self.order is None:
            return {}
        for task in self.plan.tasks:
            self.board.owners[task.id] = task.owner
            self.board.states[task.id] = DONE if task.done else PENDING
        await self._open_phases()
        await self._refresh()
        handed: dict[str, str] = {}
        for agent in agents:
            text = await self._next_for(agent, deliver=False)
            if text is not None:
                handed[agent] = text
        return handed

    def resume_from(self, state: SessionState) -> None:
        """The board as the log left it (a resumed session): nothing done runs again."""
        if self.order is None:
            return
        for task in self.plan.tasks:
            record = state.board.get(task.id)
            self.board.owners[task.id] = task.owner
            if record is None:
                self.board.states[task.id] = DONE if task.done else PENDING
                continue
            self.board.states[task.id] = record.state
            self.board.strategy[task.id] = record.strategy
            self.board.said[task.id] = (record.state, record.why, tuple(record.waits_for))
            if record.escalated_to:
                self._escalated[task.id] = record.escalated_to
                if record.escalated_to == "human" and record.state in (BLOCKED, FAILED):
                    why = record.why or "blocked"
                    self.sup.blocked_for_human(task.id, task.owner, why, record.report)
            self._snapshots[task.id] = record.snapshot
            if record.report:
                self._reports[task.id] = record.report
            if record.state == IN_PROGRESS:
                self.hatch.resume(task, self.sup.log_path)
        for task_id, record in state.board.items():
            if task_id.startswith("gate:") and record.escalated_to:
                self._escalated[task_id] = record.escalated_to
                passed = state.gates.get(task_id.removeprefix("gate:"))
                if record.escalated_to == "human" and passed is False:
                    self.sup.blocked_for_human(task_id, None, "its gate failed", None)
        titles = [spot.key for spot in self.order.phases]
        for title in state.phases_opened:
            if title in titles:
                self.opened = max(self.opened, titles.index(title))
        self.gates_passed = {phase for phase, passed in state.gates.items() if passed}
        self._phases_logged = True

    def resume_notes(self, state: SessionState) -> dict[str, str]:
        """After a crash: each task under way whose agent will not carry on by itself (it
        had ended its run, or never started, and no hand-over waits in its inbox) is
        handed to it again: agent -> the note."""
        notes: dict[str, str] = {}
        if self.order is None:
            return notes
        for task in self.plan.tasks:
            if self.board.states.get(task.id) != IN_PROGRESS or task.owner is None:
                continue
            agent = state.agents.get(task.owner)
            if agent is not None and agent.status not in _ENDS and agent.status != "blocked":
                continue  # it carries on where it was
            if agent is not None and agent.undelivered:
                continue  # the hand-over waits in its inbox
            notes[task.owner] = "The session was resumed. " + _handover(task, [])
        return notes

    async def carry_on(self) -> None:
        """After a resume: what became ready is handed over (once the agents are back)."""
        if self.active:
            self._idle.clear()
            self._queue.put_nowait(None)

    def unfinished(self) -> list[str]:
        """At the end: each task of a scheduled plan that is not done, with its state and
        why (what it waits for), in plan order."""
        if self.order is None:
            return []
        lines = []
        for task in self.plan.tasks:
            state = self.board.states.get(task.id, PENDING)
            if state == DONE:
                continue
            _, why, waits = self.board.said.get(task.id, (state, "", ()))
            said = f"waits for {', '.join(waits)}" if waits else why
            lines.append(f"#{task.id} {state}" + (f": {said}" if said else ""))
        return lines

    def is_waiting(self, agent: str) -> bool:
        """``agent`` owns tasks and none is ready: it starts when one is handed to it."""
        if self.order is None:
            return False
        mine = [t for t, o in self.board.owners.items() if o == agent]
        live = [t for t in mine if self.board.states.get(t) not in (DONE, FAILED)]
        return bool(live) and not self.board.of(agent, (READY, *BUSY))

    # -- what agents ask -----------------------------------------------------------------

    def refusal(self, agent: str, task_ref: str, status: str) -> str | None:
        """Why ``agent`` may not move ``task_ref`` to ``status`` now (None: it may). A task
        not handed over yet cannot be started or finished."""
        if self.order is None or status not in ("doing", "done"):
            return None
        task = self.plan.find_task(task_ref)
        if task is None or task.owner != agent:
            return None  # update_task explains that itself
        state = self.board.states.get(task.id, PENDING)
        if state in (PENDING, READY):
            waits = self.board.said.get(task.id, ("", "", ()))[2]
            why = f"it waits for {', '.join(waits)}" if waits else "it has not been handed to you"
            return (
                f"Task #{task.id} is {state}: {why}. cockpit hands you each task when its "
                "dependencies are done and its phase is open; work on the task you were "
                "handed."
            )
        if state == BLOCKED and status == "done":
            return f"Task #{task.id} is blocked ({self.board.said.get(task.id, ('', ''))[1]})."
        return None

    async def reopen(self, task_ref: str, by: str) -> str:
        """The lead hands a blocked (or failed) task to its owner again, with a fresh
        budget, or runs a failed gate again (``gate:PHASE``). What the lead is told."""
        if task_ref.startswith("gate:"):
            return await self._reopen_gate(task_ref.removeprefix("gate:"), by)
        task = self.plan.task(task_ref.removeprefix("#")) or self.plan.find_task(task_ref)
        if task is None:
            return f"no task {task_ref!r} in plan.md"
        state = self.board.states.get(task.id)
        if state not in (BLOCKED, FAILED):
            return f"#{task.id} is {state}, not blocked: nothing to reopen"
        self._escalated.pop(task.id, None)
        self.board.strategy[task.id] = 1
        self.sup.answered(task.id)
        await self.sup.record(TaskAnswered(task=task.id, by=by, how="reopened"), agent=task.owner)
        await self._move(task.id, PENDING, f"reopened by {by}")
        self._idle.clear()
        self._queue.put_nowait(None)
        return f"#{task.id} is reopened: cockpit hands it to @{task.owner} again when it is ready."

    async def _reopen_gate(self, phase: str, by: str) -> str:
        spots = [s for s in self.order.phases if s.key == phase] if self.order else []
        if not spots or not spots[0].gate:
            return f"no phase {phase!r} with a gate in plan.md"
        key = spots[0].key
        if key in self.gates_passed:
            return f"the gate of {phase!r} has passed already"
        self._gate_tried.pop(key, None)
        self._escalated.pop(f"gate:{key}", None)
        self.sup.answered(f"gate:{key}")
        await self.sup.record(TaskAnswered(task=f"gate:{key}", by=by, how="reopened"), agent=None)
        self._idle.clear()
        self._queue.put_nowait(None)
        return f"the gate of {phase!r} runs again once its phase's tasks are done."

    # -- events --------------------------------------------------------------------------

    async def _on(self, event: Event | None) -> None:
        if event is None:
            await self.hatch.tick()
        elif not (event.kind in HATCH_KINDS and await self.hatch.saw(event)):
            # (an agent's answer to the hatch's question: the hatch blocked the task itself)
            await self._dispatch(event)
        await self._advance()

    async def _dispatch(self, event: Event) -> None:
        kind = event.kind
        if kind == TaskUpdated.kind:
            await self._task_updated(event)
        elif kind == AgentBlocked.kind and event.agent:
            await self._agent_blocked(event.agent, str(event.data.get("reason") or ""))
        elif kind == MergeAdvanced.kind and event.agent:
            await self._merged(event.agent)
        elif kind == MergeStarted.kind:
            await self._nothing_to_merge(event)
        elif kind == MergeSkipped.kind and event.data.get("reason") == _ALREADY_MERGED:
            if event.agent and await self._nothing_new(event.agent):
                await self._merged(event.agent, "its branch is in the integration branch")
        elif kind in (MergeSkipped.kind, MergeQuarantined.kind) and event.agent:
            await self._merge_refused(event.agent, kind)
        elif kind == AgentStatusChanged.kind and event.agent:
            await self._agent_status(event.agent, str(event.data.get("status") or ""), event)
        elif kind == PlanChanged.kind:
            await self._reread()
        elif kind == HumanMessage.kind and event.agent and event.data.get("by") == "human":
            await self._answered(event.agent)

    async def _task_updated(self, event: Event) -> None:
        task_id = event.data.get("id")
        agent = event.agent
        if not isinstance(task_id, str) or agent is None or task_id not in self.board.states:
            return
        status = event.data.get("status")
        state = self.board.states[task_id]
        if status == "done" and state in (IN_PROGRESS, BLOCKED):
            writer = self.sup.writes_in_worktree(agent)
            await self._move(task_id, REVIEW if writer else DONE, "verified")
        elif status == "blocked" and state == IN_PROGRESS:
            note = str(event.data.get("note") or "its agent marked it blocked")
            await self._block(task_id, note)

    async def _agent_blocked(self, agent: str, reason: str) -> None:
        mine = self.board.of(agent, (IN_PROGRESS,))
        for task_id in mine:
            await self._block(task_id, reason)
        if mine:
            return
        # The lead gave up on what was escalated to it: the human gets it.
        for task_id, to in list(self._escalated.items()):
            if to == agent:
                await self._escalate(task_id, f"{agent} (the lead) could not resolve it: {reason}")

    async def _merged(self, agent: str, why: str = "merged onto the integration branch") -> None:
        for task_id in self.board.of(agent, (REVIEW,)):
            await self._move(task_id, DONE, why)

    async def _nothing_to_merge(self, event: Event) -> None:
        """An agent the ceremony left out because its branch has nothing to merge: its
        verified tasks changed no file (a planner whose plan edits go to the human's
        plan.md), so there is nothing to wait for."""
        for item in event.data.get("left_out") or []:
            if isinstance(item, dict) and item.get("verdict") == _NO_WORK and item.get("agent"):
                agent = str(item["agent"])
                if not self.board.of(agent, (REVIEW,)) or not await self._nothing_new(agent):
                    continue  # committed since the ceremony looked: its own one merges it
                for task_id in self.board.of(agent, (REVIEW,)):
                    await self._move(task_id, DONE, "verified; its work changed no file")

    async def _nothing_new(self, agent: str) -> bool:
        """The agent's branch has no commit the integration branch (or the base) lacks,
        as git says now: what a ceremony saw before the agent's last commit is stale."""
        tree = self.sup.places.worktree(agent)
        worktrees = self.sup.places.worktrees
        if tree is None or worktrees is None:
            return True
        target = await self._integration_head() or worktrees.base
        try:
            ahead = await git(worktrees.top, "rev-list", "--count", f"{target}..{tree.branch}")
            # Uncommitted work (its commit failed) is not "nothing": it waits to be merged.
            dirty = await git(tree.path, "status", "--porcelain", "--untracked-files=all")
        except CockpitError:
            return False
        return ahead.strip() == "0" and not dirty.strip()

    async def _merge_refused(self, agent: str, kind: str) -> None:
        why = "the merge ceremony skipped it"
        if kind == MergeQuarantined.kind:
            why = "quarantined: it changed paths outside its scope"
        for task_id in self.board.of(agent, (REVIEW,)):
            await self._move(task_id, IN_PROGRESS, f"{why}; see the ceremony's note")

    async def _agent_status(self, agent: str, status: str, event: Event) -> None:
        if status in (AgentStatus.DONE, AgentStatus.FAILED):
            # The lead's turn ended and what was escalated to it is still blocked: it could
            # not resolve it, so the human gets it.
            for task_id, to in list(self._escalated.items()):
                if to == agent and self._still_blocked(task_id):
                    await self._escalate(
                        task_id, f"{agent} (the lead) ended its turn without resolving it"
                    )
        if status != AgentStatus.FAILED:
            return
        detail = str(event.data.get("detail") or "its agent failed")
        for task_id in self.board.of(agent, (IN_PROGRESS,)):
            await self._move(task_id, FAILED, detail)
            await self._escalate(task_id, f"its agent {agent} failed: {detail}")

    async def _release_lead(self, task_id: str) -> None:
        """The lead that passed this task on waits (blocked) for an answer: it has come."""
        lead = self._passed_by.pop(task_id, None)
        runtime = self.sup.runtimes.get(lead) if lead else None
        if lead and runtime is not None and runtime.status == AgentStatus.BLOCKED:
            await self.sup.hand_over(
                lead,
                f"The human answered task #{task_id}, which you passed on; nothing more is "
                "needed from you on it.",
            )

    def _still_blocked(self, task_id: str) -> bool:
        if task_id.startswith("gate:"):
            return task_id.removeprefix("gate:") not in self.gates_passed
        return self.board.states.get(task_id) in (BLOCKED, FAILED)

    async def _answered(self, agent: str) -> None:
        """The human's message to an agent whose task waits for the human: the answer."""
        for task_id in self.board.of(agent, (BLOCKED,)):
            if self._escalated.get(task_id) != "human":
                continue
            self._escalated.pop(task_id, None)
            self.sup.answered(task_id)
            await self.sup.record(
                TaskAnswered(task=task_id, by="human", how="a message to its agent"), agent=agent
            )
            await self._move(task_id, IN_PROGRESS, "the human answered")
            task = self.plan.task(task_id)
            if task is not None:
                self.hatch.begin(task)  # a fresh budget for what the human's answer allows
            await self._release_lead(task_id)

    # -- moving tasks ----------------------------------------------------------------------

    def _task(self, task_id: str) -> Task:
        task = self.plan.task(task_id)
        assert task is not None
        return task

    async def _move(
        self,
        task_id: str,
        state: str,
        why: str = "",
        waits: tuple[str, ...] = (),
        **extra: Any,
    ) -> None:
        was = self.board.states.get(task_id, PENDING)
        said = (state, why, waits)
        if self.board.said.get(task_id) == said and was == state and not extra:
            return
        self.board.states[task_id] = state
        self.board.said[task_id] = said
        if state in (REVIEW, DONE, FAILED, PENDING, READY):
            self.hatch.forget(task_id)
        task = self.plan.task(task_id)
        body = TaskStateChanged(
            task=task_id,
            state=state,
            was=was,
            why=why or None,
            waits_for=list(waits) or None,
            title=task.title if task is not None else None,
            phase=task.phase if task is not None else None,
            **extra,
        )
        owner = self.board.owners.get(task_id)
        await self.sup.record(body, agent=owner)
        if state == IN_PROGRESS and owner:
            # A turn under way now began before this: its end is not this task's.
            self.handed_at[task_id] = self.sup.iteration_of(owner)

    async def _block(self, task_id: str, why: str, report: str | None = None) -> None:
        await self._move(task_id, BLOCKED, why, report=report)
        await self._escalate(task_id, why, report)

    async def _escalate(self, task_id: str, why: str, report: str | None = None) -> None:
        """To the lead first (when there is one and it is not the one blocked), then to
        the human: an inbox item of its own kind."""
        owner = self.board.owners.get(task_id)
        lead = self.lead(self.sup.known_agents())
        before = self._escalated.get(task_id)
        first = before is None
        to = lead if (lead and lead != owner and first) else "human"
        if to == "human" and before not in (None, "human"):
            self._passed_by[task_id] = str(before)
        if report:
            self._reports[task_id] = report
        report = report or self._reports.get(task_id)
        if first:
            self._why[task_id] = why
        elif self._why.get(task_id) and self._why[task_id] not in why:
            why = f"{why.rstrip('.')} (it was blocked: {self._why[task_id].rstrip('.')})"
        self._escalated[task_id] = to
        if to == "human":
            # In the inbox by the time the log says so (a screen reading the log finds it).
            self.sup.blocked_for_human(task_id, owner, why, report)
        await self.sup.record(
            TaskEscalated(task=task_id, to=to, reason=why, report=report), agent=owner
        )
        if to != "human":
            task = self.plan.task(task_id)
            if task is not None:
                subject = f'Task #{task_id} "{task.title}" (line {task.line}, @{owner})'
            else:
                subject = f"The gate of phase {task_id.removeprefix('gate:')!r}"
            said = f"\nIts report: {report}" if report else ""
            how = (
                "re-plan it with the replan tool (reassign it, split it into tasks, add a "
                "task it needs, or reopen it)"
                if task is not None
                else f"add a task that fixes what it checks, or once it is fixed run it again "
                f"with replan reopen `{task_id}`"
            )
            await self.sup.hand_over(
                to,
                f"{subject} is blocked: {why}{said}\n"
                f"You are the lead: {how}, or call report_blocked to pass it to the human.",
            )

    # -- the board ------------------------------------------------------------------------

    async def _reread(self) -> None:
        """plan.md changed: read its order again. Nothing running is pulled back; a new
        dependency holds a task that has not started."""
        plan = self.sup.current_plan()
        self.plan = plan
        # A scheduled session stays scheduled: a plan whose last order mark was taken out
        # is still run in its phases' order, one task after another.
        self.order = PlanOrder.of(plan)
        ticked_by_agents = self.sup.unverified_ticks()
        for task in plan.tasks:
            if task.id not in self.board.states:
                # A task that appears ticked is done only if the human ticked it: an agent
                # renaming its task and ticking the box has not finished it.
                done = task.done and task.id not in ticked_by_agents
                self.board.states[task.id] = DONE if done else PENDING
                self.board.owners[task.id] = task.owner
            if self.board.owners.get(task.id) != task.owner:
                old = self.board.owners.get(task.id)
                self.board.owners[task.id] = task.owner
                if self.board.states[task.id] in (IN_PROGRESS, BLOCKED, READY) and old:
                    was = self.board.states[task.id]
                    self.board.states[task.id] = PENDING  # reassigned: handed again
                    self.board.strategy[task.id] = 1
                    self._escalated.pop(task.id, None)
                    self.sup.answered(task.id)
                    if was in (IN_PROGRESS, BLOCKED) and old in self.sup.runtimes:
                        await self.sup.hand_over(
                            old,
                            f"Task #{task.id} is now @{task.owner}'s: stop working on it. "
                            "You have no task under way; cockpit hands you your next one.",
                        )
        gone = set(self.board.states) - {t.id for t in plan.tasks}
        for task_id in sorted(gone):
            state = self.board.states.pop(task_id, None)
            owner = self.board.owners.pop(task_id, None)
            self.hatch.forget(task_id)
            self.sup.answered(task_id)
            if state in (IN_PROGRESS, REVIEW, BLOCKED) and owner in self.sup.runtimes:
                await self.sup.hand_over(
                    owner,
                    f"Task #{task_id} was removed from plan.md: stop working on it. cockpit "
                    "hands you your next task when it is ready.",
                )

    async def _advance(self) -> None:
        """Open what may open, run the gates that are due, move tasks between pending and
        ready, and hand each free agent its next task."""
        if self.order is None:
            return
        for _ in range(len(self.order.phases) + 1):
            await self._open_phases()
            await self._refresh()
            if not await self._gates():
                break
        agents = {o for o in self.board.owners.values() if o}
        for agent in sorted(agents):
            await self._next_for(agent, deliver=True)

    async def _open_phases(self) -> None:
        assert self.order is not None
        opened = self.order.opened(self.board.done(), self.gates_passed, self.opened)
        first = not self._phases_logged
        for spot in self.order.phases[(0 if first else self.opened + 1) : opened + 1]:
            if spot.index and (spot.tasks or spot.gate):
                await self.sup.record(
                    PhaseOpened(phase=spot.key, line=spot.line, index=spot.index), agent=None
                )
        self._phases_logged = True
        self.opened = opened

    async def _refresh(self) -> None:
        """pending <-> ready, with what each waits for."""
        assert self.order is not None
        order = self.order
        done = self.board.done()
        opened = order.opened(done, self.gates_passed, self.opened)
        known = self.sup.known_agents()
        for task in self.plan.tasks:
            state = self.board.states.get(task.id, PENDING)
            if state not in (PENDING, READY):
                continue
            waits = order.waits(task.id, done, opened, lambda t: self.board.states.get(t, "?"))
            if task.owner is None:
                waits.append("an owner (no @agent on its line)")
            elif task.owner not in known:
                waits.append(f"@{task.owner}, which is no agent here")
            await self._move(task.id, PENDING if waits else READY, "", tuple(waits))

    async def _gates(self) -> bool:
        """Run each gate that is due (its phase's tasks are done and it has not passed on
        this state yet); True when one passed (more may open)."""
        assert self.order is not None
        done = self.board.done()
        passed_one = False
        for spot in self.order.phases:
            if spot.index > self.opened:
                break
            if not spot.gate or spot.key in self.gates_passed:
                continue
            if not self.order.complete(spot.index, done):
                continue
            key = (frozenset(t for t in spot.tasks if t in done), await self._integration_head())
            if self._gate_tried.get(spot.key) == key:
                continue
            self._gate_tried[spot.key] = key
            if await self._run_gate(spot):
                self.gates_passed.add(spot.key)
                self._escalated.pop(f"gate:{spot.key}", None)
                self.sup.answered(f"gate:{spot.key}")
                await self._release_lead(f"gate:{spot.key}")
                passed_one = True
        return passed_one

    async def _integration_head(self) -> str | None:
        worktrees = self.sup.places.worktrees
        if worktrees is None:
            return None
        ref = f"refs/heads/{integration_branch(worktrees.session)}"
        try:
            return (await git(worktrees.top, "rev-parse", "--verify", "--quiet", ref)).strip()
        except CockpitError:
            return None

    async def _run_gate(self, spot: PhaseSpot) -> bool:
        """The phase's gate commands on the integration state (the integration branch in a
        throwaway worktree, or the shared tree), through the policy and the sandbox; the
        first failure stops it and goes to the lead, then the human."""
        worktrees = self.sup.places.worktrees
        if worktrees is None:
            return await self._gate_in(spot, self.sup.root, self.sup.policy, None)
        head = await self._integration_head() or worktrees.base
        async with throwaway_worktree(worktrees.top, head) as tree:
            policy = Policy.load(tree, plan=self.sup.plan_path, rules_from=worktrees.top)
            return await self._gate_in(spot, tree, policy, head)

    async def _gate_in(
        self, spot: PhaseSpot, tree: Path, policy: Policy, commit: str | None
    ) -> bool:
        shared = self.sup.places.shared.toolbox
        for n, command in enumerate(spot.gate):
            ran = await run_checked(
                command,
                tree,
                policy,
                shared.executor,
                shared.walls_env,
                shared.sandbox,
                refuse_tier3,
            )
            passed = ran.get("exit_code") == 0
            last = not passed or n == len(spot.gate) - 1
            output = str(ran.get("refused") or ran.get("output") or "")
            await self.sup.record(
                PhaseGate(
                    phase=spot.key,
                    command=command,
                    passed=passed,
                    exit_code=ran.get("exit_code"),
                    output=output,
                    commit=commit,
                    tier=ran.get("tier"),
                    last=last,
                ),
                agent=None,
            )
            if not passed:
                why = f"the gate of phase {spot.name!r} failed: `{command}`:\n{output[-800:]}"
                await self._escalate(f"gate:{spot.key}", why)
                return False
        return True

    # -- handing over -----------------------------------------------------------------

    async def _next_for(self, agent: str, *, deliver: bool) -> str | None:
        """Hand ``agent`` its next ready task when it has none under way; the hand-over."""
        if self.board.of(agent, BUSY) or self.sup.agent_failed(agent):
            return None
        for task in self.plan.tasks:
            if task.owner == agent and self.board.states.get(task.id) == READY:
                text = await self._hand(agent, task)
                if text is None:
                    continue  # red first held it
                if deliver:
                    await self.sup.hand_over(agent, text)
                return text
        return None

    async def _hand(self, agent: str, task: Task) -> str | None:
        notes: list[str] = []
        if not await self.sup.prepare_place(agent):
            return None  # its worktree cannot be had: said on its pane and in the log
        if self.sup.writes_in_worktree(agent):
            synced = await self._sync(agent)
            if synced:
                notes.append(synced)
        flag: str | None = None
        if task.verify and self.settings.red_first != "off":
            passes = await self._red_first(agent, task)
            if passes:
                flag = "its verify passes before any work: it proves nothing yet"
                if self.settings.red_first == "block":
                    await self._block(
                        task.id,
                        f"red first: {flag}. Make its verify a test that fails until the task "
                        "is done, then reopen the task (replan reopen): it is checked again",
                    )
                    return None
                notes.append(
                    "Warning: its verify already passes before you start, so it cannot prove "
                    "your work. Make it a test that fails now and passes when the task is done."
                )
        snapshot = await self._snapshot(agent, f"strategy 1 of #{task.id}")
        self._snapshots[task.id] = snapshot
        self.board.strategy[task.id] = 1
        await self._move(
            task.id, IN_PROGRESS, "handed over", strategy=1, snapshot=snapshot, flag=flag
        )
        self.hatch.begin(task)
        return _handover(task, notes)

    # -- the escape hatch's side ----------------------------------------------------------

    def current(self, agent: str) -> str | None:
        """The task ``agent`` has under way, if any."""
        mine = self.board.of(agent, (IN_PROGRESS,))
        return mine[0] if mine else None

    def strategy_snapshot(self, task_id: str) -> str | None:
        return self._snapshots.get(task_id)

    async def strategy_began(self, task_id: str, strategy: int) -> None:
        """After a shift: the tree is back at the strategy's snapshot, the next begins."""
        self.board.strategy[task_id] = strategy
        await self._move(
            task_id,
            IN_PROGRESS,
            f"strategy {strategy}: the last approach was rolled back",
            strategy=strategy,
            snapshot=self._snapshots.get(task_id),
        )

    async def exhausted(self, task_id: str, reason: str) -> None:
        await self._move(
            task_id,
            IN_PROGRESS,
            f"every approach failed ({reason}): waiting for the agent's hypothesis",
        )

    async def blocked_by_hatch(self, task_id: str, why: str, report: str | None) -> None:
        await self._block(task_id, why, report)

    def last_words(self, agent: str) -> str:
        """What the agent last said in words (its hypothesis, when it did not call
        report_blocked)."""
        runtime = self.sup.runtimes.get(agent)
        for message in reversed(runtime.messages if runtime is not None else []):
            if message.get("role") != "assistant":
                continue
            content = message.get("content")
            if isinstance(content, str):
                return content
            texts = [b.get("text", "") for b in content or [] if isinstance(b, dict)]
            text = "\n".join(t for t in texts if t)
            if text:
                return text
        return ""

    async def _red_first(self, agent: str, task: Task) -> bool:
        """Run the task's verify once before the work; True when every command passes."""
        place = self.sup.places.of(agent)
        toolbox = place.toolbox
        for command in task.verify:
            ran = await run_checked(
                command,
                place.root,
                place.policy,
                toolbox.executor,
                toolbox.walls_env,
                toolbox.sandbox,
                refuse_tier3,
            )
            code = ran.get("exit_code")
            passes = code == 0
            await self.sup.record(
                TaskRed(
                    task=task.id,
                    command=command,
                    passes_already=passes,
                    exit_code=code,
                    mode=self.settings.red_first,
                    output=str(ran.get("refused") or ran.get("output") or "")[-800:],
                    tier=ran.get("tier"),
                ),
                agent=agent,
            )
            if not passes:
                return False
        return True

    async def _snapshot(self, agent: str, reason: str) -> str | None:
        safeguard = self.sup.places.of(agent).snapshots.safeguard
        try:
            snap = await asyncio.to_thread(safeguard.snapshot, reason)
        except CockpitError:
            return None
        return snap.ref if snap is not None else None

    async def _sync(self, agent: str) -> str | None:
        """Bring a writer's clean worktree to the integration branch before its next task
        (what it builds on is there); what to tell it when that cannot be done."""
        worktrees = self.sup.places.worktrees
        place = self.sup.places.of(agent)
        head = await self._integration_head()
        if worktrees is None or place.worktree is None or head is None:
            return None
        tree = place.root
        branch = integration_branch(worktrees.session)
        # A worktree git cannot bring along (or fails on): the agent is told to merge it.
        with contextlib.suppress(CockpitError):
            behind = await git(tree, "rev-list", "--count", f"HEAD..{head}")
            if not behind.strip() or behind.strip() == "0":
                return None
            status = await git(tree, "status", "--porcelain", "--untracked-files=all")
            ahead = await git(tree, "rev-list", "--count", f"{head}..HEAD")
            if not status.strip() and ahead.strip() == "0":
                await git(tree, "merge", "--ff-only", "--quiet", head)
                return f"cockpit brought your worktree to {branch} ({head[:10]}): build on it."
        return (
            f"{branch} has work your worktree does not ({head[:10]}): merge it before you "
            f"start (`git merge {branch}`)."
        )


def _handover(task: Task, notes: list[str]) -> str:
    lines = [f'cockpit hands you task #{task.id}: "{task.title}" (plan.md line {task.line}).']
    if task.verify:
        commands = "; ".join(f"`{v}`" for v in task.verify)
        lines.append(f"It is done when its verify passes: {commands}")
    lines += notes
    lines.append(
        f'Work on this task only. When it is finished, call update_task(task="{task.id}", '
        'status="done"); if you cannot finish it, call report_blocked with why. cockpit '
        "hands you your next task when it is ready."
    )
    return "\n".join(lines)


_HANDLED = frozenset(
    {
        TaskUpdated.kind,
        AgentBlocked.kind,
        MergeAdvanced.kind,
        MergeSkipped.kind,
        MergeQuarantined.kind,
        MergeStarted.kind,
        AgentStatusChanged.kind,
        PlanChanged.kind,
        HumanMessage.kind,
    }
)

_NO_WORK = "no work"  # merge_triage.Verdict.NO_WORK, as merge.started logs it
_ALREADY_MERGED = "already merged"  # merge.ceremony.Outcome.ALREADY_MERGED
_ENDS = frozenset({AgentStatus.DONE, AgentStatus.FAILED})

__all__ = ["SCHEDULER", "Scheduler"]
