"""What a sandboxed command may change at the top of `.git`, checked after it ran.

git's objects, refs, index and the files of a commit in progress must stay writable for
`git commit` to work, so `.git` cannot simply be read-only; but a file git reads as
configuration or as a pointer (`commondir`, `config.worktree`, a linked worktree's admin
folder, ...) would make the next git anyone runs here, cockpit's own snapshot included,
read a config the agent wrote: `core.fsmonitor` runs a program. bwrap protects the ones
that exist; what a command creates or changes beyond this list is undone after it ran.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from cockpit.sandbox.paths import linked_git

ALLOWED = (
    "objects", "refs", "logs", "index", "HEAD", "ORIG_HEAD", "FETCH_HEAD", "AUTO_MERGE",
    "MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "MERGE_RR", "MERGE_AUTOSTASH", "SQUASH_MSG",
    "CHERRY_PICK_HEAD", "REVERT_HEAD", "REBASE_HEAD", "COMMIT_EDITMSG", "TAG_EDITMSG",
    "NOTES_MERGE_*", "BISECT_*", "packed-refs", "shallow", "sequencer", "rebase-merge",
    "rebase-apply", "rr-cache", "lost-found", "gitk.cache", "description", "*.lock",
    "gc.pid", "gc.log", "lfs", "annex", "sharedindex.*",
    # read-only during every command (bwrap leaves an empty folder where one was missing)
    "hooks", "info", "modules", "worktrees",
)  # fmt: skip
"""Top-level names in `.git` a command may create or change (shell-style patterns)."""

_KEEP_BYTES = 1024 * 1024


@dataclass(frozen=True)
class GitControl:
    """The top of a `.git` folder before a command: what it held beyond `ALLOWED`."""

    git: Path
    names: frozenset[str]
    files: dict[str, bytes]

    @classmethod
    def of(cls, workspace: Path) -> GitControl | None:
        """The workspace's `.git` folder, or a linked worktree's own gitdir (whose `locked`
        file is cockpit's claim on the worktree)."""
        git = workspace / ".git"
        if git.is_file() and not git.is_symlink():
            linked = linked_git(workspace)
            if linked is None:
                return None
            git = linked.gitdir
        if not git.is_dir() or git.is_symlink():
            return None
        names = frozenset(_names(git))
        files = {}
        for name in names:
            path = git / name
            if not _allowed(name) and path.is_file() and not path.is_symlink():
                with contextlib.suppress(OSError):
                    if path.stat().st_size <= _KEEP_BYTES:
                        files[name] = path.read_bytes()
        return cls(git, names, files)

    def undo_changes(self) -> list[str]:
        """Put back what a command changed beyond `ALLOWED`; the names it had touched."""
        undone: list[str] = []
        for name in sorted(set(_names(self.git)) - self.names):
            if not _allowed(name):
                _remove(self.git / name)
                undone.append(name)
        for name, before in self.files.items():
            path = self.git / name
            try:
                now = path.read_bytes() if path.is_file() and not path.is_symlink() else None
            except OSError:
                now = None
            if now != before:
                _remove(path)
                with contextlib.suppress(OSError):
                    path.write_bytes(before)
                undone.append(name)
        return undone


def _names(git: Path) -> list[str]:
    try:
        return os.listdir(git)
    except OSError:
        return []


def _allowed(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in ALLOWED)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
