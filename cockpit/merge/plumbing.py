"""The three plumbing steps of a merge that never touches a checkout: `merge-tree
--write-tree` (the merged tree, or the conflicting paths), `commit-tree` (the merge
commit), and a compare-and-swap `update-ref` (the branch moves only from the head the merge
was computed on)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cockpit.merge.git import IDENTITY, ZERO, MergeError, git, git_outcome, nul_split


@dataclass(frozen=True, slots=True)
class TreeMerge:
    """The outcome of merging two commits in memory."""

    tree: str
    conflicts: tuple[str, ...]
    """Paths git could not merge; empty when the merge is clean."""

    @property
    def clean(self) -> bool:
        return not self.conflicts


async def merge_tree(repo: Path, ours: str, theirs: str) -> TreeMerge:
    """Merge ``theirs`` into ``ours`` without a working tree; exit 1 is a conflict."""
    outcome = await git_outcome(
        repo,
        "merge-tree",
        "--write-tree",
        "--name-only",
        "--no-messages",
        "-z",
        ours,
        theirs,
        ok=(0, 1),
    )
    # "<tree>\0<path>\0<path>\0...": a conflicted path appears once per stage it has.
    fields = nul_split(outcome.text)
    if not fields:
        raise MergeError(f"git merge-tree printed no tree for {ours} and {theirs}")
    paths = tuple(dict.fromkeys(fields[1:]))
    if outcome.code == 1 and not paths:
        raise MergeError(f"git merge-tree reported a conflict without a path ({theirs})")
    return TreeMerge(fields[0], paths if outcome.code == 1 else ())


async def commit_merge(repo: Path, tree: str, parents: tuple[str, str], message: str) -> str:
    """A merge commit of ``tree`` with ``parents``, recorded by cockpit; its SHA."""
    out = await git(
        repo,
        "commit-tree",
        tree,
        "-p",
        parents[0],
        "-p",
        parents[1],
        "-m",
        message,
        env=IDENTITY,
    )
    return out.strip()


async def advance(repo: Path, ref: str, new: str, old: str | None, why: str) -> None:
    """Move ``ref`` to ``new`` only if it still points at ``old`` (None: must not exist
    yet). Someone else having moved it is a `MergeError`, never an overwrite."""
    try:
        await git(repo, "update-ref", "-m", why, ref, new, old or ZERO)
    except MergeError as exc:
        raise MergeError(f"{ref} moved while cockpit merged into it ({exc})") from exc


async def heads(repo: Path, refs: tuple[str, ...]) -> dict[str, str]:
    """The commit each of ``refs`` (full names) points at, in one call; a ref that does
    not exist is absent from the answer."""
    if not refs:
        return {}
    out = await git(repo, "for-each-ref", "--format=%(refname) %(objectname)", *refs)
    wanted = set(refs)
    found = (line.split(" ", 1) for line in out.splitlines() if " " in line)
    return {ref: sha for ref, sha in found if ref in wanted}


async def contained_in(repo: Path, head: str, refs: tuple[str, ...]) -> frozenset[str]:
    """Which of ``refs`` are already contained in ``head`` (ancestors of it, or it)."""
    if not refs:
        return frozenset()
    out = await git(repo, "for-each-ref", f"--merged={head}", "--format=%(refname)", *refs)
    return frozenset(out.split()) & frozenset(refs)
