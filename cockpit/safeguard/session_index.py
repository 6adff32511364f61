"""A session's snapshot index: `git add --all` that hashes only what changed.

A snapshot is built in an index file of its own. Seeded from a copy of the real index, it
has the stat data of the tracked files, but an untracked file is hashed at every snapshot
(a 200 MB one, a second each time). So each session keeps its index in the git directory
(`cockpit/snapshot-index/<session>`, never in the working tree): from its second snapshot
on, git reads only the files whose stat data changed, at about the cost of `git status`.

It is a cache and nothing else. Each use brings it to exactly what a fresh copy of the real
index plus `git add --all` would hold, out-of-scope paths excepted (`_update`, see
`secret_paths.py`), whatever it held before: an index left
by a crash, the user's `git add`/`git rm --cached`/commits meanwhile, a changed
`.gitignore` cannot make a snapshot differ. An index git cannot read (or a lock a crash
left on it) is thrown away and seeded again. It is reused on resume; the indexes of all
but the last few sessions are removed when a session first uses its own.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.safeguard.secret_paths import is_cockpit_path, out_of_snapshot_ignores

if TYPE_CHECKING:
    import git

INDEX_DIR = ("cockpit", "snapshot-index")
"""Where session indexes live, under the git directory."""
KEPT_INDEXES = 4
"""Session indexes kept: this session's and the most recently used others (for resume)."""
_ARGS_PER_CALL = 500  # paths per git command line, well under any ARG_MAX
log = logging.getLogger("cockpit.safeguard.session_index")


class SessionIndex:
    """One session's snapshot index in one repository. Not thread-safe: the safeguard's
    lock serialises its users."""

    def __init__(self, repo: git.Repo, session: str, identity: dict[str, str]) -> None:
        self.repo = repo
        self.path = Path(repo.git_dir).absolute().joinpath(*INDEX_DIR, session)
        self.env = {"GIT_INDEX_FILE": str(self.path), **identity}
        self._scope = ScopeExcludes(repo, self.path.parent.parent / "snapshot-exclude")
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
        would, out-of-scope paths excepted: every file of the working tree but ignored ones
        (unless the real index tracks them), `.cockpit/` (never, tracked or not), and
        credential and dotenv files (unless the real index tracks them). Its tree id."""
        repo, env = self.repo, self.env
        # The scope as ignore rules: git then never reads, hashes or stores an untracked
        # secret or log (pathspecs would do the same at ten times the cost on a large tree).
        repo.git.add("--all", "--", ":/", env={**env, **self._scope.config()})
        # `add --all` never drops what an index holds. An entry the real index does not
        # track and that is ignored now (a `.gitignore` changed, `git rm --cached` ran) must
        # go; one the real index tracks although it is ignored (`git add -f`) must be there.
        # Out-of-scope paths count as ignored, and `.cockpit/` as never tracked.
        ours, theirs = _ignored(repo, env), _ignored(repo, None)
        theirs = {p for p in theirs if not is_cockpit_path(p)}
        top = Path(repo.working_tree_dir or ".")
        stale = sorted(ours - theirs)
        missing = sorted(p for p in theirs - ours if (top / p).is_file() or (top / p).is_symlink())
        for flag, paths in (("--force-remove", stale), ("--add", missing)):
            for start in range(0, len(paths), _ARGS_PER_CALL):
                repo.git.update_index(flag, "--", *paths[start : start + _ARGS_PER_CALL], env=env)
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
    scope = [f"--exclude={pattern}" for pattern in SCOPE_PATTERNS]
    out = repo.git.ls_files("-z", "--cached", "--ignored", "--exclude-standard", *scope, env=env)
    return {name for name in out.split("\0") if name}


SCOPE_PATTERNS = out_of_snapshot_ignores()


class ScopeExcludes:
    """The excludes file `git add` reads for a snapshot: the user's own global excludes
    file (which it replaces), then the paths out of every snapshot."""

    def __init__(self, repo: git.Repo, path: Path) -> None:
        self.path = path
        self._user = _user_excludes(repo)
        self._stamp: tuple[int, int] | bool | None = False

    def config(self) -> dict[str, str]:
        """Environment that makes git read this file as `core.excludesFile`."""
        stamp = _stamp(self._user)
        if stamp != self._stamp or not self.path.exists():
            self._write()
            self._stamp = stamp
        n = int(os.environ.get("GIT_CONFIG_COUNT") or 0)
        return {
            "GIT_CONFIG_COUNT": str(n + 1),
            f"GIT_CONFIG_KEY_{n}": "core.excludesFile",
            f"GIT_CONFIG_VALUE_{n}": str(self.path),
        }

    def _write(self) -> None:
        own = ""
        if self._user is not None:
            with suppress(OSError):
                own = self._user.read_text(encoding="utf-8", errors="surrogateescape")
        text = f"{own}\n# cockpit: never in a snapshot\n" + "\n".join(SCOPE_PATTERNS) + "\n"
        with suppress(OSError):
            if self.path.read_text(encoding="utf-8", errors="surrogateescape") == text:
                return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
        os.replace(partial, self.path)


def _user_excludes(repo: git.Repo) -> Path | None:
    """The user's `core.excludesFile`, or git's default one."""
    import git

    try:
        configured = repo.git.config("--path", "--get", "core.excludesFile").strip()
    except git.GitCommandError:
        configured = ""
    if configured:
        return Path(os.path.expanduser(configured))
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(xdg) / "git" / "ignore"


def _stamp(path: Path | None) -> tuple[int, int] | None:
    try:
        info = path.stat() if path is not None else None
    except OSError:
        return None
    return None if info is None else (info.st_mtime_ns, info.st_size)


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
