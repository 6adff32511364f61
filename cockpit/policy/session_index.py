"""A session's snapshot index: `git add --all` that hashes only what changed.

A snapshot is built in an index file of its own. Seeded from a copy of the real index, it
has the stat data of the tracked files, but an untracked file is hashed at every snapshot
(a 200 MB one, a second each time). So each session keeps its index in the git directory
(`cockpit/snapshot-index/<session>`, never in the working tree): from its second snapshot
on, git reads only the files whose stat data changed, at about the cost of `git status`.

It is a cache and nothing else. Each use brings it to exactly what a fresh copy of the real
index plus `git add --all` would hold, out-of-scope paths excepted (`_update`, see
`credentials.py`), whatever it held before: an index left
by a crash, the user's `git add`/`git rm --cached`/commits meanwhile, a changed
`.gitignore` cannot make a snapshot differ. An index git cannot read (or a lock a crash
left on it) is thrown away and seeded again. It is reused on resume; the indexes of all
but the last few sessions are removed when a session first uses its own.
"""

from __future__ import annotations

import logging
import os
import shutil
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.policy.credentials import (
    is_cockpit_path,
    is_secret_path,
    out_of_snapshot_ignores,
    out_of_snapshot_pathspecs,
)

if TYPE_CHECKING:
    import git

INDEX_DIR = ("cockpit", "snapshot-index")
"""Where session indexes live, under the git directory."""
KEPT_INDEXES = 4
"""Session indexes kept: this session's and the most recently used others (for resume)."""
_ARGS_PER_CALL = 500  # paths per git command line, well under any ARG_MAX
log = logging.getLogger("cockpit.policy.session_index")


class SessionIndex:
    """One session's snapshot index in one repository. Not thread-safe: the safeguard's
    lock serialises its users."""

    def __init__(self, repo: git.Repo, session: str, identity: dict[str, str]) -> None:
        self.repo = repo
        self.path = Path(repo.git_dir).absolute().joinpath(*INDEX_DIR, session)
        self.env = {"GIT_INDEX_FILE": str(self.path), **identity}
        self._pruned = False

    def stage(self) -> str:
        """Bring the index to the working tree as it is now; its tree id. Raises
        `git.GitCommandError` when git cannot read the tree (a file vanished mid-read)."""
        import git

        if not self._pruned:
            self._pruned = True
            _prune(self.path.parent, keep=self.path.name)
        try:
            if not self.path.exists():
                self._seed()
            return self._update()
        except git.GitCommandError as exc:
            if self._readable():
                raise  # not the index: a file that vanished mid-read, say (the caller retries)
            log.info("session index %s seeded again: %s", self.path, exc)
            for leftover in (self.path, self._lock):
                with suppress(FileNotFoundError):
                    leftover.unlink()
            self._seed()
            return self._update()

    @property
    def _lock(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def _seed(self) -> None:
        """A copy of the real index (its stat data spares hashing the tracked files again),
        or nothing at all in a repository without one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        real = Path(self.repo.git_dir) / "index"
        if real.exists():
            partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.new")
            # copy2 keeps the modification time, which git's racy-entry check compares with
            # the entries' own: a copy that looked newer could hide an edit made meanwhile.
            shutil.copy2(real, partial)
            os.replace(partial, self.path)

    def _update(self) -> str:
        """Make the index hold what a fresh copy of the real index plus `git add --all`
        would, out of scope paths excepted: every file of the working tree but ignored ones
        (unless the real index tracks them), `.cockpit/` (never, tracked or not), and
        credential and dotenv files (unless the real index tracks them). Its tree id."""
        repo, env = self.repo, self.env
        repo.git.add("--all", "--", ":/", *out_of_snapshot_pathspecs(), env=env)
        # `add --all` never drops what an index holds. An entry the real index does not
        # track and that is ignored now (a `.gitignore` changed, `git rm --cached` ran) must
        # go; one the real index tracks although it is ignored (`git add -f`) must be there.
        # Out-of-scope paths count as ignored, and `.cockpit/` as never tracked.
        ours, theirs = _ignored(repo, env), _ignored(repo, None)
        theirs = {p for p in theirs if not is_cockpit_path(p)}
        top = Path(repo.working_tree_dir or ".")
        stale = sorted(ours - theirs)
        missing = sorted(p for p in theirs - ours if (top / p).is_file() or (top / p).is_symlink())
        # A tracked secret is already in git's objects: the snapshot holds it as it is now
        # (the pathspecs kept `add` from refreshing it).
        secrets = sorted(p for p in theirs & ours if is_secret_path(p))
        for flags, paths in (
            (("--force-remove",), stale),
            (("--add",), missing),
            (("--add", "--remove"), secrets),
        ):
            for start in range(0, len(paths), _ARGS_PER_CALL):
                chunk = paths[start : start + _ARGS_PER_CALL]
                repo.git.update_index(*flags, "--", *chunk, env=env)
        tree: str = repo.git.write_tree(env=env)
        return tree

    def _readable(self) -> bool:
        """Whether git can use the index: no lock left on it, and a file it can read."""
        import git

        if self._lock.exists():
            return False
        try:
            self.repo.git.ls_files("--", ":(literal).cockpit-no-such-path", env=self.env)
        except git.GitCommandError:
            return False
        return True


def _ignored(repo: git.Repo, env: dict[str, str] | None) -> set[str]:
    """Paths an index holds that the ignore rules match, or that are out of a snapshot's
    scope (the real index's, without env)."""
    scope = [f"--exclude={pattern}" for pattern in out_of_snapshot_ignores()]
    out = repo.git.ls_files("-z", "--cached", "--ignored", "--exclude-standard", *scope, env=env)
    return {name for name in out.split("\0") if name}


def _prune(directory: Path, keep: str) -> None:
    """Remove the indexes (with their locks and half-made copies) of all but the most
    recently used few sessions."""
    try:
        entries = [p for p in directory.iterdir() if p.is_file()]
    except FileNotFoundError:
        return
    used: dict[str, float] = {}
    for path in entries:
        owner = _owner(path.name)
        used.setdefault(owner, 0.0)
        if owner == path.name:  # the index itself: git rewrites it at every snapshot
            with suppress(FileNotFoundError):
                used[owner] = path.stat().st_mtime
    others = sorted((s for s in used if s != keep), key=used.__getitem__, reverse=True)
    doomed = set(others[KEPT_INDEXES - 1 :])
    for path in entries:
        if _owner(path.name) in doomed:
            with suppress(FileNotFoundError):
                path.unlink()


def _owner(name: str) -> str:
    """The session of `<session>`, `<session>.lock` or `.<session>.<pid>.new`."""
    if name.startswith(".") and name.endswith(".new"):
        return name[1:-4].rsplit(".", 1)[0]
    return name.removesuffix(".lock")
