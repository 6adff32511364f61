"""The merge ceremony's engine: branches already triaged done-and-verified are merged, in
order, onto the session's private integration branch. Each merge is computed in memory
(`merge-tree`), recorded (`commit-tree`), checked by the caller's checks, and only then
made the branch's head (compare-and-swap). A branch that conflicts, fails its checks or
strays from its scope is skipped, not reverted later; what merged stays merged.

Every step is handed to ``record`` as an event body before the next one starts. A run cut
short (a crash) can be run again with the same queue: a branch the integration head
already contains is recognised and not merged twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cockpit.errors import CockpitError
from cockpit.merge.git import MergeError, git
from cockpit.merge.names import ref_of
from cockpit.merge.plumbing import advance, commit_merge, contained_in, heads, merge_tree
from cockpit.merge.scope_check import check_scope
from cockpit.policy.scope import WriteScope
from cockpit.session.kinds import (
    EventBody,
    MergeAdvanced,
    MergeChecked,
    MergeConflict,
    MergeSkipped,
    MergeStarted,
)

OUTPUT_CAP = 4000
"""Characters of a failing check's output kept in the log (its end: where errors are)."""


class Outcome(StrEnum):
    MERGED = "merged"
    ALREADY_MERGED = "already merged"
    CONFLICT = "conflict"
    CHECKS_FAILED = "checks failed"
    QUARANTINED = "quarantined"
    MISSING = "no such branch"


@dataclass(frozen=True, slots=True)
class Queued:
    """One branch in the ceremony's queue."""

    agent: str
    branch: str
    scope: WriteScope | None = None
    """Checked again right before the merge when given (the worktree's dirty files too)."""
    worktree: Path | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A merge commit the checks run on: not on any branch until they pass."""

    agent: str
    branch: str
    head: str
    """The agent branch's commit merged."""
    before: str
    """The integration head it was merged onto."""
    commit: str


@dataclass(frozen=True, slots=True)
class CheckResult:
    passed: bool
    exit_code: int | None = None
    output: str = ""


Check = Callable[[Candidate], Awaitable[CheckResult]]
Record = Callable[[EventBody], object]


@dataclass(frozen=True, slots=True)
class BranchResult:
    agent: str
    branch: str
    outcome: Outcome
    head: str | None
    before: str
    after: str
    paths: tuple[str, ...] = ()
    """The conflicting paths, or the paths outside the scope."""
    why: str = ""
    """What the agent is told."""


@dataclass(frozen=True, slots=True)
class CeremonyResult:
    integration: str
    before: str
    after: str
    results: tuple[BranchResult, ...]

    @property
    def merged(self) -> tuple[str, ...]:
        return tuple(r.branch for r in self.results if r.outcome is Outcome.MERGED)


async def run_ceremony(
    repo: Path,
    base: str,
    integration: str,
    queue: Sequence[Queued],
    check: Check,
    record: Record,
) -> CeremonyResult:
    """Merge ``queue`` in order onto ``integration`` (created at ``base`` if it does not
    exist yet). Raises `MergeError` when git fails or the integration branch is moved by
    someone else meanwhile; everything advanced before that stays."""
    queue = _first_of_each(queue)
    target = ref_of(integration)
    await _not_checked_out(repo, target)
    refs = tuple(ref_of(q.branch) for q in queue)
    known = await heads(repo, (target, *refs))
    current = known.get(target)
    if current is None:
        current = (
            await git(repo, "rev-parse", "--verify", "--end-of-options", f"{base}^{{commit}}")
        ).strip()
        await advance(repo, target, current, None, "cockpit: integration branch created")
    start = current
    done = await contained_in(repo, current, tuple(r for r in refs if r in known))
    record(
        MergeStarted(
            integration=integration, base=base, before=current, queue=[q.branch for q in queue]
        )
    )
    results: list[BranchResult] = []
    for q in queue:
        head = known.get(ref_of(q.branch))
        result = await _merge_one(
            repo, base, target, q, head, current, ref_of(q.branch) in done, check, record
        )
        current = result.after
        results.append(result)
    return CeremonyResult(integration, start, current, tuple(results))


def _first_of_each(queue: Sequence[Queued]) -> list[Queued]:
    """The queue with each branch once, where it first appears."""
    first: dict[str, Queued] = {}
    for q in queue:
        first.setdefault(q.branch, q)
    return list(first.values())


async def _not_checked_out(repo: Path, target: str) -> None:
    """Refuse to move a branch a worktree has checked out: its files and index would no
    longer match its HEAD (the user's checkout above all)."""
    listing = await git(repo, "worktree", "list", "--porcelain", "-z")
    where = ""
    for entry in listing.split("\0"):
        if entry.startswith("worktree "):
            where = entry.removeprefix("worktree ")
        elif entry == f"branch {target}":
            raise MergeError(
                f"{target.removeprefix('refs/heads/')} is checked out in {where}: cockpit "
                "merges only onto a branch no checkout is on"
            )


async def _merge_one(
    repo: Path,
    base: str,
    target: str,
    q: Queued,
    head: str | None,
    current: str,
    contained: bool,
    check: Check,
    record: Record,
) -> BranchResult:
    def skipped(outcome: Outcome, why: str, paths: tuple[str, ...] = ()) -> BranchResult:
        record(
            MergeSkipped(
                branch=q.branch, head=head, before=current, after=current, reason=outcome, why=why
            )
        )
        return BranchResult(q.agent, q.branch, outcome, head, current, current, paths, why)

    if head is None:
        return skipped(Outcome.MISSING, f"the branch {q.branch} does not exist")
    if contained:
        return skipped(Outcome.ALREADY_MERGED, f"{q.branch} is already in the integration branch")
    if q.scope is not None:
        # What the branch adds beyond what it shares with the integration branch: a
        # worktree brought to the integration head (its next task builds on merged work)
        # is not charged with the paths the others merged.
        quarantine = await check_scope(repo, current, q.branch, head, q.scope, q.worktree)
        if quarantine is not None:
            record(quarantine.event())
            return BranchResult(
                q.agent,
                q.branch,
                Outcome.QUARANTINED,
                head,
                current,
                current,
                quarantine.paths,
                quarantine.reason,
            )
    merged = await merge_tree(repo, current, head)
    if not merged.clean:
        paths = merged.conflicts
        record(
            MergeConflict(
                branch=q.branch, head=head, before=current, after=current, paths=list(paths)
            )
        )
        why = f"{q.branch} conflicts with the integration branch in: {', '.join(paths)}"
        return skipped(Outcome.CONFLICT, why, paths)
    message = f"Merge {q.branch} ({q.agent}) into {target.removeprefix('refs/heads/')}"
    commit = await commit_merge(repo, merged.tree, (current, head), message)
    try:
        checked = await check(Candidate(q.agent, q.branch, head, current, commit))
    except CockpitError as exc:  # checks that could not run did not pass
        checked = CheckResult(False, None, f"the checks could not run: {exc}")
    output = checked.output[-OUTPUT_CAP:]
    record(
        MergeChecked(
            branch=q.branch,
            head=head,
            before=current,
            after=commit,
            passed=checked.passed,
            exit_code=checked.exit_code,
            output=output,
        )
    )
    if not checked.passed:
        code = f" (exit {checked.exit_code})" if checked.exit_code is not None else ""
        return skipped(Outcome.CHECKS_FAILED, f"the checks failed{code}: {output.strip()}")
    await advance(repo, target, commit, current, f"cockpit: {message}")
    record(MergeAdvanced(branch=q.branch, head=head, before=current, after=commit))
    return BranchResult(q.agent, q.branch, Outcome.MERGED, head, current, commit)
