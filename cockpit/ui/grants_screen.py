"""The session's grants on screen (the `grants` key): the saved "allow for this session"
rules, one a line, to revoke one. The supervisor revokes it (logged first)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cockpit.policy.rules.grants import Grant
from cockpit.ui.render import one_line
from cockpit.ui.settings import DIALOG_KEYS, binding


class GrantsScreen(ModalScreen[str | None]):
    """The session's grants, one a line; Enter (or r, delete) revokes the highlighted one
    and closes with its id, Escape closes with nothing revoked."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        binding(DIALOG_KEYS, "grants.close", "close", "Close"),
        binding(DIALOG_KEYS, "grants.revoke", "revoke", "Revoke"),
    ]

    def __init__(self, grants: Sequence[Grant]) -> None:
        super().__init__()
        self.grants = list(grants)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content.styled("Allowed for this session", "bold"))
            if not self.grants:
                yield Static(
                    Content.styled(
                        "No grants: A on a tier-3 prompt saves one (the exact program and "
                        "subcommand), until the session ends or you revoke it here.",
                        "$text-muted",
                    )
                )
            else:
                yield OptionList(
                    *(Option(_grant_line(g), id=g.id) for g in self.grants), id="grants-list"
                )
            foot = "Enter revokes the highlighted grant (its commands ask again) · Esc closes"
            yield Static(Content.styled(foot if self.grants else "Esc closes", "$text-muted"))

    def on_mount(self) -> None:
        if self.grants:
            self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_revoke(self) -> None:
        if self.grants:
            options = self.query_one(OptionList)
            if options.highlighted is not None:
                self.dismiss(options.get_option_at_index(options.highlighted).id)

    def action_close(self) -> None:
        self.dismiss(None)


def _grant_line(grant: Grant) -> Content:
    covers = f"  rules: {', '.join(grant.covers)}" if grant.covers else ""
    return Content.assemble((one_line(grant.pattern), "bold"), (one_line(covers), "$text-muted"))
