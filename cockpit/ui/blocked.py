"""The inbox's second kind of item: a blocked task waiting for the human.

The scheduler passes a blocked task to the session's lead first and, when the lead cannot
resolve it (or there is none), to the human (`Supervisor.blocked`). The next-needing-me
key reaches it after the tier-3 prompts, oldest first; this panel says what is blocked,
why, whom it went through and the start of its report, and offers a message to the
task's agent (which answers it: the scheduler reopens the task). A failed gate's item
(task ``gate:<phase>``, no agent) says to message the lead or fix the code and merge.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.safe_text import visible_lines
from cockpit.session.events import Event
from cockpit.session.kinds import TaskAnswered, TaskEscalated
from cockpit.supervisor.updates import BlockedItem
from cockpit.ui.render import one_line
from cockpit.ui.settings import DIALOG_KEYS, KEYS, binding

REPORT_LINES = 12
"""Lines of a blocker report shown in the panel (the file has the rest)."""

REPORT_BYTES = 16_384
"""The most of a report read for those lines (a huge file is not read whole)."""

GATE = "gate:"
"""A failed gate's item: its task id is ``gate:<phase>``."""


class Trail:
    """Whom each blocked task went through on its way to the human, from the log's
    ``task.escalated`` events (a lead that could not resolve it)."""

    def __init__(self) -> None:
        self.went: dict[str, list[str]] = {}

    def take(self, event: Event) -> None:
        body = event.body
        if isinstance(body, TaskEscalated) and body.task:
            self.went.setdefault(body.task, []).append(str(body.to or "?"))
        elif isinstance(body, TaskAnswered) and body.task:
            self.went.pop(body.task, None)

    def through(self, task: str) -> list[str]:
        return [to for to in self.went.get(task, []) if to != "human"]


def report_head(report: str | None, root: Path) -> list[str]:
    """The first lines of a blocker report (a path relative to the workspace or not),
    every control character shown as its escape; nothing when it is no file."""
    if not report:
        return []
    path = Path(report)
    path = path if path.is_absolute() else root / path
    try:
        if not path.is_file():
            return []
        with path.open("rb") as file:
            data = file.read(REPORT_BYTES)
    except OSError:
        return []
    lines = visible_lines(data.decode("utf-8", "replace")).split("\n")
    head = lines[:REPORT_LINES]
    return [*head, "…"] if len(lines) > REPORT_LINES else head


def item_lines(
    item: BlockedItem,
    through: Iterable[str],
    report: list[str],
    lead: str | None,
    message: str = "m",
) -> Content:
    """What the panel says of ``item``."""
    said: list[Content] = []
    gate = item.task.startswith(GATE)
    if gate:
        said.append(Content.styled(one_line(f"gate of {item.task[len(GATE) :]!r}"), "bold"))
    else:
        who = f" (@{item.agent})" if item.agent else ""
        said.append(Content.styled(one_line(f"task #{item.task}{who}"), "bold"))
    said.append(Content.assemble(("why: ", "$text-muted"), one_line(item.why or "(not said)")))
    went = list(through)
    if went:
        said.append(Content.assemble(("went through: ", "$text-muted"), one_line(", ".join(went))))
    else:
        said.append(Content.styled("came straight to you (no lead could take it)", "$text-muted"))
    if item.report:
        said.append(Content.assemble(("report: ", "$text-muted"), one_line(item.report)))
    if report:
        said.append(Content(""))
        said += [Content.styled(one_line(line), "$text-muted") for line in report]
    said.append(Content(""))
    if gate:
        to = f"message the lead ({lead}, {message})" if lead else "message an agent"
        said.append(Content(f"The gate failed: {to}, or fix the code and merge."))
    else:
        said.append(Content(f"{message}: message {item.agent} (that answers it) · Esc: leave it"))
    return Content("\n").join(said)


class BlockedScreen(ModalScreen[bool]):
    """ "blocked: needs you": True when the human chose to message the agent."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        binding(KEYS, "message", "message", "Message the agent"),
        binding(DIALOG_KEYS, "message.cancel", "leave", "Leave it"),
    ]

    def __init__(self, item: BlockedItem, text: Content) -> None:
        super().__init__()
        self.item = item
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content.styled("blocked: needs you", "bold $error"), id="blocked-title")
            with VerticalScroll(id="blocked-body"):
                yield Static(self.text, id="blocked-text")

    def action_message(self) -> None:
        self.dismiss(True)

    def action_leave(self) -> None:
        self.dismiss(False)
