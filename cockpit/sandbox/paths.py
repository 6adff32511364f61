"""Which paths a boundary masks or keeps read-only: the built-in `rules/sandbox.yaml`, a
workspace's `.cockpit/sandbox.yaml` added to it, and cockpit's own config folder.

A boundary is built per command, so this is on the hot path: the parsed lists are cached
by the files' stat (an edit is seen at once), and the workspace scan is shallow."""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cockpit.config.user import config_dir
from cockpit.config.workspace import builtin_dir
from cockpit.errors import ConfigError
from cockpit.sandbox.boundary import Boundary, Limits

SANDBOX_RULES = "sandbox.yaml"
_SCAN_DEPTH = 6
_PRUNED = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__"})


@dataclass(frozen=True)
class SandboxLists:
    """The lists of `rules/sandbox.yaml`, after a workspace's additions.

    `read_only_workspace` entries ending in `/` are folders (protected even before they
    exist); `unmasked_workspace` comes from the workspace's file alone.
    """

    masked_home: tuple[str, ...]
    masked_workspace: tuple[str, ...]
    read_only_workspace: tuple[str, ...]
    unmasked_workspace: tuple[str, ...] = ()

    def extended(self, other: SandboxLists) -> SandboxLists:
        return SandboxLists(
            self.masked_home + other.masked_home,
            self.masked_workspace + other.masked_workspace,
            self.read_only_workspace + other.read_only_workspace,
            other.unmasked_workspace,  # only a workspace may unmask its own files
        )

    @property
    def read_only_entries(self) -> tuple[tuple[str, bool], ...]:
        """Each read-only path inside the workspace (no trailing slash), and whether it is
        a folder."""
        return tuple((e.rstrip("/"), e.endswith("/")) for e in self.read_only_workspace)

    def masks_name(self, name: str) -> bool:
        """Whether a file or folder called `name` in the workspace is masked."""
        masked, unmasked = _patterns(self.masked_workspace, self.unmasked_workspace)
        return masked.match(name) is not None and unmasked.match(name) is None


@functools.lru_cache(maxsize=64)
def _patterns(*lists: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Each list of shell-style patterns as one compiled regex (one that never matches
    when the list is empty): the scan tests every name it lists."""
    return tuple(
        re.compile("|".join(fnmatch.translate(p) for p in patterns) or r"(?!)")
        for patterns in lists
    )


def _strings(data: Mapping[str, Any], section: str, key: str, source: Path) -> tuple[str, ...]:
    part = data.get(section) or {}
    if not isinstance(part, dict):
        raise ConfigError(f"{source}: '{section}' must be a mapping")
    items = part.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
        raise ConfigError(f"{source}: '{section}.{key}' must be a list of paths")
    bad = [i for i in items if Path(i).is_absolute() or ".." in Path(i).parts]
    if bad:
        raise ConfigError(f"{source}: '{section}.{key}' names {bad[0]!r}: use a relative path")
    return tuple(items)


_SETTLED_NS = 1_000_000_000


def _settled(mtime_ns: int) -> bool:
    """Whether a change made now would move the mtime: file times tick coarsely, so a
    folder or file changed within the last second is read afresh rather than cached (the
    "racy git" problem)."""
    return time.time_ns() - mtime_ns > _SETTLED_NS


_EMPTY = SandboxLists((), (), ())
_cache: dict[Path, tuple[tuple[int, int, int], SandboxLists]] = {}


def read_lists(path: Path) -> SandboxLists:
    """One sandbox file's lists (empty when the file is missing), parsed again only when
    the file changed."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return _EMPTY
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    lists = _parse(path)
    if _settled(st.st_mtime_ns):
        _cache[path] = (stamp, lists)
    return lists


def _parse(path: Path) -> SandboxLists:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return _EMPTY
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}".splitlines()[0]) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with 'masked' and 'read_only'")
    return SandboxLists(
        _strings(data, "masked", "home", path),
        _strings(data, "masked", "workspace", path),
        _strings(data, "read_only", "workspace", path),
        _strings(data, "unmasked", "workspace", path),
    )


def effective_lists(workspace: Path) -> SandboxLists:
    builtin = read_lists(builtin_dir("rules") / SANDBOX_RULES)
    return builtin.extended(read_lists(workspace / ".cockpit" / SANDBOX_RULES))


_Listing = tuple[int, tuple[str, ...], tuple[str, ...]]
_listings: dict[SandboxLists, dict[str, _Listing]] = {}


def _listing(folder: str, lists: SandboxLists, cache: dict[str, _Listing]) -> _Listing | None:
    """A folder's masked names and the subfolders to scan, read again only when the
    folder's mtime says an entry was added, removed or renamed (a `.env` made a moment
    ago is seen; a stat costs far less than a listing)."""
    try:
        stamp = os.stat(folder).st_mtime_ns
    except OSError:
        return None
    cached = cache.get(folder)
    if cached is not None and cached[0] == stamp:
        return cached
    masked: list[str] = []
    subfolders: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if lists.masks_name(entry.name):
                    masked.append(entry.path)
                elif entry.name not in _PRUNED and entry.is_dir(follow_symlinks=False):
                    subfolders.append(entry.path)
    except OSError:
        return None
    if len(cache) > 50_000:
        cache.clear()
    listing = (stamp, tuple(masked), tuple(subfolders))
    if _settled(stamp):
        cache[folder] = listing
    return listing


def _matches_in(root: Path, lists: SandboxLists) -> list[Path]:
    """Files and folders under `root` (a few levels, skipping build and vendor folders)
    whose name is masked."""
    found: list[Path] = []
    cache = _listings.setdefault(lists, {})
    level = [str(root)]
    for depth in range(_SCAN_DEPTH):
        below: list[str] = []
        for folder in level:
            listing = _listing(folder, lists, cache)
            if listing is not None:
                found += map(Path, listing[1])
                if depth + 1 < _SCAN_DEPTH:
                    below += listing[2]
        level = below
    return sorted(found)


def masked_paths(workspace: Path, home: Path, env: Mapping[str, str]) -> tuple[Path, ...]:
    """Existing paths no sandboxed command may read."""
    lists = effective_lists(workspace)
    candidates = [home / p for p in lists.masked_home]
    candidates.append(config_dir(env))
    candidates += _matches_in(workspace, lists)
    return tuple(p for p in dict.fromkeys(candidates) if os.path.lexists(p))


def read_only_paths(workspace: Path) -> tuple[Path, ...]:
    """Paths inside the workspace no sandboxed command may change: each entry that exists,
    and each folder entry that does not yet but whose parent does (bwrap then mounts an
    empty read-only folder there, so it cannot be created either). A missing file entry is
    left out: see `rules/sandbox.yaml` for why that is harmless.

    An entry that is a symlink (`.claude` shared between projects, `.git/hooks` pointing
    at `.githooks`) is protected where it leads, since a mount lands there; one leading
    out of the workspace is read-only already, and bwrap could not mount on it anyway.
    """
    root = Path(os.path.realpath(workspace))
    lists = effective_lists(workspace)
    paths = []
    for entry, folder in lists.read_only_entries:
        path = Path(os.path.realpath(workspace / entry))
        if not _inside(path, root):
            continue
        if os.path.exists(path) or (folder and os.path.isdir(path.parent)):
            paths.append(path)
    git = workspace / ".git"
    if git.is_file():  # a worktree's `.git` names its gitdir: the pointer itself is control
        paths.append(git)
        linked = linked_git(workspace)
        if linked is not None:  # and in its gitdir, the files that name other places
            paths += [p for p in linked.pointers if p.exists()]
    return tuple(dict.fromkeys(paths))


@dataclass(frozen=True)
class LinkedGit:
    """A linked worktree's git folders, which lie outside it: `git commit` there writes
    its own gitdir (HEAD, index, logs) and the repository's objects, refs and logs."""

    gitdir: Path
    common: Path

    @property
    def writable(self) -> tuple[Path, ...]:
        shared = [self.common / name for name in ("objects", "refs", "logs")]
        return (self.gitdir, *(p for p in shared if p.is_dir()))

    def own_branch(self, branch: str) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
        """What a command in a worktree cockpit made for one agent may write, and what it
        may not: its gitdir, the objects, and the folder of its own branch's ref (and
        reflog); the other refs in that folder (the session's other agents, the
        integration branch) stay read-only, and every other ref (the user's branches, the
        session's base, the snapshots) is under the read-only root."""
        if not branch:  # a detached checkout (the ceremony's checks): no ref moves
            detached = tuple(p for p in (self.gitdir, self.common / "objects") if p.is_dir())
            # read-only, and visible even where the repository lies under the sandbox's
            # own /tmp: git needs the refs to know it is in a repository at all
            shown = ("refs", "packed-refs", "HEAD", "config", "info")
            return detached, tuple(p for n in shown if (p := self.common / n).exists())
        ref = self.common / "refs" / "heads" / branch
        folders = [ref.parent, (self.common / "logs" / "refs" / "heads" / branch).parent]
        writable = [self.gitdir, self.common / "objects", *folders]
        kept = []
        for folder in folders:
            with contextlib.suppress(OSError):
                kept += [p for p in folder.iterdir() if p.name != ref.name and not p.is_symlink()]
        return tuple(p for p in writable if p.is_dir()), tuple(kept)

    @property
    def pointers(self) -> tuple[Path, ...]:
        """Files in the gitdir that send git elsewhere: read-only, though the gitdir is not."""
        return tuple(self.gitdir / n for n in ("commondir", "gitdir", "config.worktree"))


def linked_git(workspace: Path) -> LinkedGit | None:
    """The gitdir and common dir a worktree's `.git` file names, or None."""
    try:
        text = (workspace / ".git").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeError):
        return None
    if not text.startswith("gitdir:"):
        return None
    gitdir = Path(text.removeprefix("gitdir:").strip())
    gitdir = Path(os.path.realpath(gitdir if gitdir.is_absolute() else workspace / gitdir))
    try:
        pointer = (gitdir / "commondir").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeError):
        return None
    common = Path(pointer)
    common = Path(os.path.realpath(common if common.is_absolute() else gitdir / common))
    if not gitdir.is_dir() or not (common / "objects").is_dir():
        return None
    return LinkedGit(gitdir, common)


def _inside(path: Path, root: Path) -> bool:
    return path != root and root in path.parents


def workspace_boundary(
    workspace: Path,
    env: Mapping[str, str],
    *,
    network: bool = False,
    writable: tuple[Path, ...] = (),
    limits: Limits | None = None,
    branch: str | None = None,
) -> Boundary:
    """The boundary an agent's command gets in `workspace`: the built-in lists plus the
    workspace's, widened only by what the caller passes (a human's answer). ``branch``:
    the one branch a worktree cockpit made for the agent may move (see `own_branch`; ""
    for none). In a linked worktree the secrets of the repository's own checkout (its
    `.env`) are masked too: they lie outside the worktree, not outside the project."""
    root = workspace.resolve()
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    linked = linked_git(root) if (root / ".git").is_file() else None
    kept: tuple[Path, ...] = ()
    if linked is not None and branch is not None:
        own, kept = linked.own_branch(branch)
        writable = (*writable, *own)
    elif linked is not None:  # a linked worktree: `git commit` works there too
        writable = (*writable, *linked.writable)
    return Boundary(
        workspace=root,
        home=home,
        network=network,
        writable=writable,
        read_only=(*read_only_paths(root), *kept),
        masked=_with_project_masks(masked_paths(root, home, env), linked, root, home, env),
        limits=limits or Limits(),
    )


def _with_project_masks(
    own: tuple[Path, ...],
    linked: LinkedGit | None,
    root: Path,
    home: Path,
    env: Mapping[str, str],
) -> tuple[Path, ...]:
    """``own`` masks, and a linked worktree's main checkout's (its `.env` files)."""
    if linked is None or linked.common.name != ".git":
        return own
    project = linked.common.parent
    if project == root or not project.is_dir():
        return own
    return tuple(dict.fromkeys((*own, *masked_paths(project, home, env))))
