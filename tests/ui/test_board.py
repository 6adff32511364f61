"""The task board as the plan view and the panes show it (no screen): each state with its
own mark and style, what a pending task waits for, flags, strategies, whom a blocked task
went to, phases with their gates, the plan's order problems; a board move in a pane is one
short line; a 500-task plan renders fast."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from cockpit.plan.document import Plan
from cockpit.session.events import Event
from cockpit.session.kinds import (
    HumanMessage,
    PhaseGate,
    PhaseOpened,
    StrategyShifted,
    TaskAnswered,
    TaskEscalated,
    TaskRed,
    TaskStateChanged,
)
from cockpit.session.state import SessionState, TaskRecord
from cockpit.supervisor.updates import BlockedItem
from cockpit.ui import render
from cockpit.ui.blocked import REPORT_LINES, item_lines, report_head
from cockpit.ui.board import BOARD_STYLES, board_content, logged_board
from cockpit.ui.plan_view import plan_content

PLAN = """\
# Shop

## Phase 1: Planning [P]
gate: make lint
- [ ] #ui Sketch the screens @designer
- [ ] #arch Write system-plan.md @architect

## Phase 2: Build
gate: make test
- [ ] #schema Create the schema @backend
      shifts: 1
- [ ] #api Build the endpoint @backend
      after: #schema, #ui
- [ ] #page Build the page @frontend
      after: #nowhere
"""

AGENTS = {"designer", "architect", "backend", "frontend"}


def parse_plan(text: str) -> Plan:
    return Plan.parse(text, Path("plan.md"))


def board() -> SessionState:
    state = SessionState()
    state.phases_opened = ["Phase 1: Planning", "Phase 2: Build"]
    state.gates = {"Phase 1: Planning": True, "Phase 2: Build": False}
    state.board = {
        "ui": TaskRecord("ui", state="done"),
        "arch": TaskRecord("arch", state="review"),
        "schema": TaskRecord(
            "schema", state="in_progress", strategy=2, failures=3, flag="verify passes already"
        ),
        "api": TaskRecord("api", state="pending", waits_for=["#schema (in_progress)"]),
        "page": TaskRecord("page", state="blocked", why="no design", escalated_to="planner"),
    }
    return state


def test_the_board_shows_each_task_state_and_why() -> None:
    shown = board_content(parse_plan(PLAN), board(), AGENTS, shifts=2).plain.split("\n")
    assert shown[:2] == ["Phase 1: Planning", "  open · gate passed: make lint"]
    assert "✓ #ui done  Sketch the screens @designer" in shown
    assert "◇ #arch review  Write system-plan.md @architect" in shown
    assert shown[shown.index("Phase 2: Build") + 1] == "  open · gate FAILED: make test"
    schema = shown.index("▶ #schema in progress  Create the schema @backend")
    # The task's own `shifts: 1` wins over the session's 2: two strategies in all.
    assert shown[schema + 1] == "    ⚑ verify passes already · strategy 2 of 2, 3 failed"
    api = shown.index("· #api pending  Build the endpoint @backend")
    assert shown[api + 1] == "    waits for #schema (in_progress)"
    page = shown.index("! #page blocked  Build the page @frontend")
    assert shown[page + 1] == "    blocked → planner: no design"
    # The order's problems, with their lines.
    assert "plan.md line 15: after: #nowhere is no task in the plan" in shown


def test_a_phase_not_open_and_a_gate_not_run_say_so() -> None:
    shown = board_content(parse_plan(PLAN), SessionState(), AGENTS).plain
    assert "Phase 2: Build\n  closed · gate not run: make test" in shown
    assert "· #schema pending" in shown


def test_every_state_has_its_own_mark_and_style() -> None:
    states = ["pending", "ready", "in_progress", "review", "done", "blocked", "failed"]
    assert set(BOARD_STYLES) == set(states)
    assert len({mark for mark, _ in BOARD_STYLES.values()}) == len(states)
    assert len({style for _, style in BOARD_STYLES.values()}) == len(states)


def test_a_cycle_is_shown_with_its_lines() -> None:
    plan = parse_plan(
        "# P\n\n## Build\n- [ ] #a A @x\n      after: #b\n- [ ] #b B @x\n      after: #a\n"
    )
    shown = board_content(plan, SessionState(), {"x"}).plain
    problems = [line for line in shown.split("\n") if line.startswith("plan.md line")]
    assert problems == [
        "plan.md line 4: these tasks wait for each other: #a (line 4) -> #b (line 6) -> #a (line 4)"
    ]


def test_two_phases_with_one_heading_each_show_their_own_gate() -> None:
    plan = parse_plan(
        "## Cart\n### Tests\ngate: true\n- [ ] #cart Cart @x\n"
        "## Checkout\n### Tests\ngate: false\n- [ ] #pay Pay @x\n"
    )
    state = SessionState()
    state.phases_opened = ["Tests", "Tests (line 6)"]
    state.gates = {"Tests": True, "Tests (line 6)": False}
    shown = board_content(plan, state, {"x"}).plain
    assert "gate passed: true" in shown and "gate FAILED: false" in shown


def test_an_unordered_plan_reads_as_before() -> None:
    plan = parse_plan("# P\n\n## Build\n- [ ] Clean the build folder @builder\n")
    assert not plan.ordered
    assert plan_content(plan, {"builder"}).plain == "Build\n[ ] Clean the build folder @builder"


def test_the_replay_board_comes_from_the_log_alone() -> None:
    state = board()
    state.board["api"].title, state.board["api"].phase = "Build the endpoint", "Phase 2: Build"
    state.board["api"].owner = "backend"
    shown = "\n".join(line.plain for line in logged_board(state))
    assert "· #api pending  Build the endpoint @backend" in shown
    assert "Phase 2: Build\n  open · gate FAILED" in shown


def test_a_500_task_plan_renders_fast() -> None:
    lines = ["# Big", ""]
    for phase in range(10):
        lines += [f"## Phase {phase}", "gate: make test"]
        lines += [f"- [ ] #t{phase}x{i} Task {i} of phase {phase} @backend" for i in range(50)]
    plan = parse_plan("\n".join(lines) + "\n")
    state = SessionState()
    for index, task in enumerate(plan.tasks):
        state.board[task.id] = TaskRecord(task.id, state=("pending", "done")[index % 2])
    board_content(plan, state, {"backend"})  # warm
    began = time.perf_counter()
    shown = board_content(plan, state, {"backend"})
    took = time.perf_counter() - began
    assert shown.plain.count("\n") >= 500
    assert took < 0.25, f"{took:.3f} s for 500 tasks"


def event(body: Any, *, agent: str | None = "backend") -> Event:
    return Event(
        seq=1,
        ts="2026-12-03T10:00:00Z",
        session="s",
        kind=body.kind,
        agent=agent,
        data=body.data(),
    )


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (TaskStateChanged(task="api", state="in_progress"), ("note", "▸ task #api → in_progress")),
        (TaskStateChanged(task="api", state="done"), ("ok", "▸ task #api → done")),
        (
            TaskStateChanged(task="api", state="blocked", why="no design"),
            ("fail", "▸ task #api → blocked: no design"),
        ),
        (
            StrategyShifted(task="api", strategy=2, failures=5, rolled_back_to="abc"),
            ("tier-2", "↺ strategy shifted: now strategy 2 (5 failed verify runs), rolled back"),
        ),
        (
            TaskRed(task="api", passes_already=True, mode="warn", exit_code=0),
            ("tier-2", "⚑ red first: verify passes already — flagged"),
        ),
        (
            TaskRed(task="api", passes_already=False, exit_code=1),
            ("dim", "  red first: verify fails first (exit 1), as it should"),
        ),
        (
            TaskEscalated(task="api", to="planner", reason="stuck"),
            ("fail", "⛔ blocked → planner: stuck"),
        ),
        (
            TaskEscalated(task="api", to="human", reason="stuck"),
            ("fail", "⛔ blocked → you: stuck"),
        ),
        (TaskAnswered(task="api", by="human"), ("human", "✓ answered by you")),
        (PhaseOpened(phase="Build"), ("note", "── phase 'Build' opened ──")),
        (
            PhaseGate(phase="Build", command="make test", passed=False, exit_code=2),
            ("fail", "gate 'Build': make test — FAILED (exit 2)"),
        ),
        (
            PhaseGate(phase="Build", command="make test", passed=True, exit_code=0),
            ("ok", "gate 'Build': make test — passed"),
        ),
    ],
)
def test_a_board_move_is_one_short_line_in_the_pane(body: Any, line: tuple[str, str]) -> None:
    assert render.describe(event(body), None) == [line]


def test_a_task_waiting_is_left_to_the_plan_view() -> None:
    for state in ("pending", "ready"):
        assert render.describe(event(TaskStateChanged(task="api", state=state)), None) == []


def test_the_schedulers_message_reads_as_cockpit() -> None:
    said = render.describe(event(HumanMessage(text="cockpit hands you #api", by="cockpit")), None)
    assert said == [("human", "cockpit → backend: cockpit hands you #api")]


def test_the_blocked_panel_says_the_task_why_whom_and_the_reports_start(tmp_path: Path) -> None:
    report = tmp_path / "BLOCKER_REPORT.md"
    report.write_text("# Blocked\n\x1b]52;c;cHduZWQ=\x07Strategies tried: 3\n" + "x\n" * 40)
    item = BlockedItem(task="api", agent="backend", why="stuck", report=str(report))
    head = report_head(item.report, tmp_path)
    assert head[:2] == ["# Blocked", "\\x1b]52;c;cHduZWQ=\\x07Strategies tried: 3"]
    assert len(head) == REPORT_LINES + 1 and head[-1] == "…"
    shown = item_lines(item, ["planner"], head, "planner").plain
    assert "task #api (@backend)" in shown
    assert "why: stuck" in shown
    assert "went through: planner" in shown
    assert f"report: {report}" in shown
    assert "m: message backend (that answers it) · Esc: leave it" in shown
    assert report_head("no/such/file.md", tmp_path) == []


def test_a_failed_gates_panel_says_to_message_the_lead_or_fix_and_merge() -> None:
    item = BlockedItem(task="gate:Build", agent=None, why="make test failed (exit 2)")
    shown = item_lines(item, [], [], "planner").plain
    assert "gate of 'Build'" in shown
    assert "why: make test failed (exit 2)" in shown
    assert "The gate failed: message the lead (planner, m), or fix the code and merge." in shown
