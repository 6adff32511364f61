"""An agent's diff in a replay: its work as it is now against the session's base (the log
keeps no copy of the work; git does, for as long as the branch exists). While its
worktree is still there, that is the worktree (uncommitted and untracked files included,
as the live screen showed it); once only the branch is left, the branch.

When the branch is gone the page says why instead: merged onto the integration branch
and cleaned up, or discarded. A git failure is said, never taken for "no change".
"""

from __future__ import annotations

from pathlib import Path

from textual.content import Content

from cockpit.agent.changes import AgentChanges
from cockpit.errors import CockpitError
from cockpit.merge.git import git, git_outcome, nul_split
from cockpit.supervisor.worktree_changes import capped, commit_diff, worktree_changes
from cockpit.ui.render import one_line
from cockpit.ui.worktree_view import SHORT_SHA, WorktreeFold


async def branch_changes(agent: str, fold: WorktreeFold) -> tuple[AgentChanges, Content]:
    """What ``agent``'s branch holds now against the session's base, and the page's title."""
    place = fold.places.get(agent)
    base = fold.base
    if place is None or place.branch is None or base is None or fold.workspace is None:
        why = "it worked in the shared tree: the log keeps no diff of its own (its calls do)"
        if place is None:
            why = "it has not started at this point of the log"
        return AgentChanges(agent, base, problem=why), _title(agent, None, base)
    branch, repo = place.branch, Path(fold.workspace)
    if place.worktree is not None and Path(place.worktree, ".git").exists():
        title = _title(agent, branch, base, worktree=True)
        return await worktree_changes(agent, Path(place.worktree), base), title
    title = _title(agent, branch, base)
    if not repo.is_dir():
        return AgentChanges(agent, base, problem=f"the repository {repo} is gone"), title
    try:
        found = await git_outcome(
            repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}", ok=(0, 1)
        )
        if found.code != 0:
            return AgentChanges(agent, base, problem=_gone(branch, fold)), title
        head = found.text.strip()
        files = nul_split(await git(repo, "diff", "--no-renames", "--name-only", "-z", base, head))
        diff = await commit_diff(repo, base, head) if files else ""
    except CockpitError as exc:
        return AgentChanges(agent, base, problem=f"cannot read its branch: {exc}"), title
    return capped(agent, base, files, diff), title


def _gone(branch: str, fold: WorktreeFold) -> str:
    if branch in fold.merged:
        return (
            f"its branch {branch} no longer exists: it was merged onto the integration "
            "branch (merge.advanced in the log) and cleaned up"
        )
    return (
        f"its branch {branch} no longer exists: it was merged and cleaned up, or discarded, "
        "after this point of the log (`cockpit log show` says which)"
    )


def _title(agent: str, branch: str | None, base: str | None, *, worktree: bool = False) -> Content:
    if branch is None:
        return Content.assemble((one_line(agent), "bold"), " · its diff")
    against = f"against the base {(base or '?')[:SHORT_SHA]}"
    if worktree:
        return Content.assemble(
            (one_line(f"{agent}'s worktree"), "bold"),
            one_line(f" as it is now, {against} (branch {branch})"),
        )
    return Content.assemble(
        (one_line(f"{agent}'s branch {branch}"), "bold"), one_line(f" as it is now, {against}")
    )
