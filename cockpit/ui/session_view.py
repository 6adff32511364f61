"""What the live screen has taken in of its session: the folded state, each agent's
recent calls, and the log's lines.

No Textual here: the app draws each event on the panes, then hands it to `take`. The fold
is lean (finished calls are forgotten), so what Enter shows is kept in `recent`.
"""

from __future__ import annotations

from collections import deque

from cockpit.session.events import Event
from cockpit.session.state import CallState, StateBuilder
from cockpit.session.status import TIMED, AgentStatus
from cockpit.ui.recent import RecentCalls

LOG_VIEW_LINES = 10_000


class SessionView:
    """The screen's fold of the events it was fed, in the order they were logged."""

    def __init__(self) -> None:
        self.state = StateBuilder(lean=True)
        self.recent = RecentCalls()
        self.log_lines: deque[str] = deque(maxlen=LOG_VIEW_LINES)
        """The log view's lines (`log show` lines), newest last."""

    def call_of(self, event: Event) -> CallState | None:
        """The call ``event`` belongs to, as it stood before the event."""
        return self.state.state.calls.get(event.call) if event.call else None

    def take(self, event: Event) -> str:
        """Fold ``event`` in; its log line."""
        from cockpit.session.show import format_line  # loaded once, after the first frame

        self.state.apply(event)
        self.recent.add(event)
        line = format_line(event)
        self.log_lines.append(line)
        return line

    def statuses(self) -> dict[str, AgentStatus]:
        return {name: a.status for name, a in self.state.state.agents.items()}

    def timed(self) -> set[str]:
        """Agents mid-step, whose header shows how long the step has taken."""
        return {name for name, a in self.state.state.agents.items() if a.status in TIMED}
