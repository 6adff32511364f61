"""The branches of a session: one per writing agent, and the integration branch the
ceremony merges them onto."""

from __future__ import annotations

PREFIX = "cockpit"


def agent_branch(session: str, agent: str) -> str:
    """``cockpit/<session>/<agent>``: where the agent's worktree commits."""
    return f"{PREFIX}/{session}/{agent}"


def integration_branch(session: str) -> str:
    """``cockpit/<session>/integration``: the merged work, before the human brings it in."""
    return f"{PREFIX}/{session}/integration"


def ref_of(branch: str) -> str:
    """The full ref name of a branch (a name already under ``refs/`` is kept)."""
    return branch if branch.startswith("refs/") else f"refs/heads/{branch}"
