"""The escape hatch, live: each task under way has its `Attempts` (`escape`), fed by what
its agent does, and what an exhausted strategy leads to is done here.

- An iteration is a failed ``verify:`` run of the task, or the agent ending its turn with
  the task unfinished (it is told so and woken). A stuck loop (the same command failing the
  same way again and again) or a stall (nothing succeeding for ``stall_s``) exhausts the
  strategy at once.
- An exhausted strategy while shifts remain: the agent's tree goes back to the snapshot
  taken when the strategy began (`strategy_rollback`), ``strategy.shifted`` is logged, and
  the agent is told its approach failed, must not be repeated, and why (the failure's
  output).
- The last strategy exhausted: rolled back too; the agent is asked for its hypothesis of
  the root cause (it answers with report_blocked, or its last words are taken), then
  ``BLOCKER_REPORT.md`` is written in its tree (`blocker_report`), the task is blocked and
  escalated.

In a worktree the whole tree goes back; in a shared tree only the files the agent wrote
with cockpit's file tools do (another agent's work is never rolled back; what the agent's
shell commands wrote there is not known to be its, and stays).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cockpit.config.settings import OrchestrationSettings
from cockpit.errors import CockpitError
from cockpit.merge.git import git
from cockpit.plan.model import Task
from cockpit.safeguard.git_exclude import REPORT_COMMENT, exclude
from cockpit.session.chain import read_events
from cockpit.session.events import Event
from cockpit.session.kinds import (
    AgentBlocked,
    AgentStatusChanged,
    StrategyShifted,
)
from cockpit.session.status import AgentStatus
from cockpit.supervisor.blocker_report import (
    REPORT_NAME,
    BlockerReport,
    recommend,
    write_report,
)
from cockpit.supervisor.escape import Attempts, Budget, Verdict, attempts_from_log
from cockpit.supervisor.strategy_rollback import roll_back

if TYPE_CHECKING:
    from cockpit.plan.document import Plan
    from cockpit.session.kinds import EventBody
    from cockpit.supervisor.places import Workplaces


class HatchSession(Protocol):
    """What the hatch needs from the session (the supervisor)."""

    places: Workplaces

    @property
    def session(self) -> str: ...

    async def record(
        self, body: EventBody, *, agent: str | None, iteration: int = 0, call: str | None = None
    ) -> Event: ...

    async def hand_over(self, agent: str, text: str) -> None: ...

    def is_running_now(self, agent: str) -> bool: ...


class HatchHost(Protocol):
    """What the hatch needs from the scheduler (the board's side of a verdict)."""

    plan: Plan
    handed_at: dict[str, int]

    @property
    def sup(self) -> HatchSession: ...

    def current(self, agent: str) -> str | None: ...

    def strategy_snapshot(self, task_id: str) -> str | None: ...

    async def strategy_began(self, task_id: str, strategy: int) -> None: ...

    async def exhausted(self, task_id: str, reason: str) -> None: ...

    async def blocked_by_hatch(self, task_id: str, why: str, report: str | None) -> None: ...

    def last_words(self, agent: str) -> str: ...


HATCH_KINDS = frozenset({AgentStatusChanged.kind, AgentBlocked.kind})
"""The events the hatch reads (the scheduler passes them on, in order); the agents' calls
and verifies reach it directly (`attempted`, `verify_failed`), before the agent goes on."""

BudgetOf = Callable[[str], tuple[int | None, int | None]]
"""An agent's own budget from its file: (iterations, shifts), None where it sets none."""


class EscapeHatch:
    """The attempts of every task under way, and what their verdicts lead to."""

    def __init__(
        self,
        scheduler: HatchHost,
        settings: OrchestrationSettings,
        budget_of: BudgetOf,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.scheduler = scheduler
        self.settings = settings
        self._budget_of = budget_of
        self._clock = clock
        self.attempts: dict[str, Attempts] = {}
        self._asked: dict[str, str] = {}
        """task -> its agent, asked for its hypothesis (the last strategy failed)."""
        self._written: dict[str, set[str]] = {}
        """task -> the files its current approach wrote with the file tools."""
        self._due: dict[str, Verdict] = {}
        """task -> a stall's verdict, acted on at its agent's next step."""

    # -- a task begins, or comes back -------------------------------------------------

    def budget(self, task: Task) -> Budget:
        agent_iterations, agent_shifts = self._budget_of(task.owner) if task.owner else (None, None)
        return Budget(
            iterations=task.iterations or agent_iterations or self.settings.iterations,
            shifts=_first(task.shifts, agent_shifts, self.settings.shifts),
            stuck_repeats=self.settings.stuck_repeats,
            stall_s=self.settings.stall_s,
        )

    def begin(self, task: Task) -> None:
        """The task is handed over with a fresh budget (first time, or reopened)."""
        self.attempts[task.id] = Attempts(task.id, self.budget(task), started_at=self._clock())
        self._asked.pop(task.id, None)
        self._written.pop(task.id, None)

    def resume(self, task: Task, log_path: Path) -> None:
        """A resumed session: the counts as the log has them, never started over."""
        events = read_events(log_path)
        attempts = attempts_from_log(events, task.id, self.budget(task))
        attempts.stalled(self._clock())  # the stall clock starts again now
        self.attempts[task.id] = attempts

    def forget(self, task_id: str) -> None:
        self.attempts.pop(task_id, None)
        self._asked.pop(task_id, None)
        self._due.pop(task_id, None)

    # -- what the agents do ---------------------------------------------------------

    async def attempted(
        self,
        agent: str,
        command: str,
        exit_code: int | None,
        output: str,
        failed: bool,
        wrote: str | None = None,
    ) -> str | None:
        """One of the agent's tool calls ran (called before the agent sees its result): a
        stuck loop, or a stall noticed meanwhile, ends its approach here and now. The note
        for the agent, or None. ``wrote``: the file a file tool wrote (a shared tree's
        rollback takes back only what this approach wrote)."""
        task_id = self._current(agent)
        if task_id is None or task_id in self._asked:
            return None
        if wrote is not None:
            self._written.setdefault(task_id, set()).add(wrote)
        due = self._due.pop(task_id, None)
        if due is not None:
            return await self._act(task_id, due)
        verdict = self.attempts[task_id].command_finished(
            command, exit_code if failed else 0, output, self._clock()
        )
        return await self._act(task_id, verdict) if verdict is not Verdict.GO_ON else None

    async def verify_failed(
        self, agent: str, task_id: str, command: str, exit_code: int | None, output: str
    ) -> str | None:
        """The task's verify failed in the agent's update_task: one iteration."""
        attempts = self.attempts.get(task_id)
        if attempts is None or task_id in self._asked or self._current(agent) != task_id:
            return None
        self._due.pop(task_id, None)
        verdict = attempts.verify_failed(command, exit_code, output)
        return await self._act(task_id, verdict) if verdict is not Verdict.GO_ON else None

    async def saw(self, event: Event) -> bool:
        """What the scheduler passes on: a block (True when it answers the hypothesis
        question: the hatch blocks the task itself) or an agent's turn ending."""
        agent = event.agent
        if agent is None:
            return False
        if event.kind == AgentBlocked.kind:
            return await self._hypothesis(agent, str(event.data.get("reason") or ""))
        if event.kind == AgentStatusChanged.kind and event.data.get("status") == AgentStatus.DONE:
            task_id = self._current(agent)
            if task_id is None or event.iteration <= self.scheduler.handed_at.get(task_id, 0):
                return False  # the turn that ended began before the task was handed over
            await self._turn_ended(agent)
        return False

    async def tick(self) -> None:
        """The stall clock: a task whose agent has done nothing useful for too long. Its
        approach ends at the agent's next step (or now, when it is not running)."""
        now = self._clock()
        for task_id, attempts in list(self.attempts.items()):
            if task_id in self._asked or task_id in self._due:
                continue
            verdict = attempts.stalled(now)
            if verdict is Verdict.GO_ON:
                continue
            task = self.scheduler.plan.task(task_id)
            owner = task.owner if task is not None else None
            if owner is not None and not self.scheduler.sup.is_running_now(owner):
                note = await self._act(task_id, verdict)
                if note:
                    await self.scheduler.sup.hand_over(owner, note)
            else:
                self._due[task_id] = verdict

    async def _turn_ended(self, agent: str) -> None:
        """The agent ended its turn with its task unfinished: a failed attempt to finish.
        It is told so and woken."""
        task_id = self._current(agent)
        if task_id is None:
            return
        if task_id in self._asked:
            await self._report(task_id, agent, self.scheduler.last_words(agent))
            return
        attempts = self.attempts[task_id]
        verdict = self._due.pop(task_id, None) or attempts.verify_failed(
            "(ended its turn)", None, "the agent ended its turn without finishing the task"
        )
        if verdict is not Verdict.GO_ON:
            note = await self._act(task_id, verdict)
        else:
            left = attempts.budget.iterations - attempts.failures
            task = self.scheduler.plan.task(task_id)
            unproven = "its verify has not passed" if task and task.verify else "it is not done"
            note = (
                f"Task #{task_id} is not finished: {unproven}, and you ended your turn. Go on "
                f"with it (call update_task with status done when it is done), or call "
                f"report_blocked if you cannot finish it. ({left} more failed attempts in "
                "this approach and cockpit rolls it back.)"
            )
        if note:
            await self.scheduler.sup.hand_over(agent, note)

    # -- verdicts -------------------------------------------------------------------

    async def _act(self, task_id: str, verdict: Verdict) -> str | None:
        """Roll the approach back and shift, or ask for the hypothesis: what the agent is
        told."""
        task = self.scheduler.plan.task(task_id)
        attempts = self.attempts.get(task_id)
        if task is None or task.owner is None or attempts is None:
            return None
        agent = task.owner
        reason = attempts.ended or "exhausted"
        snapshot = self.scheduler.strategy_snapshot(task_id)
        written = self._written.pop(task_id, set())
        abandoned, rolled = await self._roll_back(agent, snapshot, written)
        last_error = attempts.last_errors[-1] if attempts.last_errors else ""
        if verdict is Verdict.SHIFT:
            failures = attempts.failures
            attempts.shifted(self._clock(), abandoned=abandoned, rolled_back_to=snapshot or "")
            await self.scheduler.sup.record(
                StrategyShifted(
                    task=task_id,
                    strategy=attempts.strategy,
                    failures=failures,
                    reason=reason,
                    rolled_back_to=snapshot,
                    abandoned=abandoned or None,
                    last_error=last_error or None,
                ),
                agent=agent,
            )
            await self.scheduler.strategy_began(task_id, attempts.strategy)
            total = attempts.budget.shifts + 1
            return (
                f"cockpit: your approach to task #{task_id} failed: {reason}. {rolled} That "
                f"approach must not be repeated: think again and take a different one "
                f"(strategy {attempts.strategy} of {total}). The last failure:\n"
                f"{last_error}"
            )
        attempts.close(abandoned=abandoned, rolled_back_to=snapshot or "")
        self._asked[task_id] = agent
        await self.scheduler.exhausted(task_id, reason)
        return (
            f"cockpit: your last approach to task #{task_id} failed too ({reason}); every "
            f"approach it had is used up. {rolled} Do not change any file now. Call "
            "report_blocked with your hypothesis of the root cause: what you think is really "
            "wrong, and why. cockpit writes BLOCKER_REPORT.md with it and passes the task on."
        )

    async def _roll_back(
        self, agent: str, snapshot: str | None, written: set[str]
    ) -> tuple[str, str]:
        """(what was thrown away, a sentence for the agent). In a shared tree only the
        files this approach wrote go back: what the human or another agent changed
        meanwhile, even in a file the agent wrote before, stays."""
        if snapshot is None:
            return "", "Nothing could be rolled back: no snapshot was taken when it began."
        place = self.scheduler.sup.places.of(agent)
        only = None if place.worktree is not None else written
        try:
            done = await roll_back(place.snapshots.safeguard, snapshot, only=only)
        except CockpitError as exc:
            return "", f"cockpit could not roll your work back ({exc})."
        if not done.restored and not done.removed:
            return done.abandoned, "There was nothing to roll back."
        return (
            done.abandoned,
            f"cockpit rolled your files back to where that approach began "
            f"({len(done.restored)} restored, {len(done.removed)} removed).",
        )

    async def _hypothesis(self, agent: str, reason: str) -> bool:
        for task_id, asked in list(self._asked.items()):
            if asked == agent:
                await self._report(task_id, agent, reason)
                return True
        return False

    async def _report(self, task_id: str, agent: str, hypothesis: str) -> None:
        """Write BLOCKER_REPORT.md in the agent's tree, block the task and escalate it."""
        self._asked.pop(task_id, None)
        attempts = self.attempts.pop(task_id, None)
        task = self.scheduler.plan.task(task_id)
        if attempts is None or task is None:
            return
        place = self.scheduler.sup.places.of(agent)
        report = BlockerReport(
            task=task_id,
            title=task.title,
            agent=agent,
            verify=task.verify,
            strategies=tuple(attempts.history),
            last_errors=tuple(attempts.last_errors),
            hypothesis=hypothesis,
            intervention=recommend(
                task=task_id,
                agent=agent,
                verify=task.verify,
                worktree=place.root,
                session=self.scheduler.sup.session,
                own_worktree=place.worktree is not None,
            ),
        )
        try:
            path: str | None = str(write_report(place.root, report))
            await _keep_out_of_git(place.root)
        except CockpitError as exc:
            path = None
            hypothesis = f"{hypothesis} (BLOCKER_REPORT.md could not be written: {exc})"
        last = attempts.history[-1].reason if attempts.history else "?"
        why = f"escape hatch: {len(attempts.history)} approaches failed; the last: {last}"
        await self.scheduler.blocked_by_hatch(task_id, why, path)

    def _current(self, agent: str) -> str | None:
        task_id = self.scheduler.current(agent)
        return task_id if task_id in self.attempts else None


async def _keep_out_of_git(root: Path) -> None:
    """The report is a note for the human: never committed with the agent's work (it
    would stray outside its scope), never in `git status` (info/exclude, every worktree)."""
    try:
        common = await git(root, "rev-parse", "--path-format=absolute", "--git-common-dir")
    except CockpitError:
        return  # not in git: nothing to keep out
    await asyncio.to_thread(exclude, Path(common.strip()), f"/{REPORT_NAME}", REPORT_COMMENT)


def _first(*values: int | None) -> int:
    for value in values:
        if value is not None:
            return value
    return 0
