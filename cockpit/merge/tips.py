"""An agent's work as one commit, uncommitted changes included, so the radar can ask git
whether two agents really conflict before either has committed. The worktree's index is
copied, never written; the commit's identity and dates are fixed, so the same work is the
same SHA and the radar's cache holds across scans."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from cockpit.merge.git import IDENTITY, git

_FIXED = {
    **IDENTITY,
    "GIT_AUTHOR_DATE": "@0 +0000",
    "GIT_COMMITTER_DATE": "@0 +0000",
}


async def worktree_tip(worktree: Path, head: str) -> str:
    """``head`` when ``worktree`` holds nothing uncommitted; else a commit (child of
    ``head``, on no branch) of everything in it that git does not ignore."""
    index = await git(worktree, "rev-parse", "--path-format=absolute", "--git-path", "index")
    with tempfile.TemporaryDirectory(prefix="cockpit-radar-") as tmp:
        scratch = Path(tmp) / "index"
        source = Path(index.strip())
        if source.exists():
            shutil.copyfile(source, scratch)
        env = {"GIT_INDEX_FILE": str(scratch)}
        await git(worktree, "add", "--all", "--", ".", env=env)
        tree = (await git(worktree, "write-tree", env=env)).strip()
    if tree == (await git(worktree, "rev-parse", f"{head}^{{tree}}")).strip():
        return head
    message = "cockpit radar: uncommitted work"
    out = await git(worktree, "commit-tree", tree, "-p", head, "-m", message, env=_FIXED)
    return out.strip()
