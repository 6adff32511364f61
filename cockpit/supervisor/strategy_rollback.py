"""A strategy's rollback: the agent's tree back to the snapshot its strategy began with.

Before a shift (and when the task is exhausted) the approach that failed is thrown away,
so the next one starts clean and the agent cannot build on it. What is thrown away is
summarised first (``git diff --stat`` of the snapshot against the tree as it is), for the
`strategy.shifted` event and the blocker report; a snapshot of the tree just before makes
the rollback itself undoable (``cockpit rollback``).

In a shared tree other agents' files are left alone: ``only`` names the paths this agent
wrote, and nothing else moves.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from cockpit.errors import SafeguardError
from cockpit.safeguard.snapshots import Safeguard, Snapshot


@dataclass(frozen=True)
class RolledBack:
    """What a strategy's rollback did."""

    snapshot: str
    """The ref the tree went back to."""
    restored: tuple[str, ...]
    removed: tuple[str, ...]
    abandoned: str
    """A ``git diff --stat`` summary of the changes thrown away ("" when there were none)."""
    safety: Snapshot | None
    """The tree just before, to undo the rollback; None when nothing changed."""


async def roll_back(
    safeguard: Safeguard, snapshot_ref: str, *, only: Collection[str] | None = None
) -> RolledBack:
    """Make the tree match ``snapshot_ref``; with ``only``, just those paths (files or
    folders, relative to the workspace or absolute inside it). Raises `SafeguardError`."""
    return await asyncio.to_thread(_roll_back, safeguard, snapshot_ref, only)


def _roll_back(safeguard: Safeguard, snapshot_ref: str, only: Collection[str] | None) -> RolledBack:
    names = None if only is None else _repo_names(safeguard, only)
    try:
        done = safeguard.rollback(snapshot_ref, only=names, summarize=True)
    except SafeguardError as exc:
        raise SafeguardError(f"cannot roll the strategy back to {snapshot_ref}: {exc}") from exc
    return RolledBack(
        done.snapshot.ref, done.restored, done.removed, done.abandoned.rstrip(), done.safety
    )


def _repo_names(safeguard: Safeguard, paths: Collection[str]) -> list[str]:
    """``paths`` as git names them (relative to the repository's top); a path outside the
    repository names nothing there and is dropped."""
    repo = safeguard.repo
    if repo is None:
        raise SafeguardError(f"{safeguard.root} is not a git repository: nothing to roll back")
    top = Path(os.path.realpath(repo.working_tree_dir or safeguard.root))
    root = Path(os.path.realpath(safeguard.root))
    names: list[str] = []
    for path in paths:
        full = Path(os.path.normpath(Path(path) if os.path.isabs(path) else root / path))
        # The folders resolved, not the last name: a link the agent planted is itself the path.
        full = Path(os.path.realpath(full.parent)) / full.name
        try:
            names.append(full.relative_to(top).as_posix())
        except ValueError:
            continue
    return [n for n in names if n not in ("", ".")]
