"""What git knows of the repository's worktrees (`git worktree list --porcelain`), and the
lock cockpit puts on an agent's worktree while a session uses it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from cockpit.worktrees.git import WorktreeError, git, output, z_list

_LOCK = re.compile(r"^cockpit session (?P<session>\S+) \(pid (?P<pid>\d+)\)$")


@dataclass(frozen=True)
class Registered:
    """One worktree as git lists it."""

    path: Path
    head: str | None
    branch: str | None  # the full ref, None when detached
    locked: str | None  # the lock's reason ("" when locked without one)
    prunable: bool

    @property
    def exists(self) -> bool:
        return self.path.is_dir()


def registered(top: Path) -> list[Registered]:
    """Every worktree of the repository, the main one first."""
    found: list[Registered] = []
    fields: dict[str, str] = {}
    for line in [*z_list(output(top, "worktree", "list", "--porcelain", "-z")), ""]:
        if line.startswith("worktree ") and fields:
            found.append(_entry(fields))
            fields = {}
        if line:
            key, _, value = line.partition(" ")
            fields[key] = value
    if fields:
        found.append(_entry(fields))
    return found


def _entry(fields: dict[str, str]) -> Registered:
    return Registered(
        path=Path(fields["worktree"]),
        head=fields.get("HEAD"),
        branch=fields.get("branch"),
        locked=fields.get("locked"),
        prunable="prunable" in fields,
    )


def lock_reason(session: str) -> str:
    return f"cockpit session {session} (pid {os.getpid()})"


def live_holder(reason: str | None) -> str | None:
    """Who holds a lock that cockpit took, while that process still runs: `session S (pid
    N)`; None for no lock, a stale one (the process is gone) or one cockpit did not take."""
    match = _LOCK.match(reason or "")
    if match is None:
        return None
    pid = int(match["pid"])
    if pid == os.getpid():
        return f"session {match['session']} (this process)"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # another user's process: alive
    return f"session {match['session']} (pid {pid})"


def is_cockpit_lock(reason: str | None) -> bool:
    return reason is not None and _LOCK.match(reason) is not None


def lock(top: Path, path: Path, session: str) -> None:
    git(top, "worktree", "lock", "--reason", lock_reason(session), str(path))


def unlock(top: Path, path: Path) -> None:
    git(top, "worktree", "unlock", str(path))


def running_sessions(root: Path) -> list[str]:
    """The other cockpit sessions running in the repository at ``root`` (each holds its
    agents' worktrees locked): `session S (pid N)` each; none outside git."""
    try:
        probe = git(root, "rev-parse", "--show-toplevel", check=False)
        if probe.returncode != 0:
            return []
        entries = registered(Path(probe.stdout.strip()))
    except WorktreeError:
        return []
    holders = {live_holder(entry.locked) for entry in entries}
    return sorted(h for h in holders if h is not None and not h.endswith("(this process)"))
