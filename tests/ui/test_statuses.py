"""Every agent status the enum knows is drawn in its own colour and named in the README's
legend: a new status cannot be added without both."""

from __future__ import annotations

import re
from pathlib import Path

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Static

from cockpit.session.state import AgentState
from cockpit.session.status import AgentStatus
from cockpit.ui import render
from cockpit.ui.agent_pane import AgentPane

README = Path(__file__).resolve().parents[2] / "README.md"


class _OnePane(App[None]):
    def compose(self) -> ComposeResult:
        yield AgentPane("builder", "claude-sonnet")


def _status_style(header: Content, status: str) -> set[str]:
    """The styles over the status word in a pane header."""
    start = header.plain.index(status)
    return {
        str(span.style)
        for span in header.spans
        if span.start <= start and span.end >= start + len(status)
    }


async def test_every_status_shows_in_its_own_colour() -> None:
    app = _OnePane()
    async with app.run_test():
        pane = app.query_one(AgentPane)
        for status in AgentStatus:
            pane.show_state(AgentState("builder", status=status), pause_requested=False)
            header = pane.query_one(".pane-header", Static).content
            assert isinstance(header, Content)
            assert header.plain.removeprefix("builder").lstrip().startswith(status)
            assert render.STATUS_COLOURS[status] in _status_style(header, status), status


def test_every_status_is_in_the_readme_legend() -> None:
    text = " ".join(README.read_text(encoding="utf-8").replace("**", "").split())
    legend = re.search(r"Statuses are honest: (.*?)\. A cost shows", text)
    assert legend is not None
    missing = [s.value for s in AgentStatus if s.value not in legend.group(1)]
    assert missing == []
