"""A crash between a task's move to in_progress and its hand-over message: on resume the
task is handed to its agent again (it would otherwise wait forever for a message that was
never logged); an agent that carries on by itself, or has the hand-over in its inbox, is
not told twice."""

from __future__ import annotations

from pathlib import Path

from cockpit.config.settings import OrchestrationSettings
from cockpit.plan.document import Plan
from cockpit.session.state import AgentState, SessionState, TaskRecord
from cockpit.session.status import AgentStatus
from cockpit.supervisor.schedule import Scheduler

PLAN = """## Build
- [ ] #a First @back
- [ ] #b Second @back
- [ ] #c Third @front
"""


class _Host:
    """Only what building a scheduler reads (resume_notes itself reads the board): an
    empty log (no attempts to carry on)."""

    def __init__(self, log: Path) -> None:
        log.write_text("")
        self.log_path = log

    def budget_of(self, agent: str) -> tuple[int | None, int | None]:
        del agent
        return None, None


def _state(back: AgentState, front: AgentState | None) -> SessionState:
    state = SessionState()
    state.board = {
        "a": TaskRecord("a", state="done"),
        "b": TaskRecord("b", state="in_progress"),
        "c": TaskRecord("c", state="in_progress"),
    }
    state.agents = {"back": back} | ({"front": front} if front else {})
    return state


def test_a_task_under_way_whose_agent_stopped_is_handed_again(tmp_path: Path) -> None:
    scheduler = Scheduler(
        _Host(tmp_path / "log.jsonl"), OrchestrationSettings(), Plan.parse(PLAN, Path("plan.md"))
    )  # type: ignore[arg-type]
    state = _state(AgentState("back", status=AgentStatus.DONE), None)
    scheduler.resume_from(state)
    notes = scheduler.resume_notes(state)
    assert set(notes) == {"back", "front"}  # front never started: it gets #c
    assert "cockpit hands you task #b" in notes["back"]
    assert "cockpit hands you task #c" in notes["front"]


def test_an_agent_that_carries_on_or_has_its_message_is_not_told_twice(tmp_path: Path) -> None:
    scheduler = Scheduler(
        _Host(tmp_path / "log.jsonl"), OrchestrationSettings(), Plan.parse(PLAN, Path("plan.md"))
    )  # type: ignore[arg-type]
    running = AgentState("back", status=AgentStatus.RUNNING)
    waiting = AgentState("front", status=AgentStatus.DONE, undelivered=["cockpit hands you"])
    state = _state(running, waiting)
    scheduler.resume_from(state)
    assert scheduler.resume_notes(state) == {}
