"""Where the agents work, as the screen shows it: the top line's badge (a worktree each,
or one shared tree), the conflict radar on the panes' headers and in the plan view.

A pure fold of the logged events (`session.started`'s isolation, `agent.started`'s
worktree and branch, `radar.overlap`), so the live screen and the replay, fed the same
events, show the same. No Textual widgets here; every text from the log or git is shown
through `render.one_line` (its escapes visible, never obeyed).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from textual.content import Content

from cockpit.session.events import Event
from cockpit.session.kinds import (
    AgentStarted,
    MergeAdvanced,
    RadarOverlap,
    SessionStarted,
)
from cockpit.ui.render import one_line

Pair = tuple[str, str]

KINDS = frozenset({SessionStarted.kind, AgentStarted.kind, RadarOverlap.kind, MergeAdvanced.kind})
"""The kinds this fold reads (a replay looks them up in its index before a seek's tail)."""

SHORT_SHA = 7
PATHS_SHOWN = 3
"""Paths a pane header or a plan-view line names before saying how many more."""


@dataclass(frozen=True)
class Overlap:
    """Two agents' changes touching the same paths, as the radar last logged it."""

    agents: Pair
    paths: tuple[str, ...]
    conflict: bool
    conflicts: tuple[str, ...]

    def other(self, agent: str) -> str:
        one, two = self.agents
        return two if agent == one else one


@dataclass(frozen=True)
class AgentPlace:
    worktree: str | None
    branch: str | None


@dataclass
class WorktreeFold:
    """What the events say so far about where agents work and what overlaps."""

    isolation: dict[str, Any] | None = None
    workspace: str | None = None
    places: dict[str, AgentPlace] = field(default_factory=dict)
    overlaps: dict[Pair, Overlap] = field(default_factory=dict)
    merged: set[str] = field(default_factory=set)
    """Branches a merge ceremony brought onto the integration branch."""

    def copy(self) -> WorktreeFold:
        return copy.deepcopy(self)

    def take(self, event: Event) -> set[str] | None:
        """Fold ``event`` in. The agents whose radar changed (their headers and the plan
        view redraw), else None."""
        kind, data = event.kind, event.data
        if kind == RadarOverlap.kind:
            return self._radar(data)
        if kind == SessionStarted.kind:
            isolation = data.get("isolation")
            if isinstance(isolation, dict):
                self.isolation = isolation
            workspace = data.get("workspace")
            if isinstance(workspace, str):
                self.workspace = workspace
        elif kind == AgentStarted.kind and event.agent is not None:
            worktree, branch = data.get("worktree"), data.get("branch")
            self.places[event.agent] = AgentPlace(
                worktree if isinstance(worktree, str) else None,
                branch if isinstance(branch, str) else None,
            )
        elif kind == MergeAdvanced.kind and isinstance(data.get("branch"), str):
            self.merged.add(data["branch"])
        return None

    def _radar(self, data: Mapping[str, Any]) -> set[str] | None:
        agents = [a for a in data.get("agents") or () if isinstance(a, str)]
        if len(agents) != 2:
            return None
        pair: Pair = (agents[0], agents[1])
        paths = tuple(p for p in data.get("paths") or () if isinstance(p, str))
        if not paths:
            self.overlaps.pop(pair, None)
        else:
            conflicts = tuple(p for p in data.get("conflicts") or () if isinstance(p, str))
            self.overlaps[pair] = Overlap(pair, paths, bool(data.get("conflict")), conflicts)
        return set(pair)

    def of(self, agent: str) -> list[Overlap]:
        """The agent's overlaps, conflicts first."""
        mine = [o for o in self.overlaps.values() if agent in o.agents]
        return sorted(mine, key=lambda o: not o.conflict)

    @property
    def base(self) -> str | None:
        base = (self.isolation or {}).get("base")
        return base if isinstance(base, str) else None


def isolation_badge(isolation: Mapping[str, Any] | None, detail: int = 2) -> Content | None:
    """The top line's word on where agents work: ``⎇ worktrees 1a2b3c4`` or ``shared tree``
    (None: the log does not say, an older session). ``detail`` 1 leaves out the base's
    SHA, 0 is the shortest form, for a narrow terminal (help says it in full)."""
    if not isolation:
        return None
    if isolation.get("mode") == "worktrees":
        base = isolation.get("base")
        text = "⎇ worktrees" if detail else "⎇ wt"
        if detail > 1 and isinstance(base, str) and base:
            text += f" {one_line(base[:SHORT_SHA])}"
        return Content.styled(text, "$accent")
    return Content.styled("shared tree" if detail else "shared", "$text-muted")


def isolation_note(isolation: Mapping[str, Any] | None) -> str | None:
    """The help page's line on where agents work (the shared tree's reason is here)."""
    if not isolation:
        return None
    if isolation.get("mode") == "worktrees":
        base = str(isolation.get("base") or "?")[:12]
        integration = isolation.get("integration") or "?"
        return one_line(
            f"⎇ Each agent works in its own worktree and branch from the base {base} "
            f"(merged onto {integration}); d shows an agent's diff"
        )
    return one_line(f"Shared tree: {isolation.get('reason') or 'every agent works here'}")


def _paths(paths: tuple[str, ...], shown: int = PATHS_SHOWN) -> str:
    said = ", ".join(paths[:shown])
    if len(paths) > shown:
        said += f" +{len(paths) - shown}"
    return said


def pane_radar(agent: str, fold: WorktreeFold) -> Content | None:
    """What the agent's pane header says of the radar: its worst overlap (a conflict in
    the error colour, an overlap in the warning colour), and how many others."""
    mine = fold.of(agent)
    if not mine:
        return None
    worst = mine[0]
    other = one_line(worst.other(agent))
    if worst.conflict:
        paths = worst.conflicts or worst.paths
        text, style = f"✖ conflicts with {other}: {one_line(_paths(paths, 1))}", "bold $error"
    else:
        count = len(worst.paths)
        files = "1 file" if count == 1 else f"{count} files"
        text, style = f"⚠ overlaps {other} ({files})", "bold $warning"
    if len(mine) > 1:
        text += f" +{len(mine) - 1}"
    return Content.styled(text, style)


def radar_lines(fold: WorktreeFold) -> list[Content]:
    """The plan view's section: every pair that overlaps now and the paths, so the human
    can re-plan before the merge."""
    if not fold.overlaps:
        return []
    lines = [Content.styled("Conflict radar", "bold $primary")]
    for overlap in sorted(fold.overlaps.values(), key=lambda o: (not o.conflict, o.agents)):
        one, two = (one_line(a) for a in overlap.agents)
        if overlap.conflict:
            head = Content.styled(f"✖ {one} ↔ {two} conflict", "bold $error")
            paths = overlap.conflicts or overlap.paths
        else:
            head = Content.styled(f"⚠ {one} ↔ {two} overlap", "bold $warning")
            paths = overlap.paths
        lines.append(head)
        lines += [Content.styled(f"    {one_line(p)}", "$text-muted") for p in paths[:8]]
        if len(paths) > 8:
            lines.append(Content.styled(f"    … and {len(paths) - 8} more", "$text-muted"))
    return lines
