"""The conflict radar while agents work: after an agent's tool call finishes, the agents'
worktrees are compared (`cockpit.merge.radar`: the changed paths of every pair, `git
merge-tree` only for pairs that overlap) and each change in what overlaps is logged as a
``radar.overlap``, so the screen shows it on both panes and the human can re-plan before
the merge rather than after. A pair that no longer overlaps is logged once with no paths.

Scans run one at a time and a burst of finished calls makes one scan; a git failure is
logged once as a notice, never raised into an agent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

from cockpit.errors import CockpitError
from cockpit.merge.git import git
from cockpit.merge.radar import AgentHead, Overlap, Radar
from cockpit.session.kinds import RadarOverlap
from cockpit.supervisor.places import Workplaces
from cockpit.supervisor.updates import Recorder

SETTLE_S = 0.3
"""How long after a finished call the scan waits for the next one (a burst, one scan)."""

Pair = tuple[str, str]


class RadarWatch:
    """Scans the session's worktrees when an agent's call finished; logs what changed."""

    def __init__(
        self, places: Workplaces, record: Recorder, writers: Callable[[], set[str]]
    ) -> None:
        self._places = places
        self._writers = writers
        self._record = record
        self._wanted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._radar: Radar | None = None
        self.overlaps: dict[Pair, Overlap] = {}
        """What overlaps now, by pair of agents (as last logged)."""
        self._scanning = asyncio.Lock()
        """One scan at a time: the ceremony's waits for the watch's, so what it logs is
        about the heads as they are when it runs, in order."""
        self.problem: str | None = None

    def start(self) -> None:
        worktrees = self._places.worktrees
        if worktrees is None or self._task is not None:
            return
        self._radar = Radar(worktrees.top, worktrees.base)
        self._task = asyncio.ensure_future(self._run())

    def poke(self) -> None:
        """Something may have changed in a worktree: scan soon."""
        if self._task is not None:
            self._wanted.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await self._wanted.wait()
            await asyncio.sleep(SETTLE_S)
            self._wanted.clear()
            await self.scan()

    async def scan(self) -> list[Overlap]:
        """One scan now (after the one under way); logs each pair whose overlap changed.
        The overlaps found."""
        async with self._scanning:
            return await self._scan()

    async def _scan(self) -> list[Overlap]:
        radar = self._radar
        writers = self._writers()  # a reader's worktree follows the integration branch
        own = {a: p for a, p in self._places.own().items() if a in writers}
        if radar is None or len(own) < 2:
            return []
        try:
            heads = [
                AgentHead(agent, await _head(place.root), place.root)
                for agent, place in own.items()
                if place.root.is_dir()
            ]
            found = await radar.scan(heads)
        except CockpitError as exc:
            if self.problem is None:  # said once, not at every call
                self.problem = f"the conflict radar cannot compare the worktrees: {exc}"
            return []
        self.problem = None
        now = {o.agents: o for o in found}
        for pair, overlap in now.items():
            before = self.overlaps.get(pair)
            if before is None or (before.paths, before.conflict) != (
                overlap.paths,
                overlap.conflict,
            ):
                await self._record(overlap.event(), agent=None)
        for pair in self.overlaps.keys() - now.keys():
            await self._record(RadarOverlap(agents=list(pair), paths=[]), agent=None)
        self.overlaps = now
        return found


async def _head(worktree: Path) -> str:
    return (await git(worktree, "rev-parse", "--verify", "HEAD")).strip()
