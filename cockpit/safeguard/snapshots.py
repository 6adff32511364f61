"""Tier-2 safeguard: snapshot the working tree before a risky action, roll back on demand.

A snapshot is a commit of every file git would see (tracked and untracked, ignored files
excepted) under `refs/cockpit/snapshots/<session>/<n>`, but never `.cockpit/` (the session
logs are 0600; git objects are not) nor a credential or dotenv file git does not already
track (`secret_paths.py`). A rollback leaves the same paths alone, whatever an older
snapshot holds: it never touches a log, a head, an artifact, a rule or `.git/`.

A snapshot is built in an index file of its own (`GIT_INDEX_FILE`), so the working tree,
the real index, HEAD and the stash never change. Outside git there is nothing to
snapshot: the safeguard says so once and carries on.

Each session keeps its own snapshot index (`session_index.py`): the untracked files are
hashed once per session, not once per snapshot.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.errors import SafeguardError
from cockpit.safeguard.git_exclude import keep_out_of_status
from cockpit.safeguard.secret_paths import is_cockpit_path, is_secret_path
from cockpit.safeguard.session_index import SessionIndex

if TYPE_CHECKING:
    import git

REF_PREFIX = "refs/cockpit/snapshots"
_SESSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_IDENTITY = {
    "GIT_AUTHOR_NAME": "cockpit",
    "GIT_AUTHOR_EMAIL": "cockpit@localhost",
    "GIT_COMMITTER_NAME": "cockpit",
    "GIT_COMMITTER_EMAIL": "cockpit@localhost",
}
_HARDENED = ("core.fsmonitor=false", "core.hooksPath=/dev/null")
"""cockpit's own git never runs a program a repository's configuration names for these:
an agent's command may have got one in (the sandbox undoes what it sees), and cockpit's git
runs outside the sandbox."""
log = logging.getLogger("cockpit.safeguard.snapshots")


@dataclass(frozen=True, slots=True)
class Snapshot:
    ref: str
    commit: str
    reason: str
    session: str
    number: int

    def to_dict(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "commit": self.commit,
            "reason": self.reason,
            "session": self.session,
            "number": self.number,
        }


@dataclass(frozen=True, slots=True)
class Rollback:
    """What a rollback changed, and the snapshot taken just before it (to undo it)."""

    snapshot: Snapshot
    restored: tuple[str, ...]
    removed: tuple[str, ...]
    safety: Snapshot | None = None
    unchanged: bool = field(default=False)
    abandoned: str = ""
    """With ``summarize``: the ``git diff --stat`` of what the rollback threw away."""


class Safeguard:
    """Snapshots and rollbacks for one session in one workspace."""

    def __init__(
        self, workspace_root: Path, session: str, warn: Callable[[str], None] | None = None
    ) -> None:
        if not _SESSION.match(session) or ".." in session or session.endswith(".lock"):
            raise SafeguardError(f"invalid session name for a snapshot ref: {session!r}")
        self.root = Path(workspace_root)
        self.session = session
        self._warn = warn or log.warning
        self._warned = False
        self._repo: git.Repo | None = None
        self._looked = False
        # Agents snapshot from worker threads at once. GitPython's Repo is not thread-safe
        # (its persistent `cat-file` pipe can deadlock), two snapshots must not pick the
        # same number, and the session index has one writer: one at a time.
        self._lock = threading.RLock()
        self._index: SessionIndex | None = None
        self._last_number: int | None = None

    # -- repository ----------------------------------------------------------------------

    @property
    def repo(self) -> git.Repo | None:
        """The git repository, or None (with a one-time warning) outside git."""
        if not self._looked:
            self._looked = True
            import git  # GitPython probes the git binary on import: only when needed

            try:
                repo = git.Repo(self.root, search_parent_directories=True)
            except (git.InvalidGitRepositoryError, git.NoSuchPathError):
                repo = None
            if repo is not None and repo.bare:
                repo = None
            self._repo = repo
            if repo is not None:
                repo.git.set_persistent_git_options(c=list(_HARDENED))
                top = Path(repo.working_tree_dir or self.root)
                keep_out_of_status(Path(repo.common_dir), top, self.root)
        if self._repo is None and not self._warned:
            self._warned = True
            self._warn(
                f"{self.root} is not a git repository: tier-2 actions run without a "
                "snapshot and cannot be rolled back"
            )
        return self._repo

    def _require(self) -> git.Repo:
        repo = self.repo
        if repo is None:
            raise SafeguardError(f"{self.root} is not a git repository: nothing to roll back")
        return repo

    @contextmanager
    def _temp_index(self, repo: git.Repo) -> Iterator[dict[str, str]]:
        """An empty index file of one use (a rollback reads the snapshot's tree into it)."""
        fd, path = tempfile.mkstemp(prefix="cockpit-index-", dir=repo.git_dir)
        os.close(fd)
        os.unlink(path)
        try:
            yield {"GIT_INDEX_FILE": path, **_IDENTITY}
        finally:
            for leftover in (path, path + ".lock"):
                with suppress(FileNotFoundError):
                    os.unlink(leftover)

    def _stage(self, repo: git.Repo) -> str:
        """The session index brought to the working tree as it is now; its tree id."""
        if self._index is None:
            self._index = SessionIndex(repo, self.session, _IDENTITY)
        return self._index.stage()

    # -- snapshots -----------------------------------------------------------------------

    def snapshot(self, reason: str) -> Snapshot | None:
        """Commit the working tree under the next snapshot ref; None outside git."""
        with self._lock:
            repo = self.repo
            if repo is None:
                return None
            for attempt in range(3):
                try:
                    return self._snapshot(repo, self.session, reason)
                except SafeguardError:
                    # Another agent may be writing while git reads the tree (a temp file
                    # that vanishes mid `git add`): look again before giving up.
                    if attempt == 2:
                        raise
                    time.sleep(0.05)
            raise AssertionError("unreachable")

    def _snapshot(
        self, repo: git.Repo, session: str, reason: str, tree: str | None = None
    ) -> Snapshot:
        import git

        try:
            if tree is None:
                tree = self._stage(repo)
            parents: list[str] = []
            if repo.head.is_valid():
                parents = ["-p", repo.head.commit.hexsha]
            message = f"cockpit snapshot ({session}): {reason}"
            commit = repo.git.commit_tree(tree, *parents, "-m", message, env=_IDENTITY)
            number = self._claim(repo, session, commit)
        except git.GitCommandError as exc:
            raise SafeguardError(f"snapshot failed: {_git_error(exc)}") from exc
        return Snapshot(f"{REF_PREFIX}/{session}/{number}", commit, reason, session, number)

    def _claim(self, repo: git.Repo, session: str, commit: str) -> int:
        """Point the session's next snapshot ref at ``commit``; its number.

        This session's last number is remembered; the ref is only ever created, never
        moved, so when another process took that number meanwhile, look again.
        """
        import git

        known = self._last_number if session == self.session else None
        while True:
            number = (known if known is not None else self._highest(repo, session)) + 1
            try:
                repo.git.update_ref(f"{REF_PREFIX}/{session}/{number}", commit, "", env=_IDENTITY)
            except git.GitCommandError:
                if known is None:
                    raise
                known = None
                continue
            if session == self.session:
                self._last_number = number
            return number

    def _highest(self, repo: git.Repo, session: str) -> int:
        names = repo.git.for_each_ref("--format=%(refname)", f"{REF_PREFIX}/{session}/")
        numbers = [name.rsplit("/", 1)[1] for name in names.splitlines()]
        return max((int(n) for n in numbers if n.isdigit()), default=0)

    def snapshots(self, session: str | None = None) -> list[Snapshot]:
        """This session's snapshots (or another session's), oldest first."""
        repo = self.repo
        if repo is None:
            return []
        return self._list(repo, session or self.session)

    def all_snapshots(self) -> list[Snapshot]:
        """Every session's snapshots in this repository."""
        repo = self.repo
        return [] if repo is None else self._list(repo, None)

    def _list(self, repo: git.Repo, session: str | None) -> list[Snapshot]:
        prefix = f"{REF_PREFIX}/{session}/" if session else f"{REF_PREFIX}/"
        out = repo.git.for_each_ref("--format=%(refname) %(objectname) %(contents:subject)", prefix)
        found: list[Snapshot] = []
        for line in out.splitlines():
            ref, commit, subject = [*line.split(" ", 2), "", ""][:3]
            parts = ref[len(REF_PREFIX) + 1 :].split("/")
            if len(parts) != 2 or not parts[1].isdigit():
                continue
            reason = subject.split("): ", 1)[1] if "): " in subject else subject
            found.append(Snapshot(ref, commit, reason, parts[0], int(parts[1])))
        found.sort(key=lambda s: (s.session, s.number))
        return found

    def resolve(self, ref: str) -> Snapshot:
        """A snapshot from its full ref, `<session>/<n>`, or `<n>` in this session."""
        repo = self._require()
        candidates = [ref]
        if not ref.startswith("refs/"):
            candidates = [f"{REF_PREFIX}/{ref}", f"{REF_PREFIX}/{self.session}/{ref}"]
        for candidate in candidates:
            for snap in self._list(repo, None):
                if snap.ref == candidate:
                    return snap
        raise SafeguardError(f"no snapshot {ref!r} (see `cockpit rollback --list`)")

    # -- rollback ------------------------------------------------------------------------

    def plan(self, ref: str) -> tuple[Snapshot, list[str], list[str]]:
        """What a rollback to `ref` would restore and remove, without changing anything."""
        repo = self._require()
        target = self.resolve(ref)
        current = self._current_tree(repo)
        restored, removed = self._changes(repo, current, target.commit)
        return target, restored, removed

    def rollback(
        self, ref: str, *, only: Collection[str] | None = None, summarize: bool = False
    ) -> Rollback:
        """Make the working tree match the snapshot: modified and deleted files come back,
        files created since are removed. The index, HEAD and the stash are not touched, and a
        snapshot of the tree just before (`safety`) makes the rollback itself undoable.

        ``only``: just these paths (files, or folders and what is under them) go back; every
        other file stays as it is (a shared tree: another agent's work). ``summarize``:
        `Rollback.abandoned` says what is thrown away, as ``git diff --stat`` does."""
        with self._lock:
            return self._rollback(ref, only, summarize)

    def _rollback(self, ref: str, only: Collection[str] | None, summarize: bool) -> Rollback:
        import git

        repo = self._require()
        target = self.resolve(ref)
        try:
            current = self._current_tree(repo)
            restored, removed = self._changes(repo, current, target.commit)
            if only is not None:
                restored, removed = _within(restored, only), _within(removed, only)
            if not restored and not removed:
                return Rollback(target, (), (), None, unchanged=True)
            abandoned = ""
            if summarize:
                names = [f":(literal){n}" for n in sorted({*restored, *removed})]
                abandoned = repo.git.diff(
                    "--no-ext-diff",
                    "--no-color",
                    "--stat=120,80",
                    target.commit,
                    current,
                    "--",
                    *names,
                )
            safety = self._snapshot(
                repo, target.session, f"before rollback to {target.ref}", current
            )
            with self._temp_index(repo) as env:
                repo.git.read_tree(target.commit, env=env)
                if restored:
                    repo.git.checkout_index("-f", "--", *restored, env=env)
        except git.GitCommandError as exc:
            raise SafeguardError(f"rollback failed: {_git_error(exc)}") from exc
        top = Path(repo.working_tree_dir or self.root)
        for name in removed:
            path = top / name
            if path.is_symlink() or path.is_file():
                path.unlink()
            _prune_empty_dirs(path.parent, top)
        return Rollback(target, tuple(restored), tuple(removed), safety, abandoned=abandoned)

    def current_tree(self) -> str | None:
        """The tree id of the working tree as it is now (tracked and untracked files,
        ignored ones excepted); None outside git. Nothing in the tree or index changes."""
        with self._lock:
            repo = self.repo
            return None if repo is None else self._current_tree(repo)

    def _current_tree(self, repo: git.Repo) -> str:
        import git

        try:
            return self._stage(repo)
        except git.GitCommandError as exc:
            raise SafeguardError(f"cannot read the working tree: {_git_error(exc)}") from exc

    def _changes(self, repo: git.Repo, current: str, commit: str) -> tuple[list[str], list[str]]:
        out = repo.git.diff_tree("-r", "--no-renames", "--name-status", "-z", current, commit)
        fields = out.split("\0")
        restored: list[str] = []
        removed: list[str] = []
        for k in range(0, len(fields) - 1, 2):
            status, name = fields[k], fields[k + 1]
            if not status:
                continue
            (removed if status.startswith("D") else restored).append(name)
        return _in_scope(repo, restored), _in_scope(repo, removed)


def _in_scope(repo: git.Repo, names: list[str]) -> list[str]:
    """``names`` without what a rollback must never touch, even when an older snapshot
    holds it: `.cockpit/` (logs, heads, artifacts, rules, config, worktrees; tracked files
    under it too), `.git`, and credential or dotenv files git does not track."""
    kept = [n for n in names if not is_cockpit_path(n) and ".git" not in n.split("/")]
    secrets = [n for n in kept if is_secret_path(n)]
    if not secrets:
        return kept
    listed = repo.git.ls_files("-z", "--cached", "--", *(f":(literal){n}" for n in secrets))
    tracked = set(listed.split("\0"))
    return [n for n in kept if n in tracked or not is_secret_path(n)]


def _within(names: list[str], only: Collection[str]) -> list[str]:
    """The names that are one of ``only`` or under one of its folders."""
    wanted = {p.strip("/") for p in only if p.strip("/")}
    folders = tuple(f"{p}/" for p in wanted)
    return [n for n in names if n in wanted or n.startswith(folders)]


def _prune_empty_dirs(directory: Path, top: Path) -> None:
    while directory != top and top in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


def _git_error(exc: git.GitCommandError) -> str:
    stderr = exc.stderr.strip() if isinstance(exc.stderr, str) else ""
    return stderr.splitlines()[-1] if stderr else str(exc)
