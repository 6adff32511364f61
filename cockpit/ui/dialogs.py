"""Small screens: a message to an agent, the keys, and the session log view."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Log, Static

from cockpit.session.show import HEADER


class MessageScreen(ModalScreen[str | None]):
    """Asks for a message to one agent; it reaches the agent at its next turn."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="message.cancel")
    ]

    def __init__(self, agent: str) -> None:
        super().__init__()
        self.agent = agent

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Content.from_markup(
                    "Message to [b]$agent[/b] [$text-muted](it reads it at its next turn)[/]",
                    agent=self.agent,
                )
            )
            yield Input(placeholder="Type, then Enter. Esc cancels.", id="message-text")

    @on(Input.Submitted, "#message-text")
    def _send(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """The keys, as currently mapped."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close")
    ]

    def __init__(
        self,
        keys: Iterable[tuple[str, str]],
        notes: Iterable[str] = (),
        *,
        prompt_keys: bool = True,
    ) -> None:
        super().__init__()
        self.keys = list(keys)
        self.notes = list(notes)
        self.prompt_keys = prompt_keys
        """Also list the tier-3 prompt's keys (a replay has no prompts)."""

    def compose(self) -> ComposeResult:
        width = max((len(key) for key, _ in self.keys), default=4)
        lines = [Content.styled("Keys", "bold")]
        lines += [
            Content.assemble((key.ljust(width + 2), "bold $accent"), what)
            for key, what in self.keys
        ]
        if self.prompt_keys:
            lines += [Content(""), Content.styled("On a tier-3 prompt", "bold")]
            lines += [
                Content.assemble((key.ljust(width + 2), "bold $accent"), what)
                for key, what in (
                    ("y", "approve: the command runs"),
                    ("n", "deny, with an optional reason the agent sees (Enter sends)"),
                    ("a", "allow this exact program for the session (shown first), and approve"),
                    ("esc", "deny"),
                    ("h", "decide later (the next-needing-me key brings it back)"),
                )
            ]
        if self.notes:
            lines.append(Content(""))
            lines += [Content.styled(note, "$text-muted") for note in self.notes]
        with Vertical(classes="dialog"):
            yield Static(Content("\n").join(lines))
            yield Static(Content.styled("Esc closes", "$text-muted"))

    def action_close(self) -> None:
        self.dismiss(None)


class LogScreen(Screen[None]):
    """The session log, one event a line (`cockpit log show` format), kept live."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,l", "close", "Back to the agents", id="log.close")
    ]

    def __init__(self, title: str, lines: Iterable[str], *, max_lines: int = 10_000) -> None:
        super().__init__()
        self.title_text = title
        self._initial = list(lines)
        self.max_lines = max_lines

    def compose(self) -> ComposeResult:
        yield Static(Content.styled(self.title_text, "bold"), id="log-title")
        yield Static(Content.styled(HEADER, "$text-muted"), id="log-header")
        yield Log(max_lines=self.max_lines, id="log-lines")
        yield Footer()

    def on_mount(self) -> None:
        log = self.query_one(Log)
        log.write_lines(self._initial)
        self._initial = []
        log.focus()

    def append(self, line: str) -> None:
        """One more event (the app calls this while the log view is open)."""
        self.query_one(Log).write_line(line)

    def action_close(self) -> None:
        self.dismiss(None)
