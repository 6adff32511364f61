"""The plan view: plan.md's phases and tasks with owner and status, kept live.

It re-reads plan.md (in a thread) whenever the session says the plan or a task changed;
the file is the truth, the view only shows it. An ordered plan (a scheduled session) shows
the task board instead (`board.board_content`): each task's state as the log says it,
redrawn from the plan last read when the board moves (`show_board`). Above the tasks,
the conflict radar lists the agents whose work overlaps (`show_radar`). Without a file (a
replay) it shows what it is given with `show`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from cockpit.errors import CockpitError
from cockpit.plan.document import Plan, load_plan
from cockpit.plan.model import TaskState
from cockpit.session.state import SessionState
from cockpit.ui.board import board_content
from cockpit.ui.render import one_line

STATE_STYLES: dict[str, tuple[str, str]] = {
    TaskState.TODO: ("[ ]", "$text-muted"),
    TaskState.DOING: ("[~]", "bold $accent"),
    TaskState.BLOCKED: ("[!]", "bold $error"),
    TaskState.DONE: ("[x]", "$success"),
}


def plan_content(
    plan: Plan, agents: set[str] | None = None, unverified: Mapping[str, str] | None = None
) -> Content:
    """The plan as the view shows it: phases, then one line per task, then problems.

    ``unverified``: task id -> who ticked its box without update_task; such a task is
    shown as not done, with who ticked it."""
    if not plan.tasks:
        if plan.text.strip():
            return Content("plan.md has no tasks (- [ ] task @owner)")
        return Content("No plan.md yet.")
    lines: list[Content] = []
    phase: str | None = None
    for task in plan.tasks:
        if task.phase != phase:
            phase = task.phase
            if lines:
                lines.append(Content(""))
            lines.append(Content.styled(one_line(phase or "(no phase)"), "bold $primary"))
        ticked_by = (unverified or {}).get(task.id) if task.done else None
        box, style = STATE_STYLES.get(task.status, ("[?]", "$warning"))
        if ticked_by is not None:
            box, style = "[x?]", "bold $warning"
        indent = "  " if task.parent else ""
        owner = one_line(f"@{task.owner}") if task.owner else "(no owner)"
        lines.append(
            Content.assemble(
                indent,
                (box, style),
                " ",
                one_line(task.title),  # what a file holds: its escapes shown, never obeyed
                " ",
                (owner, "$warning" if _stranger(task.owner, agents) else "$secondary"),
            )
        )
        if ticked_by is not None:
            who = "an unknown writer" if ticked_by == "unknown" else ticked_by
            lines.append(
                Content.styled(one_line(f"{indent}    ticked by {who}, not verified"), "$warning")
            )
        if task.note and task.status != TaskState.TODO:
            lines.append(
                Content.styled(one_line(f"{indent}    {task.status}: {task.note}"), "$text-muted")
            )
    problems = plan.problems(agents)
    if problems:
        lines.append(Content(""))
        lines += [
            Content.styled(one_line(f"plan.md {problem}"), "$warning") for problem in problems
        ]
    return Content("\n").join(lines)


def _stranger(owner: str | None, agents: set[str] | None) -> bool:
    """An owner that is no agent of this session (shown in warning colour)."""
    return owner is not None and agents is not None and owner not in agents


class PlanView(VerticalScroll):
    """A side panel with plan.md's tasks; `refresh_plan` re-reads the file.

    ``path`` None: no file is read; the owner feeds the view with `show` (a replay shows
    what the log knows of the plan at its position). ``plan``: the file as just read (a
    new session's), shown at once instead of read again.
    """

    def __init__(
        self,
        path: Path | None,
        agents: set[str],
        *,
        id: str | None = None,
        plan: Plan | None = None,
    ) -> None:
        super().__init__(id=id)
        self.path = path
        self.agents = agents
        self.plan = plan
        self.unverified: dict[str, str] = {}
        """Task id -> who ticked its box without update_task (from the session's log)."""
        self.board: SessionState | None = None
        """The session's fold, whose task board an ordered plan shows (read on the event
        loop only: a thread gets a copy)."""
        self.shifts: int | None = None
        """The session's strategy shifts per task (a strategy reads "2 of 3")."""
        self._read: Plan | None = plan
        self._stale = plan is None
        self.border_title = "plan.md"

    def compose(self) -> ComposeResult:
        radar = Static("", id="plan-radar")
        radar.display = False
        yield radar
        if self.plan is not None:
            yield Static(self._content(self.plan, None, {}), id="plan-tasks")
        else:
            yield Static("Reading plan.md…" if self.path else "", id="plan-tasks")

    def on_mount(self) -> None:
        if self.path is not None and self.plan is None:
            self.refresh_plan()

    def refresh_plan(self) -> None:
        """Re-read plan.md off the event loop and show it."""
        if self.path is not None:
            self._stale = True
            self._draw(self._board_copy(), dict(self.unverified))

    def show_board(self) -> None:
        """The board moved: an ordered plan's view is drawn again from the plan last read
        (plan.md itself did not change)."""
        plan = self._read
        if plan is not None and plan.ordered and self.board is not None:
            self._draw(self._board_copy(), dict(self.unverified))

    def _board_copy(self) -> SessionState | None:
        """What a thread may read of the board while the event loop folds on."""
        if self.board is None:
            return None
        live = self.board
        return SessionState(
            board={k: copy.copy(r) for k, r in live.board.items()},
            phases_opened=list(live.phases_opened),
            gates=dict(live.gates),
        )

    def _content(
        self, plan: Plan, board: SessionState | None, unverified: Mapping[str, str]
    ) -> Content:
        if plan.ordered and board is not None and plan.tasks:
            return board_content(plan, board, self.agents, shifts=self.shifts)
        return plan_content(plan, self.agents, unverified)

    @work(thread=True, exclusive=True, group="plan-read", exit_on_error=False)
    def _draw(self, board: SessionState | None, unverified: Mapping[str, str]) -> None:
        """Off the event loop: plan.md read again when it changed (a newer call replaces
        one not yet run, so a re-read asked for is never lost), then the view drawn."""
        try:
            if self._stale or self._read is None:
                self._stale = False
                assert self.path is not None
                self._read = load_plan(self.path)
            content = self._content(self._read, board, unverified)
        except (CockpitError, OSError) as exc:
            content = Content.styled(one_line(f"plan.md cannot be read: {exc}"), "$error")
        self.app.call_from_thread(self._shown, content)

    def _shown(self, content: Content) -> None:
        self.set_class(self._read is not None and self._read.ordered, "-board")
        self.show(content)

    def show(self, content: Content) -> None:
        self.query_one("#plan-tasks", Static).update(content)

    def show_radar(self, lines: list[Content]) -> None:
        """The conflict radar's overlaps above the tasks (`worktree_view.radar_lines`), so
        the human re-plans before the merge; nothing when nothing overlaps."""
        radar = self.query_one("#plan-radar", Static)
        radar.update(Content("\n").join([*lines, Content("")]) if lines else "")
        radar.display = bool(lines)
