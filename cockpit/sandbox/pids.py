"""Whether a process still runs: how cockpit tells the leftovers of a killed cockpit (a
session /tmp, a cgroup, a check worktree, each named by its pid) from a live one's."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """``pid`` runs now (another user's process counts: it cannot be signalled, it runs)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
