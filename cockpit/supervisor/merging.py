"""The merge ceremony inside a running session: on the human's key, and by itself when
every task of a phase that a writing agent owns is done (``merge: auto``, on by default).

The ceremony's work is `cockpit.supervisor.ceremony`'s (the same as `cockpit merge`);
what is live here: its events go to the session's log and screen as they happen, the
agents it skips are told why at once (a blocked one wakes), the agents that only read
(a reviewer) have their worktree brought to the new integration head and are told, and
one ceremony runs at a time. A task's verified work is committed on its agent's branch
when the task is done (`commit_task`), so a phase's ceremony merges exactly what was
verified, never an agent's half-done next step.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cockpit.errors import CockpitError
from cockpit.merge.git import git
from cockpit.merge.names import integration_branch as _integration
from cockpit.plan.document import Plan, load_plan
from cockpit.plan.model import Task, TaskState
from cockpit.policy.model import Decision
from cockpit.policy.scope import WriteScope
from cockpit.session.chain import read_events
from cockpit.session.kinds import EventBody, MergeCommitted, MergeFinished
from cockpit.supervisor.ceremony import (
    CEREMONY,
    CeremonyReport,
    CeremonySetup,
    commit_work,
    run_merge,
)
from cockpit.supervisor.places import Place, Workplaces

Record = Callable[[EventBody, str | None], object]
Tell = Callable[[str, str], Awaitable[None]]
Approve = Callable[[str, Decision], Awaitable[bool]]


@dataclass(frozen=True)
class LiveDeps:
    """What the live ceremony needs from its session (the supervisor fills it in)."""

    places: Workplaces
    log_path: Path
    plan_path: Path
    scopes: Callable[[], Mapping[str, WriteScope]]
    env: Mapping[str, str]
    record: Record
    tell: Tell
    approve: Approve
    integration: tuple[str, ...] = ()
    radar: Callable[[], Awaitable[object]] | None = None
    """A radar scan, run first: an overlap shows in the log before the merge it affects."""


class LiveCeremony:
    """Runs the ceremony for a live session, one at a time."""

    def __init__(self, deps: LiveDeps) -> None:
        self._deps = deps
        self._lock = asyncio.Lock()
        self._autos: set[asyncio.Task[CeremonyReport | None]] = set()
        self.last: CeremonyReport | None = None
        self._merged_at: str | None = None
        """The session's branch heads when the last automatic ceremony began."""
        self.problem: str | None = None
        """Why the last ceremony could not run, in one line (shown, and logged as a note)."""

    @property
    def running(self) -> bool:
        return self._lock.locked()

    async def run(self, *, phase: str | None = None, auto: bool = False) -> CeremonyReport | None:
        """One ceremony now (after the one running, if any); None when it could not run,
        with `problem` saying why. ``phase``: the phase just finished (its agents may
        still be working on later ones: their verified, committed work is merged)."""
        deps = self._deps
        top = self._top()
        if top is None:
            self.problem = "the agents share one tree: there is nothing to merge"
            return None
        async with self._lock:
            # The radar scans the heads the ceremony is about to take (an agent may commit
            # while it scans: then again), so an overlap is in the log before the merge it
            # affects; a ceremony with nothing new since the last one is not run.
            heads = await _branch_heads(top, self._session())
            for _ in range(3):
                if deps.radar is not None:
                    await deps.radar()
                now = await _branch_heads(top, self._session())
                if now == heads:
                    break
                heads = now
            if auto and heads == self._merged_at:
                return None  # two tasks finished the phase at once: merged already
            if auto:
                self._merged_at = heads
            shared = deps.places.shared
            setup = CeremonySetup(
                top=top,
                session=self._session(),
                plan=load_plan(deps.plan_path),
                scopes=deps.scopes(),
                executor=shared.toolbox.executor,
                env=deps.env,
                sandbox=shared.toolbox.sandbox,
                approve=deps.approve,
                integration=deps.integration,
                phase=phase,
            )
            try:
                events = await asyncio.to_thread(lambda: list(read_events(deps.log_path)))
                report = await run_merge(setup, events, deps.record)
            except CockpitError as exc:
                self.problem = f"the merge ceremony stopped: {exc}"
                # Never silent: the log (and so the screen and a headless run) says it.
                deps.record(
                    MergeFinished(integration=_integration(self._session()), error=str(exc)),
                    None,
                )
                return None
            self.problem = None
            self.last = report
        for note in report.notes:
            await deps.tell(note.agent, note.text)
        await self._refresh_readers(top, report)
        return report

    def start_after_phase(self, phase: str | None) -> None:
        """A phase's writing is done: run a ceremony soon, without making the agent that
        finished it wait for the merge."""
        task = asyncio.ensure_future(self.run(phase=phase, auto=True))
        self._autos.add(task)
        task.add_done_callback(self._autos.discard)

    async def settle(self) -> None:
        """Wait for a ceremony a phase started (the session is ending: let it finish)."""
        while self._autos:
            task = next(iter(self._autos))
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            self._autos.discard(task)

    async def stop(self) -> None:
        """Cancel a ceremony in progress (the human quits; a resume finishes it)."""
        for task in list(self._autos):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _refresh_readers(self, top: Path, report: CeremonyReport) -> None:
        """Bring each reading agent's clean worktree to the integration head and say so."""
        if report.result.after == report.result.before:
            return
        scopes = self._deps.scopes()
        merged = ", ".join(report.merged_agents) or "nothing new"
        for agent, place in self._deps.places.own().items():
            scope = scopes.get(agent)
            if scope is None or scope.globs or place.worktree is None:
                continue
            moved = await _fast_forward(place, report.result.after)
            head = report.result.after[:10]
            integration = report.result.integration
            if moved:
                text = (
                    f"The merge ceremony advanced {integration} to {head} (merged: {merged}). "
                    "Your worktree now has that work: review it there."
                )
            else:
                text = (
                    f"The merge ceremony advanced {integration} to {head} (merged: {merged}), "
                    "but your worktree has changes of its own, so it was left where it is: "
                    f"`git merge --ff-only {integration}` brings the new work in."
                )
            await self._deps.tell(agent, text)

    def _top(self) -> Path | None:
        worktrees = self._deps.places.worktrees
        return worktrees.top if worktrees is not None else None

    def _session(self) -> str:
        worktrees = self._deps.places.worktrees
        assert worktrees is not None
        return worktrees.session


async def _branch_heads(top: Path, session: str) -> str:
    """Every agent branch of the session and its head, in one line: what a ceremony would
    have to merge. The integration branch is left out: a ceremony that moved it has not
    given the next one anything new to merge."""
    try:
        listed = await git(
            top,
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            f"refs/heads/cockpit/{session}/",
        )
    except CockpitError:
        return ""
    integration = f"refs/heads/{_integration(session)} "
    return "\n".join(line for line in listed.splitlines() if not line.startswith(integration))


async def _fast_forward(place: Place, tip: str) -> bool:
    """Move a reader's branch and worktree to ``tip`` when nothing in it would be lost."""
    tree = place.root
    try:
        status = await git(tree, "status", "--porcelain", "--untracked-files=all")
        if status.strip():
            return False
        await git(tree, "merge", "--ff-only", "--quiet", tip)
    except CockpitError:
        return False
    return True


def phase_done(plan: Plan, task_id: str, writers: set[str]) -> str | None:
    """The phase of ``task_id`` when every task in it owned by a writing agent is done."""
    task = plan.find_task(task_id)
    if task is None:
        return None
    mine = [t for t in plan.tasks if t.phase == task.phase and t.owner in writers]
    if mine and all(t.status is TaskState.DONE for t in mine):
        return task.phase
    return None


async def commit_task(place: Place, agent: str, task: Task) -> MergeCommitted | None:
    """Commit the agent's worktree on its branch as the task is done and verified: the
    ceremony merges what was verified, not what the agent does next. None when clean."""
    tree = place.worktree
    if tree is None:
        return None
    message = f"{agent}: {task.title}\n\nVerified and committed by cockpit ({task.id})."
    return await commit_work(tree.path, agent, tree.branch, (task,), message)


__all__ = ["CEREMONY", "LiveCeremony", "LiveDeps", "commit_task", "phase_done"]
