"""Git snapshots of the workspace, and what each agent changed since the session began.

A snapshot is taken at the session's start (the base `changes` compares with, and a point
`cockpit rollback` can return to) and before every tier-2 action. A failed snapshot is
recorded and the session goes on.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from cockpit.agent.changes import AgentChanges, ChangeTracker, agent_changes
from cockpit.errors import SafeguardError
from cockpit.safeguard.snapshots import Safeguard
from cockpit.session.kinds import SafeguardSnapshot
from cockpit.supervisor.updates import Recorder


class Snapshots:
    """Takes the session's snapshots and compares an agent's files with the first one."""

    def __init__(self, root: Path, safeguard: Safeguard, record: Recorder) -> None:
        self.root = root
        self.safeguard = safeguard
        self._record = record
        self.seen = ChangeTracker(root)
        """The session-start snapshot and each agent's written files (see `changes`)."""

    async def before(self, agent: str, iteration: int, call: str, reason: str) -> None:
        """A snapshot before a tier-2 action, logged with the call."""
        taken = await self._take(reason)
        await self._record(taken, agent=agent, iteration=iteration, call=call)

    async def at_start(self) -> None:
        """Snapshot the tree as the session starts: what each agent's changes are
        compared with (`changes`), and a point `cockpit rollback` can return to."""
        taken = await self._take("session start")
        await self._record(replace(taken, base=True), agent=None)

    async def _take(self, reason: str) -> SafeguardSnapshot:
        """A snapshot's event; a failure is recorded and the session goes on."""
        try:
            snap = await asyncio.to_thread(self.safeguard.snapshot, reason)
        except SafeguardError as exc:
            return SafeguardSnapshot(skipped=str(exc))
        except Exception as exc:
            return SafeguardSnapshot(skipped=f"snapshot failed: {type(exc).__name__}: {exc}")
        if snap is None:
            return SafeguardSnapshot(skipped="not a git repository: no snapshot could be taken")
        return SafeguardSnapshot(ref=snap.ref, commit=snap.commit)

    async def changes(self, agent: str) -> AgentChanges:
        """What ``agent`` changed since the session started (see `cockpit.agent.changes`)."""
        seen = self.seen
        written = seen.files(agent)

        def compare() -> AgentChanges:
            tree = self.safeguard.current_tree() if seen.base is not None else None
            return agent_changes(self.root, agent, seen.base, tree, written)

        try:
            return await asyncio.to_thread(compare)
        except Exception as exc:
            return AgentChanges(agent, seen.base, problem=f"cannot compare: {exc}")
