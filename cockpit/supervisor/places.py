"""Where each agent works: its own git worktree and branch (`cockpit.worktrees`), or the
one tree every agent shares (outside git, before a first commit, ``--shared-tree``).

Everything that was per-workspace is per-place: the tools and the sandbox bind its folder
read-write, the policy's root is its folder, its tier-2 snapshots are taken there and its
``verify:`` commands run there. The human's plan.md stays where it is: in a worktree the
agent's tools and commands see the human's file in place of the copy git checked out.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cockpit.agent.tools import Toolbox
from cockpit.policy.engine import Policy
from cockpit.safeguard.snapshots import Safeguard
from cockpit.supervisor.snapshots import Snapshots
from cockpit.supervisor.updates import Recorder
from cockpit.worktrees.agents import AgentWorktrees, SharedTree, Worktree

ToolboxFactory = Callable[[Path, str | None, tuple[Path, Path] | None], Toolbox]
"""A toolbox for a folder: (its root, the branch its commands may move, the plan alias)."""


@dataclass
class Place:
    """One folder agents work in, and what works there."""

    root: Path
    toolbox: Toolbox
    policy: Policy
    snapshots: Snapshots
    worktree: Worktree | None = None
    """The agent's own worktree; None for the shared tree."""


class Workplaces:
    """The session's places: the shared one (the workspace itself) and, when agents get
    worktrees, one per agent, made (or re-attached) as the agent starts."""

    def __init__(
        self,
        isolation: AgentWorktrees | SharedTree,
        shared: Place,
        make_toolbox: ToolboxFactory,
        record: Recorder,
        plan_path: Path,
    ) -> None:
        self.isolation = isolation
        self.shared = shared
        self._make_toolbox = make_toolbox
        self._record = record
        self._plan_path = plan_path
        self._places: dict[str, Place] = {}

    @property
    def worktrees(self) -> AgentWorktrees | None:
        return self.isolation if isinstance(self.isolation, AgentWorktrees) else None

    def of(self, agent: str) -> Place:
        """The agent's place (the shared one until it has its own)."""
        return self._places.get(agent, self.shared)

    def worktree(self, agent: str) -> Worktree | None:
        return self.of(agent).worktree

    def own(self) -> dict[str, Place]:
        """The agents that have a worktree of their own, and their places."""
        return dict(self._places)

    async def open(self, agent: str, *, reader: bool = False) -> Place:
        """The agent's place: its worktree, made from the session's base or re-attached
        (on resume) in a thread (git takes a moment); the shared tree when the session
        has no worktrees. A ``reader`` (an empty write scope) starts from the
        integration branch.

        Raises:
            WorktreeVanished: the agent's worktree is gone (a resume reports it).
            WorktreeError: git failed, or the folder is taken.
        """
        worktrees = self.worktrees
        if worktrees is None:
            return self.shared
        if agent in self._places:
            return self._places[agent]
        tree = await asyncio.to_thread(lambda: worktrees.attach(agent, reader=reader))
        place = await asyncio.to_thread(self._place_for, tree)
        self._places[agent] = place
        return place

    def _place_for(self, tree: Worktree) -> Place:
        root = tree.path
        shared = self.shared
        alias = self._plan_alias(root)
        if alias is not None:
            _hide_plan_copy(root, alias[1])
        toolbox = self._make_toolbox(root, tree.branch, alias)
        policy = shared.policy.rooted(root, rules_from=shared.root)
        safeguard = Safeguard(root, shared.snapshots.safeguard.session, warn=lambda _m: None)
        return Place(root, toolbox, policy, Snapshots(root, safeguard, self._record), tree)

    def _plan_alias(self, root: Path) -> tuple[Path, Path] | None:
        """The human's plan.md, and where the worktree's copy of it would be."""
        plan = Path(os.path.abspath(self._plan_path))
        top = Path(os.path.abspath(self.shared.root))
        if top not in plan.parents:
            return None
        return plan, root / plan.relative_to(top)

    def close(self) -> None:
        """The session ends: each place lets go of its /tmp and executor, and each
        worktree's lock is released (the worktree and its branch stay)."""
        for agent, place in self._places.items():
            place.toolbox.close()
            worktrees = self.worktrees
            if worktrees is not None:
                try:
                    worktrees.release(agent)
                except Exception:  # the session still ends; `cockpit worktrees` shows it
                    continue
        self.shared.toolbox.close()


def _hide_plan_copy(root: Path, copy: Path) -> None:
    """The worktree's checked-out plan.md is never the agent's to change: its commands see
    the human's file over it, so git is told not to look at it (``skip-worktree``). Its
    status stays clean, `git add -A` never commits the human's plan on the agent's branch,
    and a rebase is not refused for it. Nothing to do when plan.md is not tracked."""
    if not copy.is_file():
        return
    name = str(copy.relative_to(root))
    subprocess.run(
        ["git", "-C", str(root), "update-index", "--skip-worktree", "--", name],
        capture_output=True,
        check=False,
        timeout=60,
    )
