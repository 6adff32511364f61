"""`cockpit replay LOG` on the screen: a session log played back through the live panes.

The app is thin: it runs the `Transport` (every player call, on one worker thread), posts
what it reports to itself, and hands each report to the `ReplayScreen`. `cockpit replay`
runs it (`cockpit.cli.replay`, which says on the terminal how it ended).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import ClassVar

from textual.app import App
from textual.binding import BindingType
from textual.message import Message

from cockpit.replay.player import Player
from cockpit.ui import render
from cockpit.ui.branch_diff import branch_changes
from cockpit.ui.changes_view import ChangesScreen
from cockpit.ui.dialogs import HelpScreen
from cockpit.ui.replay_screen import DetailsScreen, ReplayScreen
from cockpit.ui.replay_transport import (
    Frame,
    Notice,
    Played,
    Redraw,
    Report,
    Shown,
    Timeline,
    Transport,
)
from cockpit.ui.settings import (
    ALWAYS_QUIT,
    DIALOG_KEYS,
    REPLAY_KEYS,
    ScreenConfig,
    binding,
    key_label,
)
from cockpit.ui.worktree_view import WorktreeFold

TAIL_EVENTS = 500
"""Events drawn into the panes on a redraw (a seek, a step back): what comes before is
only folded into the headers. Bounded so that a seek lands within 200 ms on any log (the
panes then fill up to their scrollback as the replay plays on)."""

STOP_WAIT_S = 5.0
"""How long the transport may take to finish its slice when the screen closes."""


class ReplayApp(App[int]):
    """A session log on the session screen, with a transport."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["app.tcss", "dialogs.tcss", "replay.tcss"]
    TITLE = "cockpit replay"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        binding(DIALOG_KEYS, "force_quit", "quit", "Quit", show=False, priority=True),
    ]

    class Reported(Message):
        """The transport has something for the screen."""

        def __init__(self, report: Report) -> None:
            super().__init__()
            self.report = report

    def __init__(
        self, player: Player, config: ScreenConfig | None = None, *, tail: int = TAIL_EVENTS
    ) -> None:
        super().__init__()
        self.player = player
        self.config = config or ScreenConfig()
        self.transport = Transport(player, self._report, tail=min(tail, self.config.scrollback))

    def _report(self, report: Report) -> None:
        self.post_message(self.Reported(report))

    def get_default_screen(self) -> ReplayScreen:
        return ReplayScreen(self.transport, scrollback=self.config.scrollback)

    @property
    def main(self) -> ReplayScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, ReplayScreen)
        return screen

    def on_mount(self) -> None:
        self.set_keymap(dict(self.config.keymap))

    def on_ready(self) -> None:
        """The screen is composed: reports can be drawn from now on."""
        self.run_worker(self.transport.run, name="transport", thread=True)
        self.transport.redraw()
        if self.player.follow:  # `cockpit replay --follow`: play on as the log grows
            self.transport.play_pause()

    def on_unmount(self) -> None:
        self.transport.stop()

    async def on_replay_app_reported(self, message: Reported) -> None:
        report = message.report
        if not self.screen_stack:  # the app is closing: nothing left to draw on
            return
        if isinstance(report, Redraw):
            await self.main.redraw(report)
        elif isinstance(report, Played):
            await self.main.play(report)
            self.transport.drawn()
        elif isinstance(report, Frame):
            self.main.show_frame(report)
        elif isinstance(report, Timeline):
            self.main.show_timeline(report)
        elif isinstance(report, Shown):
            self.push_screen(DetailsScreen(report.details))
        elif isinstance(report, Notice):
            said = render.clean(report.message)  # it may quote a damaged log line
            if report.error:
                self.notify(said, severity="error", timeout=30, markup=False)
            else:
                self.notify(said, timeout=4, markup=False)

    def on_cockpit_screen_changes_wanted(self, message: ReplayScreen.ChangesWanted) -> None:
        """The agent's branch as it is now against the session's base (git, off the loop)."""
        fold = self.main.worktrees.copy()
        self.run_worker(
            self._show_changes(message.agent, fold), name="changes", group="changes", exclusive=True
        )

    async def _show_changes(self, agent: str, fold: WorktreeFold) -> None:
        changes, title = await branch_changes(agent, fold)
        if self.is_running:
            self.push_screen(ChangesScreen(changes, title))

    def on_cockpit_screen_help_wanted(self, _: ReplayScreen.HelpWanted) -> None:
        keys = [
            (key_label(self.config.keymap.get(name, default)), what)
            for name, (default, what) in REPLAY_KEYS.items()
            if not name.startswith("seek_")
        ]
        first, last = (key_label(self.config.keymap.get(f"seek_{n}", str(n))) for n in (0, 9))
        keys.insert(7, (f"{first}-{last}", "seek to 0 %, 10 %, .. 90 % of the session"))
        keys.append(("tab", "select the next pane"))
        keys.append((key_label(ALWAYS_QUIT), "quit, whatever the keys are mapped to"))
        notes = [
            f"Replaying {self.player.log_path}",
            "Timeline: ● here · ◆ denial · ✗ error · ▲ approval",
            "Long pauses are shortened to the idle cap (cockpit replay --idle-cap S)",
            "Keys are remapped in .cockpit/config.yaml",
        ]
        self.push_screen(HelpScreen(keys, notes))
