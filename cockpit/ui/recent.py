"""Each agent's recent calls, event by event and bounded, for Enter on the live screen.

The live screen folds a lean state (finished calls are forgotten), so what Enter shows is
kept here; `cockpit.ui.live_details` turns an entry into replay's details page.
"""

from __future__ import annotations

from collections import deque

from cockpit.session.events import Event
from cockpit.session.kinds import AgentBlocked, AgentStatusChanged, HumanMessage, PlanDelivered
from cockpit.session.status import TROUBLED

KEPT_PER_AGENT = 50
"""Calls (and notable events) kept per agent for Enter."""

NOTABLE = frozenset({AgentBlocked.kind, HumanMessage.kind, PlanDelivered.kind})
"""Events outside a call that Enter can show, besides a status that went wrong."""

Entry = list[Event]
"""One call's events so far, oldest first (or one notable event)."""


class RecentCalls:
    """The last `KEPT_PER_AGENT` calls of each agent, with every event of each."""

    def __init__(self, per_agent: int = KEPT_PER_AGENT) -> None:
        self.per_agent = per_agent
        self._entries: dict[str, deque[Entry]] = {}
        self._calls: dict[str, Entry] = {}  # call id -> its entry, while it is kept

    def add(self, event: Event) -> None:
        if event.agent is None:
            return
        if event.call is not None:
            entry = self._calls.get(event.call)
            if entry is None:
                entry = self._calls[event.call] = []
                self._keep(event.agent, entry)
            entry.append(event)
        elif event.kind in NOTABLE or _went_wrong(event):
            self._keep(event.agent, [event])

    def _keep(self, agent: str, entry: Entry) -> None:
        kept = self._entries.setdefault(agent, deque())
        kept.append(entry)
        if len(kept) > self.per_agent:
            dropped = kept.popleft()
            if dropped and dropped[0].call is not None:
                self._calls.pop(dropped[0].call, None)

    def of(self, agent: str) -> list[Entry]:
        """The agent's kept entries, oldest first."""
        return list(self._entries.get(agent, ()))


def _went_wrong(event: Event) -> bool:
    """A status that went wrong (blocked, failed ...): Enter shows why."""
    body = event.body
    return isinstance(body, AgentStatusChanged) and body.status in TROUBLED
