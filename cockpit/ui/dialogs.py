"""Small screens: a message to an agent, the keys, and the session log view."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Resize
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Log, Static

from cockpit.session.show import HEADER
from cockpit.ui.render import one_line
from cockpit.ui.settings import DIALOG_KEYS, binding


class MessageScreen(ModalScreen[str | None]):
    """Asks for a message to one agent; it reaches the agent at its next turn."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        binding(DIALOG_KEYS, "message.cancel", "cancel", "Cancel")
    ]

    def __init__(self, agent: str) -> None:
        super().__init__()
        self.agent = agent

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Content.from_markup(
                    "Message to [b]$agent[/b] [$text-muted](it reads it at its next turn)[/]",
                    agent=one_line(self.agent),
                )
            )
            yield Input(placeholder="Type, then Enter. Esc cancels.", id="message-text")

    @on(Input.Submitted, "#message-text")
    def _send(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


Keys = list[tuple[str, str]]
"""(key as people type it, what it does) pairs."""


class HelpScreen(ModalScreen[None]):
    """The keys, as currently mapped: one row each, the text wrapping beside its key, the
    whole list scrolling when the terminal is short."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [binding(DIALOG_KEYS, "help.close", "close", "Close")]

    def __init__(
        self,
        keys: Iterable[tuple[str, str]],
        notes: Iterable[str] = (),
        *,
        prompt_keys: Iterable[tuple[str, str]] = (),
    ) -> None:
        super().__init__()
        self.keys = list(keys)
        self.notes = list(notes)
        self.prompt_keys = list(prompt_keys)
        """The tier-3 prompt's keys (a replay has no prompts)."""

    def compose(self) -> ComposeResult:
        width = max((len(key) for key, _ in [*self.keys, *self.prompt_keys]), default=4) + 2
        with Vertical(classes="dialog"):
            with VerticalScroll(id="help-keys"):
                yield Static(Content.styled("Keys", "bold"))
                yield from self._rows(self.keys, width)
                if self.prompt_keys:
                    yield Static(Content.styled("On a tier-3 prompt", "bold"), classes="heading")
                    yield from self._rows(self.prompt_keys, width)
                for index, note in enumerate(self.notes):
                    yield Static(
                        Content.styled(note, "$text-muted"), classes="heading" if not index else ""
                    )
            yield Static(Content.styled("Esc closes · ↑↓ scroll", "$text-muted"), id="help-foot")

    @staticmethod
    def _rows(keys: Keys, width: int) -> ComposeResult:
        for key, what in keys:
            with Horizontal(classes="help-row"):
                key_cell = Static(Content.styled(key, "bold $accent"), classes="help-key")
                key_cell.styles.width = width
                yield key_cell
                yield Static(what, classes="help-what")

    def on_mount(self) -> None:
        self._fit()
        self.query_one("#help-keys").focus()

    def on_resize(self, _: Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        # The dialog takes at most 90 % of the height; its border, padding and foot 5 rows.
        room = max(3, int(self.size.height * 0.9) - 5)
        self.query_one("#help-keys").styles.max_height = room

    def action_close(self) -> None:
        self.dismiss(None)


class LogScreen(Screen[None]):
    """The session log, one event a line (`cockpit log show` format), kept live."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        binding(DIALOG_KEYS, "log.close", "close", "Back to the agents")
    ]

    def __init__(self, title: str, lines: Iterable[str], *, max_lines: int = 10_000) -> None:
        super().__init__()
        self.title_text = title
        self._initial = list(lines)
        self.max_lines = max_lines

    def compose(self) -> ComposeResult:
        yield Static(Content.styled(one_line(self.title_text), "bold"), id="log-title")
        yield Static(Content.styled(HEADER, "$text-muted"), id="log-header")
        yield Log(max_lines=self.max_lines, id="log-lines")
        yield Footer()

    def on_mount(self) -> None:
        log = self.query_one(Log)
        log.write_lines([one_line(line) for line in self._initial])
        self._initial = []
        log.focus()

    def append(self, line: str) -> None:
        """One more event (the app calls this while the log view is open)."""
        self.query_one(Log).write_line(one_line(line))

    def action_close(self) -> None:
        self.dismiss(None)
