"""Enter on a live session: the selected agent's recent calls in full, as replay shows them.

Each agent's last calls are kept by `cockpit.ui.recent`; here one becomes the `Details`
page that replay's Enter opens, in the same `DetailsScreen`. Left and right step through
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual.binding import BindingType
from textual.content import Content
from textual.widgets import Static

from cockpit.replay.details import Details, event_text, read_artifact
from cockpit.session.events import Event
from cockpit.session.show import format_line
from cockpit.session.state import StateBuilder
from cockpit.ui.recent import Entry
from cockpit.ui.render import one_line
from cockpit.ui.replay_screen import DetailsScreen, detail_lines
from cockpit.ui.settings import DIALOG_KEYS, binding
from cockpit.ui.transcript import Transcript


def details_of(entry: Sequence[Event], log_path: Path) -> Details:
    """The details page of one kept entry: its call followed as far as it has gone, the
    output, the edit's diff, the artifact's text (read from beside the log)."""
    event = entry[-1]
    builder = StateBuilder()
    for earlier in entry:
        builder.apply(earlier)
    call = builder.state.calls.get(event.call) if event.call is not None else None
    text = event_text(event)
    path = artifact_text = problem = None
    artifact = call.artifact if call is not None else event.data.get("artifact")
    if isinstance(artifact, dict):
        path, artifact_text, problem = read_artifact(log_path, artifact)
    return Details(
        index=event.seq,
        event=event,
        line=format_line(event),
        call=call,
        text=text,
        artifact_path=path,
        artifact_text=artifact_text,
        artifact_problem=problem,
        data=event.data,
    )


class LiveDetailsScreen(DetailsScreen):
    """Replay's details page over one agent's recent calls; left and right step through
    them, newest last."""

    BINDINGS: ClassVar[list[BindingType]] = [
        binding(DIALOG_KEYS, "details.earlier", "step(-1)", "Earlier"),
        binding(DIALOG_KEYS, "details.later", "step(1)", "Later"),
    ]

    def __init__(self, agent: str, entries: Sequence[Entry], log_path: Path) -> None:
        self.agent = agent
        self.entries = list(entries)
        self.log_path = log_path
        self.at = len(self.entries) - 1
        super().__init__(details_of(self.entries[self.at], log_path))

    def on_mount(self) -> None:
        # Textual calls DetailsScreen.on_mount too (handlers run for each class): only add
        # what this page has beyond it, or the page is written twice.
        self._show_position()

    def action_step(self, delta: int) -> None:
        at = max(0, min(len(self.entries) - 1, self.at + delta))
        if at == self.at:
            return
        self.at = at
        self.details = details_of(self.entries[at], self.log_path)
        transcript = self.query_one(Transcript)
        transcript.clear()
        transcript.write_lines(detail_lines(self.details))
        transcript.action_scroll_home()
        self._show_position()

    def _show_position(self) -> None:
        d = self.details
        title = Content.assemble(
            (one_line(self.agent), "bold"),
            f" · {self.at + 1} of {len(self.entries)} (← → earlier, later)",
            one_line(f" · event {d.index:,} · {d.event.kind}"),
            one_line(f" · call {d.event.call}" if d.event.call else ""),
        )
        self.query_one("#details-title", Static).update(title)
