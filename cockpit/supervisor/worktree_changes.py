"""What an agent changed in its own worktree: everything in it against the session's base,
committed or not, untracked files included. In a worktree every change is the agent's, so
nothing is guessed from the files its tools named (as in a shared tree)."""

from __future__ import annotations

from pathlib import Path

from cockpit.agent.changes import WHOLE_DIFF_CAP, AgentChanges
from cockpit.errors import CockpitError
from cockpit.merge.changes import changed_paths
from cockpit.merge.git import git
from cockpit.merge.tips import worktree_tip


async def worktree_changes(agent: str, worktree: Path, base: str) -> AgentChanges:
    """The agent's whole diff against ``base``; a git failure is said, not hidden."""
    try:
        head = (await git(worktree, "rev-parse", "--verify", "HEAD")).strip()
        paths = await changed_paths(worktree, base, head, worktree)
        tip = await worktree_tip(worktree, head)
        diff = await commit_diff(worktree, base, tip) if paths.all else ""
    except CockpitError as exc:
        return AgentChanges(agent, base, problem=f"cannot compare its worktree: {exc}")
    return capped(agent, base, list(paths.all), diff)


async def commit_diff(repo: Path, base: str, tip: str) -> str:
    """git's own diff of two commits: no external diff or textconv from the config."""
    return await git(
        repo,
        "-c",
        "core.quotepath=off",
        "diff",
        "--no-renames",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        base,
        tip,
    )


def capped(agent: str, base: str, files: list[str], diff: str) -> AgentChanges:
    """The changes with the diff cut at `WHOLE_DIFF_CAP` (and saying so)."""
    truncated = len(diff) > WHOLE_DIFF_CAP
    return AgentChanges(agent, base, diff[:WHOLE_DIFF_CAP], files, [], None, truncated=truncated)
