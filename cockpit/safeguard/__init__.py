"""The tier-2 safeguard: git snapshots of the working tree before a risky action, and the
rollback that restores one. It is not shell knowledge: the policy says *when* to snapshot,
this package says *how*, and keeps secrets and `.cockpit/` out of every snapshot.

- `snapshots`      `Safeguard` and `Snapshot`: take, list and restore snapshots (GitPython)
- `session_index`  a session's own git index, so a snapshot hashes only what changed
- `git_exclude`    keeps `.cockpit/` out of `git status` without touching `.gitignore`
- `secret_paths`   where secrets live on disk; the policy reads the same list (tier 3)

`Safeguard` and `Snapshot` load on first use, like the policy's names: GitPython is not
needed before a session opens.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cockpit.safeguard.snapshots import Safeguard, Snapshot

__all__ = ["Safeguard", "Snapshot"]


def __getattr__(name: str) -> Any:
    """`from cockpit.safeguard import Safeguard` imports `snapshots`, and only on use."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("cockpit.safeguard.snapshots"), name)
    globals()[name] = value
    return value
