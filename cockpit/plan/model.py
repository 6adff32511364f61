"""The values a parsed plan is made of: tasks, phases and the problems found on the way."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class TaskState(StrEnum):
    """The states a task can be in, as written on its ``status:`` line."""

    TODO = "todo"
    DOING = "doing"
    BLOCKED = "blocked"
    DONE = "done"


STATES: tuple[str, ...] = tuple(TaskState)

_NON_WORD = re.compile(r"[^\w]+")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Phase:
    """A heading: every heading (any level, ATX or setext) starts a phase."""

    title: str
    level: int
    line: int
    #: ``[P]`` (or ``(parallel)``) ends the heading: its tasks run at once.
    parallel: bool = False
    #: ``gate:`` lines at the start of a line in the phase: commands that must pass on the
    #: integration state before the next phase opens.
    gate: tuple[str, ...] = ()
    gate_lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class PlanProblem:
    """Something malformed in the plan, shown with its 1-based line in the plan view and log."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class Task:
    """One checkbox list item and the ``verify:``/``status:`` lines indented under it.

    ``owner`` is the task's own trailing ``@owner`` or, for a nested task without one, the
    owner of the nearest enclosing task. ``status`` follows the checkbox: a checked box is
    always ``done``; an unchecked box takes the state of its status line unless that says
    ``done`` (the human reopened the task), in which case it is ``todo``.
    """

    id: str
    title: str
    owner: str | None
    done: bool
    status: TaskState
    note: str
    verify: tuple[str, ...]
    phase: str
    line: int
    parent: str | None = None
    #: 1-based line numbers of the checkbox line and of its own verify/status lines.
    block: tuple[int, ...] = ()
    #: 1-based line of the first ``status:`` line, if any.
    status_line: int | None = None
    #: The ``#id`` the human gave it (then ``id`` is that), or None.
    key: str | None = None
    #: Ids of the tasks it waits for (``after: #a, #b``), without ``#``, and each one's line.
    after: tuple[str, ...] = ()
    after_line: int | None = None
    #: ``[P]`` before the title: it runs beside its ``[P]`` neighbours.
    parallel: bool = False
    #: The escape hatch's budget for this task (``iterations:``, ``shifts:``), if set.
    iterations: int | None = None
    shifts: int | None = None

    def content(self) -> tuple[object, ...]:
        """What the task says, without where it is: two tasks with equal content are unchanged."""
        return (
            self.id,
            self.title,
            self.owner,
            self.done,
            self.status,
            self.note,
            self.verify,
            self.phase,
            self.parent,
            self.after,
            self.parallel,
            self.iterations,
            self.shifts,
        )

    def describe(self) -> str:
        """One line for messages: title, owner and id."""
        owner = f" @{self.owner}" if self.owner else ""
        return f'"{self.title}"{owner} (id {self.id}, line {self.line})'


def printable(text: str) -> str:
    """``text`` with undecodable bytes (kept as surrogate escapes) shown as U+FFFD."""
    return _ESCAPED_BYTE.sub("\ufffd", text)


def slug(text: str) -> str:
    """A lowercase, dash-separated form of ``text`` that keeps letters of every script."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub("-", folded).strip("-_")
