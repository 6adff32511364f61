"""Triage before the merge ceremony: which of a session's agents may have their branch
merged, and why each other one is left out. Only an agent whose work is done and verified
is queued ("done" is what cockpit saw: its status, and each ``verify:`` it ran passing),
in plan order: the order of each agent's first task in plan.md, agents without tasks
after them in the order they started."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cockpit.plan.document import Plan
from cockpit.plan.model import Task, TaskState
from cockpit.session.events import Event
from cockpit.session.kinds import TaskVerified
from cockpit.session.state import StateBuilder
from cockpit.session.status import AgentStatus
from cockpit.worktrees.git import ref_sha
from cockpit.worktrees.layout import AgentTree
from cockpit.worktrees.registry import registered


class Verdict(StrEnum):
    """What triage found for one agent, in the words the log and the CLI show."""

    READY = "done and verified"
    UNVERIFIED = "not verified"
    FAILED = "failed"
    BLOCKED = "blocked"
    NOT_FINAL = "running or crashed"
    NO_WORK = "no work"
    NO_WORKTREE = "no worktree"
    VANISHED = "worktree vanished"
    UNKNOWN_AGENT = "unknown agent"


@dataclass(frozen=True, slots=True)
class Triaged:
    """One agent as triage sees it."""

    agent: str
    verdict: Verdict
    why: str
    branch: str | None = None
    worktree: Path | None = None
    tasks: tuple[Task, ...] = ()
    working: bool = False
    """Queued while it still works (a finished phase): its uncommitted work is not taken."""

    @property
    def queued(self) -> bool:
        return self.verdict is Verdict.READY

    def left_out(self) -> dict[str, str]:
        """The entry of ``merge.started``'s ``left_out`` list."""
        return {"agent": self.agent, "verdict": str(self.verdict), "why": self.why}


def triage(
    session: str, events: Iterable[Event], plan: Plan, top: Path, phase: str | None = None
) -> list[Triaged]:
    """Every agent of the log, in plan order, with its verdict. "No work" needs the branch
    after its uncommitted work is committed: the driver decides it (`no_work`).

    ``phase``: the ceremony a finished phase started in a live session. An agent still
    working whose tasks in that phase are all done and verified is queued too, with its
    done tasks only: what it committed is merged (its task's work was committed when the
    task was done), never what it has not committed yet."""
    builder = StateBuilder()
    verified: dict[tuple[str, str], bool] = {}
    for event in events:
        builder.apply(event)
        body = event.body
        if isinstance(body, TaskVerified) and body.task and body.command:
            verified[(str(body.task), str(body.command))] = body.passed is True
    agents = builder.state.agents
    worktrees = {e.branch: e.path for e in registered(top) if e.branch is not None}
    found = []
    for name in plan_order(list(agents), plan):
        tasks = tuple(plan.tasks_for(name))
        tree = AgentTree(session, name)
        worktree = worktrees.get(tree.ref)
        status = agents[name].status
        if ref_sha(top, tree.ref) is None:
            verdict, why = Verdict.NO_WORKTREE, "it worked in the shared tree: no branch"
        elif worktree is None or not worktree.is_dir():
            verdict = Verdict.VANISHED
            why = (
                f"its worktree is gone (its branch {tree.branch} is kept): restore it as "
                "`cockpit worktrees` says, then merge again"
            )
        elif status is AgentStatus.FAILED:
            verdict, why = Verdict.FAILED, f"it failed: {agents[name].detail or 'no reason'}"
        elif plan.ordered:
            # A scheduled plan: each task's verified work was committed as it was done, and
            # only that is merged (never what is uncommitted: a task under way, a blocked
            # one), whatever the agent does now; its later tasks are not handed over yet.
            tasks = tuple(t for t in tasks if t.status is TaskState.DONE)
            unverified = _unverified(tasks, verified)
            verdict = Verdict.UNVERIFIED if unverified else Verdict.READY
            why = unverified or "its done tasks are verified and committed"
            found.append(Triaged(name, verdict, why, tree.branch, worktree, tasks, True))
            continue
        elif status is AgentStatus.BLOCKED:
            reason = agents[name].blocked_reason or agents[name].detail or "no reason"
            verdict, why = Verdict.BLOCKED, f"it is blocked: {reason}"
        elif status is not AgentStatus.DONE and _phase_done(tasks, phase):
            tasks = tuple(t for t in tasks if t.status is TaskState.DONE)
            unverified = _unverified(tasks, verified)
            verdict = Verdict.UNVERIFIED if unverified else Verdict.READY
            why = unverified or f"its tasks in “{phase}” are done and verified; it goes on"
            found.append(Triaged(name, verdict, why, tree.branch, worktree, tasks, True))
            continue
        elif status is not AgentStatus.DONE:
            verdict, why = Verdict.NOT_FINAL, f"it is not done (last seen {status})"
        else:
            unverified = _unverified(tasks, verified)
            verdict = Verdict.UNVERIFIED if unverified else Verdict.READY
            why = unverified or "done, every task verified"
        found.append(Triaged(name, verdict, why, tree.branch, worktree, tasks))
    return found


def _phase_done(tasks: tuple[Task, ...], phase: str | None) -> bool:
    """Whether the agent owns tasks in ``phase`` and every one of them is done."""
    mine = [t for t in tasks if phase is not None and t.phase == phase]
    return bool(mine) and all(t.status is TaskState.DONE for t in mine)


def plan_order(agents: list[str], plan: Plan) -> list[str]:
    """``agents`` sorted by the line of each one's first task; those without tasks after,
    in their own order."""
    first: dict[str, int] = {}
    for task in plan.tasks:
        if task.owner is not None:
            first.setdefault(task.owner, task.line)
    with_tasks = sorted((a for a in agents if a in first), key=lambda a: first[a])
    return [*with_tasks, *(a for a in agents if a not in first)]


def _unverified(tasks: tuple[Task, ...], verified: dict[tuple[str, str], bool]) -> str:
    """Why the agent's tasks are not done-and-verified ("" when they are): a ``verify:``
    command with no passing run as its last, or a task without one that is not done."""
    for task in tasks:
        for command in task.verify:
            if not verified.get((task.id, command), False):
                return f"task {task.id}: `{command}` has not passed"
        if not task.verify and task.status is not TaskState.DONE:
            return f"task {task.id} is {task.status}"
    return ""
