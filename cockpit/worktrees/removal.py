"""Removing agent worktrees without losing work.

`clean` removes only what `WorktreeState.safe_to_remove` says: merged and clean, not in
use. `discard` removes unmerged work, and is called only after the human confirmed the
commits and files it names. Both re-read the state just before removing, remove the
folder with `git worktree remove` (which refuses a dirty tree on its own unless
discarding), and delete the branch with a compare-and-swap on the head they inspected: a
commit made in between keeps the branch.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.worktrees.git import WorktreeError, git, last_line, ref_sha
from cockpit.worktrees.layout import AgentTree, base_ref, integration_branch, worktrees_dir
from cockpit.worktrees.registry import is_cockpit_lock, unlock
from cockpit.worktrees.state import WorktreeState, find, states


@dataclass(frozen=True)
class Cleaned:
    removed: list[WorktreeState] = field(default_factory=list)
    kept: list[WorktreeState] = field(default_factory=list)


def clean(top: Path, root: Path | None = None, only: Collection[str] | None = None) -> Cleaned:
    """Remove every agent worktree and branch whose work is merged and clean; with
    ``only``, just those of these labels (the ones the human was shown as safe)."""
    removed: list[WorktreeState] = []
    kept: list[WorktreeState] = []
    for state in states(top, root):
        if only is not None and state.label not in only:
            continue
        if state.safe_to_remove:
            _remove(top, state, force=False)
            removed.append(state)
        else:
            kept.append(state)
    _forget_finished_sessions(top, root or top, {s.session for s in removed})
    return Cleaned(removed, kept)


def discard(top: Path, tree: AgentTree, seen: WorktreeState, root: Path | None = None) -> None:
    """Remove ``tree``'s worktree and branch, unmerged work included, if nothing changed
    since the human saw ``seen`` (the commits and files the confirmation named).

    Raises:
        WorktreeError: a running session holds it, or it changed since ``seen``.
    """
    now = find(top, tree, root)
    if now.in_use_by is not None:
        raise WorktreeError(f"{tree.label} is in use by {now.in_use_by}: end that session first")
    if now.checked_out is not None:
        raise WorktreeError(
            f"{tree.label}'s worktree is on {now.checked_out}, not on {now.branch}: "
            "switch it back (or save that work) first"
        )
    if now.locked is not None and not is_cockpit_lock(now.locked):
        raise WorktreeError(
            f"{tree.label} is locked ({now.locked or 'no reason given'}): "
            f"`git worktree unlock {now.path}` first"
        )
    if (now.head, now.unmerged, now.dirty) != (seen.head, seen.unmerged, seen.dirty):
        raise WorktreeError(f"{tree.label} changed since it was shown: nothing discarded")
    _remove(top, now, force=True)
    _forget_finished_sessions(top, root or top, {tree.session})


def _remove(top: Path, state: WorktreeState, *, force: bool) -> None:
    path = Path(state.path)
    if state.registered:
        if state.locked is not None and is_cockpit_lock(state.locked):
            unlock(top, path)  # a stale lock: its process is gone (in_use_by was None)
        args = ["worktree", "remove", *(["--force"] if force else []), str(path)]
        out = git(top, *args, check=False)
        if out.returncode != 0:
            raise WorktreeError(f"{state.label}: {path} not removed: {last_line(out.stderr)}")
    out = git(top, "update-ref", "-d", f"refs/heads/{state.branch}", state.head, check=False)
    if out.returncode != 0:
        raise WorktreeError(
            f"{state.label}: branch {state.branch} kept, it moved since it was checked: "
            f"{last_line(out.stderr)}"
        )


def _forget_finished_sessions(top: Path, root: Path, sessions: set[str]) -> None:
    """A session with no agent branch left loses its empty folder, and its base ref once
    its integration branch is gone too."""
    remaining = {s.session for s in states(top, root)}
    for session in sessions - remaining:
        folder = worktrees_dir(root) / session
        if folder.is_dir() and not any(folder.iterdir()):
            shutil.rmtree(folder, ignore_errors=True)
        if ref_sha(top, f"refs/heads/{integration_branch(session)}") is None:
            git(top, "update-ref", "-d", base_ref(session), check=False)
