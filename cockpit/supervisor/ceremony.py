"""The merge ceremony as a user runs it: triage a session's agents, commit each finished
agent's uncommitted work onto its branch, merge the queue onto the integration branch
with the integration checks, and say what each skipped agent must be told.

One driver for both callers: `cockpit merge` (offline, after the session) and the live
session (a key on the screen, and when a phase is done). Each passes ``record``, which
writes an event to the session's log (and shows it); the notes for skipped agents come
back in the report, for the caller to deliver (offline: a ``human.message`` each, which a
resume delivers; live: the supervisor's own messages). Nothing here reaches into a
supervisor or a screen.

Crash safety: every step is an event before the next begins, and ``merge.finished`` ends a
ceremony. `unfinished_ceremony` finds a ``merge.started`` without its end; running the
ceremony again finishes it, and the engine merges nothing twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cockpit.config.settings import SandboxSettings
from cockpit.errors import CockpitError
from cockpit.merge.ceremony import CeremonyResult, Outcome, Queued, run_ceremony
from cockpit.merge.git import IDENTITY, git, nul_split
from cockpit.merge.names import integration_branch
from cockpit.plan.document import Plan
from cockpit.plan.model import Task
from cockpit.policy.scope import WriteScope
from cockpit.sandbox.boundary import Executor
from cockpit.session.events import Event
from cockpit.session.kinds import (
    EventBody,
    HumanMessage,
    MergeAdvanced,
    MergeChecked,
    MergeCommitted,
    MergeFinished,
    MergeSkipped,
    MergeStarted,
)
from cockpit.supervisor.merge_checks import Approve, IntegrationChecks
from cockpit.supervisor.merge_triage import Triaged, Verdict, triage
from cockpit.worktrees.layout import base_ref

CEREMONY = "merge ceremony"
"""Who the notes to skipped agents are from (``human.message``'s ``by``)."""

TOLD = (Outcome.CONFLICT, Outcome.CHECKS_FAILED, Outcome.QUARANTINED)
"""The outcomes an agent is told about: it can do something about them."""

Record = Callable[[EventBody, str | None], object]
"""Writes one event (with the agent it concerns, or None for the session) to the log."""


class CeremonyError(CockpitError):
    """The ceremony cannot run for this session (shared tree, no base, ...)."""


@dataclass(frozen=True)
class CeremonySetup:
    """Everything one ceremony needs, built by its caller (the CLI or the live session)."""

    top: Path
    """The repository's top: the user's checkout, never written by the ceremony."""
    session: str
    plan: Plan
    scopes: Mapping[str, WriteScope]
    """Each agent's write scope; an agent without one is left out (it cannot be checked)."""
    executor: Executor
    env: Mapping[str, str]
    sandbox: SandboxSettings
    approve: Approve
    integration: Sequence[str] = ()
    phase: str | None = None
    """A live session's finished phase (see `triage`); None: the whole session."""


@dataclass(frozen=True)
class AgentNote:
    """What a skipped agent is told, so it can rebase and try again."""

    agent: str
    text: str

    def message(self) -> HumanMessage:
        return HumanMessage(text=self.text, by=CEREMONY)


@dataclass(frozen=True)
class CeremonyReport:
    triaged: tuple[Triaged, ...]
    committed: tuple[MergeCommitted, ...]
    result: CeremonyResult
    notes: tuple[AgentNote, ...]

    @property
    def merged_agents(self) -> tuple[str, ...]:
        return tuple(
            r.agent
            for r in self.result.results
            if r.outcome in (Outcome.MERGED, Outcome.ALREADY_MERGED)
        )


def already_told(events: Iterable[Event], note: AgentNote) -> bool:
    """Whether the agent was given this very note by an earlier ceremony and has not moved
    since (no event of its own after it): a ceremony run again does not repeat itself."""
    last: str | None = None
    for event in events:
        if event.agent != note.agent:
            continue
        body = event.body
        if isinstance(body, HumanMessage):
            if body.by == CEREMONY:
                last = str(body.text)
        else:
            last = None
    return last == note.text


def unfinished_ceremony(events: Iterable[Event]) -> Event | None:
    """The last ``merge.started`` no ``merge.finished`` followed: a ceremony cut short."""
    open_start: Event | None = None
    for event in events:
        if event.kind == MergeStarted.kind:
            open_start = event
        elif event.kind == MergeFinished.kind:
            open_start = None
    return open_start


async def run_merge(
    setup: CeremonySetup, events: Sequence[Event], record: Record
) -> CeremonyReport:
    """Run the whole ceremony for ``setup.session``; see the module docstring.

    Raises:
        CeremonyError: the session has no base (its agents shared one tree).
        MergeError: git failed; what was merged before stays merged, and the log says it.
    """
    top, session = setup.top, setup.session
    base = (await git(top, "for-each-ref", "--format=%(objectname)", base_ref(session))).strip()
    if not base:
        raise CeremonyError(f"session {session}'s agents shared one tree: nothing to merge")
    await _integration_as_logged(top, session, base, events)
    found = triage(session, events, setup.plan, top, setup.phase)
    committed: list[MergeCommitted] = []
    checked: list[Triaged] = []
    for seen in found:
        if seen.queued and seen.agent not in setup.scopes:
            why = "its agent file is gone: its scope cannot be checked"
            seen = dataclasses.replace(seen, verdict=Verdict.UNKNOWN_AGENT, why=why)
        owned = seen.worktree is not None and seen.branch is not None and not seen.working
        if seen.queued and owned and seen.worktree is not None and seen.branch is not None:
            made = await commit_work(seen.worktree, seen.agent, seen.branch, seen.tasks)
            if made is not None:
                record(made, seen.agent)
                committed.append(made)
        if seen.queued and seen.branch is not None and await _no_work(top, base, seen.branch):
            why = f"{seen.branch} has nothing against the base: nothing to merge"
            seen = dataclasses.replace(seen, verdict=Verdict.NO_WORK, why=why)
        checked.append(seen)
    queue = [
        Queued(t.agent, t.branch, setup.scopes[t.agent], t.worktree)
        for t in checked
        if t.queued and t.branch is not None
    ]
    checks = IntegrationChecks(
        top,
        setup.plan.path,
        setup.executor,
        setup.env,
        setup.sandbox,
        setup.approve,
        {t.agent: _verify_commands(t.tasks) for t in checked if t.queued},
        setup.integration,
    )
    agent_of = {q.branch: q.agent for q in queue}
    left_out = [t.left_out() for t in checked if not t.queued]

    def logged(body: EventBody) -> None:
        agent: str | None = None
        if isinstance(body, MergeStarted):
            body = dataclasses.replace(body, left_out=left_out)
        elif isinstance(body, MergeChecked):
            ran = checks.ran.get(str(body.after), [])
            body = dataclasses.replace(body, commands=ran or None)
            agent = agent_of.get(str(body.branch))
        elif isinstance(body, MergeAdvanced | MergeSkipped):
            agent = agent_of.get(str(body.branch))
            done = isinstance(body, MergeAdvanced) or body.reason == Outcome.ALREADY_MERGED
            if done and agent is not None:
                checks.merged.append(agent)
        else:
            agent = agent_of.get(str(body.data().get("branch")))
        record(body, agent)

    integration = integration_branch(session)
    result = await run_ceremony(top, base, integration, queue, checks, logged)
    finished = MergeFinished(
        integration=integration,
        before=result.before,
        after=result.after,
        merged=list(result.merged),
        skipped=[r.branch for r in result.results if r.outcome in TOLD],
    )
    record(finished, None)
    notes = tuple(
        AgentNote(r.agent, _note(r.outcome, r.why, r.branch, integration))
        for r in result.results
        if r.outcome in TOLD
    )
    return CeremonyReport(tuple(checked), tuple(committed), result, notes)


async def _integration_as_logged(
    top: Path, session: str, base: str, events: Sequence[Event]
) -> None:
    """Refuse an integration branch that is not where the log last left it: only cockpit's
    checked merges may be on it, and the bring-in would carry anything else into the
    user's branch under the merged agents' names."""
    integration = integration_branch(session)
    logged = base
    for event in events:
        body = event.body
        if isinstance(body, MergeAdvanced) and body.after:
            logged = str(body.after)
        elif isinstance(body, MergeStarted) and body.before and logged == base:
            logged = str(body.before)  # a log from before the integration branch was born
    now = (
        await git(top, "for-each-ref", "--format=%(objectname)", f"refs/heads/{integration}")
    ).strip()
    if now and now != logged:
        raise CeremonyError(
            f"{integration} is at {now[:12]}, not at {logged[:12]} where the log left it: "
            "something other than cockpit moved it. Look at it with `git log "
            f"{integration}`, then `git update-ref refs/heads/{integration} {logged}` to "
            "put it back"
        )


def _note(outcome: Outcome, why: str, branch: str, integration: str) -> str:
    what = {
        Outcome.CONFLICT: "it conflicts with work merged before it",
        Outcome.CHECKS_FAILED: "the integration checks failed on the merge",
        Outcome.QUARANTINED: "it changed paths outside your write scope",
    }[outcome]
    fix = (
        "Undo the changes outside your scope"
        if outcome is Outcome.QUARANTINED
        else f"Rebase your work on {integration} (`git rebase {integration}` in your worktree)"
    )
    return (
        f"The merge ceremony left your branch {branch} out: {what}. {why}\n"
        f"{fix}, fix what is said above, make your task's verify pass again and report it "
        "done: the next ceremony will try your branch again."
    )


def _verify_commands(tasks: Sequence[Task]) -> list[str]:
    return [command for task in tasks for command in task.verify]


async def _no_work(top: Path, base: str, branch: str) -> bool:
    """The branch has no commit the base lacks."""
    count = await git(top, "rev-list", "--count", f"{base}..refs/heads/{branch}", "--")
    return count.strip() == "0"


_LOCK_TRIES = 6


async def _while_locked(run: Callable[[], Awaitable[str]]) -> str:
    """Run a git command that takes a lock (the worktree's index, a ref): another git
    (the conflict radar's status, a sibling worktree's commit) may hold it for a moment,
    so a held lock is waited for, a few times, before it is an error."""
    for attempt in range(_LOCK_TRIES):
        try:
            return await run()
        except CockpitError as exc:
            if ".lock" not in str(exc) or attempt == _LOCK_TRIES - 1:
                raise
            await asyncio.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")


async def commit_work(
    worktree: Path, agent: str, branch: str, tasks: Sequence[Task], message: str | None = None
) -> MergeCommitted | None:
    """Commit everything git does not ignore in ``worktree`` onto its agent's ``branch``,
    as cockpit; None when there is nothing. Only while the agent's worktree does not move:
    it is done, or waits on the task it just finished (``message`` then names the task).
    Git failing raises `MergeError`.
    """
    if not worktree.is_dir():
        return None  # the engine's scope check says the worktree is gone
    on = (await git(worktree, "symbolic-ref", "-q", "HEAD")).strip()
    if on != f"refs/heads/{branch}":
        raise CeremonyError(
            f"{agent}'s worktree {worktree} is on {on or 'no branch'}, not {branch}"
        )
    status = await git(worktree, "status", "--porcelain=v1", "-z", "--untracked-files=all")
    if not nul_split(status):
        return None
    before = (await git(worktree, "rev-parse", "HEAD")).strip()
    await _while_locked(lambda: git(worktree, "add", "--all", "--", "."))
    files = nul_split(await git(worktree, "diff", "--cached", "--name-only", "-z", "HEAD"))
    if not files:
        return None
    named = ", ".join(task.id for task in tasks) or "no plan task"
    message = message or f"{agent}'s work ({named}), committed by cockpit for the merge ceremony"
    await _while_locked(
        lambda: git(
            worktree,
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            message,
            env=IDENTITY,
        )
    )
    after = (await git(worktree, "rev-parse", "HEAD")).strip()
    return MergeCommitted(agent=agent, branch=branch, before=before, after=after, files=files)
