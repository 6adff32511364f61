"""The merge ceremony on the screen (the merge key): what it merged, what it skipped and
why, who it left out; then, when the integration branch has something the user's branch
lacks, the bring-in as a tier-3 question with its diff summary. Y brings it in; anything
else leaves the user's checkout as it is."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.merge.ceremony import Outcome
from cockpit.supervisor.ceremony import CeremonyReport
from cockpit.supervisor.merge_bring import BringIn
from cockpit.ui.render import one_line
from cockpit.ui.settings import DIALOG_KEYS, binding

Line = tuple[str, str]
"""(style, text) for one row of the page."""

_OUTCOME_STYLE = {
    Outcome.MERGED: "$success",
    Outcome.ALREADY_MERGED: "$text-muted",
    Outcome.CONFLICT: "$error",
    Outcome.CHECKS_FAILED: "$error",
    Outcome.QUARANTINED: "$error",
    Outcome.MISSING: "$warning",
}


def ceremony_lines(report: CeremonyReport) -> list[Line]:
    """The ceremony in a few lines: the integration branch before and after, each queued
    branch's outcome, each agent left out and why."""
    result = report.result
    moved = (
        f"{result.before[:10]} → {result.after[:10]}"
        if result.after != result.before
        else f"unchanged at {result.after[:10]}"
    )
    lines: list[Line] = [("bold", f"{result.integration}: {moved}")]
    for committed in report.committed:
        files = len(committed.files or [])
        lines.append(
            ("$text-muted", f"  committed {committed.agent}'s work ({files} files) on its branch")
        )
    for branch in result.results:
        why = f": {branch.why}" if branch.why and branch.outcome is not Outcome.MERGED else ""
        text = f"  {branch.agent}: {branch.outcome}{why}"
        lines.append((_OUTCOME_STYLE.get(branch.outcome, ""), text))
    for seen in report.triaged:
        if not seen.queued:
            lines.append(("$text-muted", f"  {seen.agent} left out ({seen.verdict}): {seen.why}"))
    return lines


class MergeScreen(ModalScreen[bool]):
    """The ceremony's outcome and, when there is one, the bring-in question."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        binding(DIALOG_KEYS, "merge.bring_in", "bring_in", "Bring it in"),
        binding(DIALOG_KEYS, "merge.leave", "leave", "Leave it"),
    ]

    def __init__(
        self, lines: list[Line], offer: BringIn | None, refusal: str | None = None
    ) -> None:
        super().__init__()
        self.lines = lines
        self.offer = offer
        self.refusal = refusal

    def compose(self) -> ComposeResult:
        foot = (
            "tier 3 · y brings it in (your checkout changes) · n or Esc leaves it"
            if self.offer is not None
            else "Esc closes"
        )
        with Vertical(classes="dialog"):
            yield Static(Content.styled("Merge ceremony", "bold"))
            # the keys first: on a short terminal the page scrolls, the question stays
            yield Static(Content.styled(foot, "$text-muted"), id="merge-foot")
            with VerticalScroll(id="merge-lines"):
                for style, text in self.lines:
                    yield Static(Content.styled(one_line(text), style))
                if self.offer is not None:
                    summary = self.offer.summary()
                    yield Static(Content.styled("Bring it into your branch?", "bold $warning"))
                    yield Static(Content.styled(one_line(summary[0]), "bold"))
                    for row in summary[1:]:
                        yield Static(one_line(row))
                elif self.refusal:
                    yield Static(Content.styled(one_line(self.refusal), "$text-muted"))

    def action_bring_in(self) -> None:
        if self.offer is not None:
            self.dismiss(True)

    def action_leave(self) -> None:
        self.dismiss(False)
