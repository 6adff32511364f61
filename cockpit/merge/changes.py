"""Every path an agent's work changed against the session's base: what its branch
committed, and what its worktree holds staged, unstaged or untracked. `git diff
--name-only` alone misses untracked files; a rename counts on both sides (the old path was
deleted, the new one written), so a move out of scope is seen as well as a move into it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cockpit.merge.git import MergeError, git, nul_split


@dataclass(frozen=True, slots=True)
class ChangedPaths:
    """Paths relative to the repository root, `/`-separated, sorted."""

    committed: tuple[str, ...]
    """Changed by the branch's commits since it left the base."""
    dirty: tuple[str, ...] = ()
    """Staged, unstaged or untracked in the agent's worktree (not yet committed)."""

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(sorted({*self.committed, *self.dirty}))


async def committed_paths(repo: Path, base: str, head: str) -> tuple[str, ...]:
    """Paths ``head``'s commits changed since it forked from ``base`` (``base...head``)."""
    out = await git(
        repo, "diff", "--no-renames", "--no-ext-diff", "--name-only", "-z", f"{base}...{head}"
    )
    return tuple(sorted(set(nul_split(out))))


async def dirty_paths(worktree: Path) -> tuple[str, ...]:
    """Paths staged, unstaged or untracked in ``worktree`` (gitignored files aside)."""
    if not worktree.is_dir():
        raise MergeError(f"the worktree {worktree} is gone: its changes cannot be listed")
    out = await git(
        worktree,
        "status",
        "--porcelain=v1",
        "-z",
        "--no-renames",
        "--untracked-files=all",
        "--ignore-submodules=none",
    )
    # Each entry is "XY path": with --no-renames there is never a second path.
    return tuple(sorted({entry[3:] for entry in nul_split(out)}))


async def changed_paths(
    repo: Path, base: str, head: str, worktree: Path | None = None
) -> ChangedPaths:
    """What the branch at ``head`` (and its ``worktree``, if it has one) changed since
    ``base``. Any git failure raises `MergeError`: nothing is assumed unchanged."""
    committed = await committed_paths(repo, base, head)
    dirty = await dirty_paths(worktree) if worktree is not None else ()
    return ChangedPaths(committed, dirty)
