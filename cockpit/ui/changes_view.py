"""What an agent changed since the session started (the `diff` key): its whole diff,
added and removed lines in their colours and the code highlighted for its language
(`diff_view`), in a page like replay's details, and what else changed in the tree by name.

With worktrees the page is the agent's worktree against the session's base; in a replay,
its branch as it is now. The supervisor (or `branch_diff`) computes the changes; this
only shows them.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.agent.changes import AgentChanges
from cockpit.ui import render
from cockpit.ui.diff_view import DiffTranscript
from cockpit.ui.render import Line
from cockpit.ui.settings import DIALOG_KEYS, binding
from cockpit.ui.worktree_view import SHORT_SHA


def change_lines(changes: AgentChanges) -> list[Line]:
    """The page: the agent's files and diff (added and removed lines in their colours),
    then the files someone else changed, or why there is nothing to compare."""
    if changes.problem:
        return [("fail", f"Cannot show what {changes.agent} changed: {changes.problem}")]
    lines: list[Line] = []
    if not changes.files:
        lines.append(("note", f"{changes.agent} has changed no file since the session started."))
    else:
        added, removed = render.diff_counts(changes.diff)
        count = f"{len(changes.files)} file" + ("s" if len(changes.files) != 1 else "")
        lines.append(("ok", f"{count} · +{added} -{removed}"))
        lines += [("dim", f"  {name}") for name in changes.files]
        lines.append(("text", ""))
        lines += [(_diff_style(line), line) for line in changes.diff.rstrip("\n").split("\n")]
        if changes.truncated:
            lines.append(("note", "… the diff is longer: the rest is cut here"))
    if changes.others:
        lines += [
            ("text", ""),
            (
                "note",
                "Also changed since the start, not by this agent's tools (another agent, "
                "you, or a program whose writes its command does not name):",
            ),
        ]
        lines += [("dim", f"  {name}") for name in changes.others]
    return [(style, render.clean(text)) for style, text in lines]


def worktree_heading(agent: str, base: str, branch: str) -> Content:
    """The page's title for an agent in its own worktree."""
    return Content.assemble(
        (render.one_line(f"{agent}'s worktree"), "bold"),
        render.one_line(f" against the base {base[:SHORT_SHA]} (branch {branch})"),
    )


def _diff_style(line: str) -> str:
    if line.startswith(("+++", "---", "diff --git", "index ", "new file", "deleted file")):
        return "note"
    if line.startswith("@@"):
        return "dim"
    if line.startswith("+"):
        return "added"
    if line.startswith("-"):
        return "removed"
    return "text"


class ChangesScreen(ModalScreen[None]):
    """An agent's whole diff against the session's start (or its worktree's base):
    scrollable, selectable, syntax-coloured."""

    BINDINGS: ClassVar[list[BindingType]] = [
        binding(DIALOG_KEYS, "changes.close", "close", "Close")
    ]
    MAX_LINES = 200_000

    def __init__(self, changes: AgentChanges, heading: Content | None = None) -> None:
        super().__init__()
        self.changes = changes
        self.heading = heading
        """The title (an agent's worktree, a branch); None: the shared tree's."""

    def compose(self) -> ComposeResult:
        c = self.changes
        base = f" (snapshot {c.base[:10]})" if c.base else ""
        heading = self.heading or Content.assemble(
            (render.one_line(c.agent), "bold"),
            f" · what it changed since the session started{base}",
        )
        with Vertical(classes="dialog"):
            yield Static(heading, id="details-title")
            yield DiffTranscript(self.MAX_LINES, id="details-text")
            yield Static(Content.styled("Esc closes · ↑↓ scroll", "$text-muted"))

    def on_mount(self) -> None:
        transcript = self.query_one(DiffTranscript)
        transcript.write_diff(change_lines(self.changes))
        transcript.action_scroll_home()  # read from the top, not followed
        transcript.focus()

    def action_close(self) -> None:
        self.dismiss(None)
