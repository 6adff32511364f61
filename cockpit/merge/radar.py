"""The conflict radar: while agents work, which pairs of them touch the same paths, and
whether their heads really conflict. The overlap of changed paths is cheap and checked for
every pair; `git merge-tree` runs only for pairs that overlap, and its answer is kept per
pair of head SHAs, so a scan with nothing new costs no merge at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from cockpit.merge.changes import changed_paths
from cockpit.merge.plumbing import merge_tree
from cockpit.merge.tips import worktree_tip
from cockpit.session.kinds import RadarOverlap


@dataclass(frozen=True, slots=True)
class AgentHead:
    """One agent's work as the radar sees it: its branch head, and its worktree for the
    changes not committed yet."""

    agent: str
    head: str
    worktree: Path | None = None


@dataclass(frozen=True, slots=True)
class Overlap:
    agents: tuple[str, str]
    heads: tuple[str, str]
    paths: tuple[str, ...]
    """Paths both agents changed (committed or not)."""
    conflict: bool
    """Their work (uncommitted changes included) does not merge cleanly."""
    conflicts: tuple[str, ...] = ()

    def event(self) -> RadarOverlap:
        return RadarOverlap(
            agents=list(self.agents),
            heads=list(self.heads),
            paths=list(self.paths),
            conflict=self.conflict,
            conflicts=list(self.conflicts),
        )


@dataclass
class Radar:
    """Scans one session's agents against its base; keeps merge answers between scans."""

    repo: Path
    base: str
    _merges: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    merges_run: int = 0
    """How many `merge-tree`s the radar has run (the cache's misses)."""

    async def scan(self, agents: list[AgentHead]) -> list[Overlap]:
        """The overlapping pairs, in the agents' order. A git failure raises `MergeError`."""
        changed: dict[str, set[str]] = {}
        dirty: set[str] = set()
        for a in agents:
            paths = await changed_paths(self.repo, self.base, a.head, a.worktree)
            changed[a.agent] = set(paths.all)
            if paths.dirty:
                dirty.add(a.agent)
        tips: dict[str, str] = {}

        async def tip(a: AgentHead) -> str:
            if a.agent not in tips:
                tree = a.worktree if a.agent in dirty else None
                tips[a.agent] = a.head if tree is None else await worktree_tip(tree, a.head)
            return tips[a.agent]

        found: list[Overlap] = []
        for one, two in combinations(agents, 2):
            shared = changed[one.agent] & changed[two.agent]
            if not shared:
                continue
            conflicts = await self._conflicts(await tip(one), await tip(two))
            found.append(
                Overlap(
                    (one.agent, two.agent),
                    (one.head, two.head),
                    tuple(sorted(shared)),
                    bool(conflicts),
                    conflicts,
                )
            )
        return found

    async def _conflicts(self, one: str, two: str) -> tuple[str, ...]:
        key = (one, two) if one <= two else (two, one)
        if key not in self._merges:
            self.merges_run += 1
            self._merges[key] = (await merge_tree(self.repo, *key)).conflicts
        return self._merges[key]
