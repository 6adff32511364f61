"""The plan view: plan.md's phases and tasks with owner and status, kept live.

It re-reads plan.md (in a thread) whenever the session says the plan or a task changed;
the file is the truth, the view only shows it. Above the tasks, the conflict radar lists
the agents whose work overlaps (`show_radar`). Without a file (a replay) it shows what it
is given with `show`.
"""

from __future__ import annotations

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
        self.border_title = "plan.md"

    def compose(self) -> ComposeResult:
        radar = Static("", id="plan-radar")
        radar.display = False
        yield radar
        if self.plan is not None:
            yield Static(plan_content(self.plan, self.agents), id="plan-tasks")
        else:
            yield Static("Reading plan.md…" if self.path else "", id="plan-tasks")

    def on_mount(self) -> None:
        if self.path is not None and self.plan is None:
            self.refresh_plan()

    @work(thread=True, exclusive=True, group="plan-read", exit_on_error=False)
    def refresh_plan(self) -> None:
        """Re-read plan.md off the event loop and show it."""
        if self.path is None:
            return
        try:
            content = plan_content(load_plan(self.path), self.agents, dict(self.unverified))
        except (CockpitError, OSError) as exc:
            content = Content.styled(one_line(f"plan.md cannot be read: {exc}"), "$error")
        self.app.call_from_thread(self.show, content)

    def show(self, content: Content) -> None:
        self.query_one("#plan-tasks", Static).update(content)

    def show_radar(self, lines: list[Content]) -> None:
        """The conflict radar's overlaps above the tasks (`worktree_view.radar_lines`), so
        the human re-plans before the merge; nothing when nothing overlaps."""
        radar = self.query_one("#plan-radar", Static)
        radar.update(Content("\n").join([*lines, Content("")]) if lines else "")
        radar.display = bool(lines)
