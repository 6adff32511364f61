"""Bringing the integration branch into the user's branch: never automatic, a tier-3
decision the human takes on its diff summary. A fast-forward when the user's branch is an
ancestor of it, else a real merge commit; both in the user's checkout with git's own
porcelain, which never overwrites a local change. Uncommitted changes to a file the
bring-in touches are refused up front, by name; a conflicting merge is aborted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cockpit.errors import CockpitError
from cockpit.merge.git import IDENTITY, MergeError, git, git_outcome, nul_split
from cockpit.merge.names import integration_branch
from cockpit.session.kinds import MergeBrought


class BringInRefused(CockpitError):
    """The integration branch was not brought in; the message says why and what to do."""


class NothingToBringIn(BringInRefused):
    """The user's branch already has everything the integration branch holds."""


@dataclass(frozen=True)
class BringIn:
    """What bringing the integration branch in would do: shown before the human decides."""

    top: Path
    integration: str
    target: str
    before: str
    tip: str
    fast_forward: bool
    stat: str
    files: tuple[str, ...]
    merged: tuple[str, ...]

    def summary(self) -> list[str]:
        how = "fast-forward" if self.fast_forward else "a merge commit"
        agents = ", ".join(self.merged) or "none recorded"
        return [
            f"bring {self.integration} into {self.target} ({how}, "
            f"{self.before[:10]} -> {self.tip[:10]}); merged agents: {agents}",
            *self.stat.rstrip("\n").splitlines(),
        ]


async def prepare_bring_in(top: Path, session: str, merged: Sequence[str]) -> BringIn:
    """The bring-in of ``session``'s integration branch into the branch checked out at
    ``top``, or `BringInRefused` saying why it cannot be done."""
    integration = integration_branch(session)
    tips = await git(top, "for-each-ref", "--format=%(objectname)", f"refs/heads/{integration}")
    tip = tips.strip()
    if not tip:
        raise BringInRefused(f"no {integration}: run `cockpit merge {session}` first")
    on = await git_outcome(top, "symbolic-ref", "-q", "--short", "HEAD", ok=(0, 1))
    if on.code != 0:
        raise BringInRefused(
            f"{top} is on a detached HEAD: switch to the branch to bring {integration} into"
        )
    target = on.text.strip()
    before = (await git(top, "rev-parse", "HEAD")).strip()
    if await _is_ancestor(top, tip, before):
        raise NothingToBringIn(f"nothing to bring in: {target} already has {integration}")
    files = tuple(nul_split(await git(top, "diff", "--name-only", "-z", f"{before}...{tip}")))
    status = await git(top, "status", "--porcelain=v1", "-z", "--no-renames", "-uall")
    touched = sorted({entry[3:] for entry in nul_split(status)} & set(files))
    if touched:
        raise BringInRefused(
            f"not brought in: your checkout has uncommitted changes to {', '.join(touched)}, "
            "which the bring-in would change: commit or stash them first"
        )
    return BringIn(
        top,
        integration,
        target,
        before,
        tip,
        await _is_ancestor(top, before, tip),
        # --summary names what a line count hides: a new symlink (mode 120000), a file
        # made executable, a deletion
        await git(top, "diff", "--stat", "--summary", f"{before}...{tip}"),
        files,
        tuple(merged),
    )


async def bring_in(plan: BringIn, by: str) -> MergeBrought:
    """Do the bring-in the human approved (``by``: who said yes)."""
    top = plan.top
    now = (await git(top, "rev-parse", "HEAD")).strip()
    if now != plan.before:
        raise BringInRefused(f"{plan.target} moved since the summary: run it again")
    if plan.fast_forward:
        try:
            await git(top, "merge", "--ff-only", "--quiet", plan.tip)
        except MergeError as exc:
            raise BringInRefused(f"git refused to fast-forward over local files: {exc}") from exc
    else:
        message = f"Merge {plan.integration} ({', '.join(plan.merged)}) into {plan.target}"
        done = await git_outcome(
            top,
            "merge",
            "--no-ff",
            "--no-edit",
            "--quiet",
            "-m",
            message,
            plan.tip,
            env=IDENTITY,
            ok=(0, 1, 2, 128),
        )
        if done.code != 0:
            conflicts = nul_split(await git(top, "diff", "--name-only", "--diff-filter=U", "-z"))
            await git_outcome(top, "merge", "--abort", ok=(0, 128))
            what = f"conflicts in {', '.join(conflicts)}" if conflicts else "git refused"
            said = done.err.decode("utf-8", "replace").strip().splitlines()
            detail = "" if conflicts or not said else f" ({said[-1]})"
            raise BringInRefused(
                f"not brought in: {what}{detail}; the merge was aborted and {plan.target} "
                "is as it was"
            )
    after = (await git(top, "rev-parse", "HEAD")).strip()
    return MergeBrought(
        integration=plan.integration,
        target=plan.target,
        before=plan.before,
        after=after,
        fast_forward=plan.fast_forward,
        by=by,
        merged=list(plan.merged),
    )


async def _is_ancestor(top: Path, older: str, newer: str) -> bool:
    out = await git_outcome(top, "merge-base", "--is-ancestor", older, newer, ok=(0, 1))
    return out.code == 0
