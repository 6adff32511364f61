"""The task board of a scheduled session (an ordered plan) as the plan view shows it.

Each task reads its state from the log's fold (`SessionState.board`), so the live view and
a replay at the same position show the same thing. One line per task and at most one line
under it (what it waits for, a red-first flag, its strategy, whom a blocked task went to):
lines are cut, never wrapped, so a 500-task plan stays readable in a narrow side panel.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from cockpit.plan.document import Plan
from cockpit.plan.order import PhaseSpot, PlanOrder, plan_problems
from cockpit.session.kinds import (
    EventBody,
    PhaseGate,
    PhaseOpened,
    StrategyShifted,
    TaskAnswered,
    TaskEscalated,
    TaskStateChanged,
    TaskVerified,
)
from cockpit.session.state import SessionState, TaskRecord
from cockpit.ui.render import one_line

BOARD_KINDS: frozenset[type[EventBody]] = frozenset(
    {
        TaskStateChanged,
        PhaseOpened,
        PhaseGate,
        StrategyShifted,
        TaskEscalated,
        TaskAnswered,
        TaskVerified,
    }
)
"""The kinds that move the board (the view is drawn again after them)."""

BOARD_STYLES: dict[str, tuple[str, str]] = {
    "pending": ("·", "$text-muted"),
    "ready": ("○", "$secondary"),
    "in_progress": ("▶", "bold $accent"),
    "review": ("◇", "$warning"),
    "done": ("✓", "$success"),
    "blocked": ("!", "bold reverse $error"),
    "failed": ("✗", "bold $error"),
}
"""A task's state: its mark and style, each distinct (the word is shown too, for a
screen without colour)."""

GATE_WORDS: dict[bool | None, tuple[str, str]] = {
    True: ("passed", "$success"),
    False: ("FAILED", "bold $error"),
    None: ("not run", "$text-muted"),
}

STATE_WORDS: dict[str, str] = {"in_progress": "in progress"}


def _mark(state: str) -> tuple[str, str]:
    return BOARD_STYLES.get(state, ("?", "$warning"))


def task_line(
    ident: str,
    title: str,
    owner: str | None,
    record: TaskRecord | None,
    *,
    stranger: bool = False,
) -> Content:
    """``▶ #api in progress  Build the endpoint @backend``."""
    state = record.state if record is not None else "pending"
    mark, style = _mark(state)
    who = one_line(f" @{owner}") if owner else " (no owner)"
    return Content.assemble(
        (mark, style),
        " ",
        (one_line(f"#{ident}"), "bold"),
        " ",
        (STATE_WORDS.get(state, state), style),
        "  ",
        one_line(title),  # what a file holds: its escapes shown, never obeyed
        (who, "$warning" if stranger else "$secondary"),
    )


def detail_line(record: TaskRecord | None, shifts: int | None) -> Content | None:
    """What a task's line does not say: what a pending task waits for, whom a blocked
    one went to, a red-first flag, the strategy and its failures so far."""
    if record is None:
        return None
    parts: list[tuple[str, str]] = []
    if record.state == "pending" and record.waits_for:
        waits = ", ".join(record.waits_for)  # as the scheduler says it: "#api (in_progress)"
        parts.append((f"waits for {waits}", "$text-muted"))
    elif record.state in ("pending", "ready") and record.why:
        parts.append((record.why, "$text-muted"))
    if record.state in ("blocked", "failed"):
        to = record.escalated_to
        went = f"blocked → {'you' if to == 'human' else to}" if to else record.state
        parts.append((f"{went}: {record.why}" if record.why else went, "$error"))
    if record.flag:
        parts.append((f"⚑ {record.flag}", "bold $warning"))
    if record.strategy > 1 or record.failures:
        of = f" of {shifts + 1}" if shifts is not None else ""
        tried = f", {record.failures} failed" if record.failures else ""
        parts.append((f"strategy {record.strategy}{of}{tried}", "$warning"))
    if not parts:
        return None
    said = Content("  ")
    for index, (text, style) in enumerate(parts):
        said += Content.styled(("" if index == 0 else " · ") + one_line(text), style)
    return Content("  ") + said


def phase_lines(
    title: str, state: SessionState, gate: Sequence[str] | None, key: str | None = None
) -> list[Content]:
    """The heading, then ``  open · gate passed: make test`` on a line of its own (a long
    heading is cut at the panel's edge; whether the phase is open is not; the verdict
    comes before the command, which may be cut).
    ``gate``: its commands; None when the phase has none; empty when it has one whose
    commands are not known here. ``key``: what the log calls the phase (its heading, or
    for a heading used before, the heading and its line)."""
    key = title if key is None else key
    opened = key in state.phases_opened
    parts: list[str | tuple[str, str]] = [
        "  ",
        ("open", "$success") if opened else ("closed", "$text-muted"),
    ]
    if gate is not None:
        command = one_line(f": {' && '.join(gate)}") if gate else ""
        parts += [" · gate ", GATE_WORDS[state.gates.get(key)], command]
    heading = Content.styled(one_line(title or "(before the first heading)"), "bold $primary")
    return [heading, Content.assemble(*parts)]


def board_content(
    plan: Plan,
    state: SessionState,
    agents: set[str] | None = None,
    *,
    shifts: int | None = None,
) -> Content:
    """An ordered plan with each task's state from the log, phase by phase, then the
    plan's problems (order problems included). ``shifts``: the session's strategy shifts
    (a task's own ``shifts:`` wins), so a strategy reads "2 of 3"."""
    lines: list[Content] = []
    order = PlanOrder.of(plan)
    spot: PhaseSpot | None = None
    for task in plan.tasks:
        here = order.phase(task.id)
        if here is not spot:
            spot = here
            if lines:
                lines.append(Content(""))
            lines += phase_lines(spot.title, state, spot.gate or None, spot.key)
        record = state.board.get(task.id)
        if record is None and task.done:
            record = TaskRecord(task.id, state="done")
        stranger = task.owner is not None and agents is not None and task.owner not in agents
        lines.append(task_line(task.id, task.title, task.owner, record, stranger=stranger))
        detail = detail_line(record, task.shifts if task.shifts is not None else shifts)
        if detail is not None:
            lines.append(detail)
    problems = plan_problems(plan, agents)
    if problems:
        lines.append(Content(""))
        lines += [
            Content.styled(one_line(f"plan.md line {p.line}: {p.message}"), "$warning")
            for p in problems
        ]
    return Content("\n").join(lines)


def logged_board(state: SessionState) -> list[Content]:
    """The board as the log knows it (a replay, which has no plan.md): tasks by phase in
    the order the log first named them, with the phases opened and the gates' verdicts."""
    by_phase: dict[str, list[TaskRecord]] = {}
    for record in state.board.values():
        by_phase.setdefault(record.phase, []).append(record)
    for phase in [*state.phases_opened, *state.gates]:
        by_phase.setdefault(phase, [])
    lines: list[Content] = []
    for phase, records in by_phase.items():
        lines.append(Content(""))
        lines += phase_lines(phase, state, () if phase in state.gates else None)
        for record in records:
            lines.append(task_line(record.id, record.title, record.owner, record))
            detail = detail_line(record, None)
            if detail is not None:
                lines.append(detail)
    return lines
