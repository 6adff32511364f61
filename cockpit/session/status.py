"""An agent's status: the one word its header shows, and the sets the screen and the
supervisor sort statuses into.

It lives in the session package, the lowest layer, because the log stores it
(``agent.status`` events) and every layer above reads it: the agent loop writes it, the
state fold, the supervisor, headless driving and the screen read it. A `StrEnum` member
is its own string, so the log holds the same words as before (``"waiting for you"``).
"""

from __future__ import annotations

from enum import StrEnum


class AgentStatus(StrEnum):
    """What an agent is doing, in the words its header shows (honest, never hopeful).

    Final (the agent's loop has returned until a message wakes it): `DONE`, `FAILED`,
    `BLOCKED`; see `FINAL`. Timed (the header shows how long it has lasted): see `TIMED`.
    A status this cockpit does not know (logged by a newer one) still reads as an
    `AgentStatus` holding its words, outside every set below, so its log still opens.
    """

    STARTING = "starting"
    """Logged as started; its first step has not begun (also a replay's default)."""
    THINKING = "thinking"
    """A model request is on its way or streaming."""
    RUNNING = "running"
    """A tool call is executing (the detail says which)."""
    WAITING = "waiting for you"
    """A tier-3 action waits for the human's Y or N."""
    PAUSED = "paused"
    """The human paused it (p); it stops between steps."""
    BLOCKED = "blocked"
    """It reported it cannot go on and waits for a message from the human."""
    RETRYING = "retrying"
    """The model request failed and is tried again (the detail says why and when)."""
    STALLED = "stalled"
    """The model request has not answered for a while (the detail says how long)."""
    DONE = "done"
    """It finished: the model's last word asked for nothing more."""
    FAILED = "failed"
    """It stopped on an error (the detail gives the reason)."""
    IDLE = "idle"
    """Woken from blocked by a message, before its next turn (a new loop starts idle too)."""

    @classmethod
    def _missing_(cls, value: object) -> AgentStatus | None:
        """A status a newer cockpit logged: kept with its words (no colour, no set)."""
        if not isinstance(value, str):
            return None
        unknown = str.__new__(cls, value)
        unknown._name_ = "UNKNOWN"
        unknown._value_ = value
        return unknown


class _Words(dict[str, AgentStatus]):
    """Every status by its words; words this cockpit does not know read as themselves."""

    def __missing__(self, word: str) -> AgentStatus:
        return AgentStatus(word)


status_of = _Words({status.value: status for status in AgentStatus}).__getitem__
"""The status a log names. A plain dict lookup (no Python call for known words): the
fold reads one per status event, and the enum's own lookup is ten times slower."""


FINAL = frozenset({AgentStatus.DONE, AgentStatus.FAILED, AgentStatus.BLOCKED})
"""The agent's loop has returned: the session may end, a message may wake it."""

TIMED = frozenset(
    {
        AgentStatus.THINKING,
        AgentStatus.RUNNING,
        AgentStatus.WAITING,
        AgentStatus.RETRYING,
        AgentStatus.STALLED,
        AgentStatus.PAUSED,
    }
)
"""Statuses whose header shows how long they have lasted."""

HALTED = frozenset({AgentStatus.BLOCKED, AgentStatus.FAILED})
"""Stopped short of done: counted on the top line, the pane framed in red."""

TROUBLED = frozenset({AgentStatus.FAILED, AgentStatus.STALLED, AgentStatus.RETRYING})
"""Something went wrong: the pane shows the reason, and Enter shows it in full."""

NEEDS_YOU = frozenset({AgentStatus.BLOCKED, AgentStatus.WAITING})
"""Waiting on the human: a tier-3 answer or a message."""

QUIET = frozenset({AgentStatus.DONE, AgentStatus.IDLE})
"""Nothing happening: the pane is drawn muted."""

__all__ = [
    "FINAL",
    "HALTED",
    "NEEDS_YOU",
    "QUIET",
    "TIMED",
    "TROUBLED",
    "AgentStatus",
    "status_of",
]
