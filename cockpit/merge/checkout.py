"""A throwaway worktree of one commit: where the integration checks run on a merge that is
not on any branch yet, away from the user's checkout and from every agent's worktree."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from cockpit.merge.git import MergeError, git


@asynccontextmanager
async def throwaway_worktree(repo: Path, commit: str) -> AsyncIterator[Path]:
    """A detached worktree of ``commit`` in a temporary folder, removed (and unregistered
    from the repository) when the block ends, whatever happened in it."""
    parent = Path(tempfile.mkdtemp(prefix="cockpit-check-"))
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
