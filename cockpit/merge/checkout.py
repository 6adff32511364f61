"""A throwaway worktree of one commit: where the integration checks run on a merge that is
not on any branch yet, away from the user's checkout and from every agent's worktree."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from cockpit.merge.git import MergeError, git
from cockpit.sandbox.pids import alive

_PREFIX = "cockpit-check-"


async def _sweep(repo: Path) -> None:
    """Forget the check worktrees of ceremonies whose process is gone (killed before its
    cleanup ran): their folder goes, then git's record of them."""
    listing = await git(repo, "worktree", "list", "--porcelain")
    stale = False
    for line in listing.splitlines():
        path = Path(line.removeprefix("worktree "))
        name = path.parent.name
        if not line.startswith("worktree ") or not name.startswith(_PREFIX):
            continue
        pid = name.removeprefix(_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(path.parent, ignore_errors=True)
            stale = True
    if stale:
        await git(repo, "worktree", "prune")


@asynccontextmanager
async def throwaway_worktree(repo: Path, commit: str) -> AsyncIterator[Path]:
    """A detached worktree of ``commit`` in a temporary folder, removed (and unregistered
    from the repository) when the block ends, whatever happened in it."""
    await _sweep(repo)
    parent = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
    tree = parent / "tree"
    try:
        await git(repo, "worktree", "add", "--detach", "--quiet", str(tree), commit)
        yield tree
    finally:
        try:
            if tree.exists():
                await git(repo, "worktree", "remove", "--force", str(tree))
        except MergeError:
            shutil.rmtree(tree, ignore_errors=True)
            await git(repo, "worktree", "prune")
        finally:
            shutil.rmtree(parent, ignore_errors=True)
