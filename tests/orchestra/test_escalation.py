"""A blocked task goes to the lead, who re-plans it (the task is handed to another agent),
or, when the lead cannot (or there is none), to the human, whose message answers it."""

from __future__ import annotations

from pathlib import Path

from cockpit.config.settings import load_settings
from tests.orchestra._team import config, team
from tests.supervisor._inprocess import finish, logged, start
from tests.waiting import wait_until

PLAN = """# Work

## Build
- [ ] #store Write the store @back
      verify: test -f store.txt
"""

REASSIGNED = """
agents:
  back:
    - calls:
        - report_blocked: {reason: "the store needs a database I cannot install"}
    - text: "Understood: it is not mine any more."
  planner:
    - text: "Nothing to plan until something is blocked."
    - calls:
        - replan: {action: reassign, task: store, owner: front}
    - text: "Given to front."
  front:
    - text: "No task for me yet."
    - calls:
        - write_file: {path: store.txt, content: "kept in a file\\n"}
        - update_task: {task: store, status: done}
    - text: "Done."
"""


async def test_the_lead_reassigns_a_blocked_task_and_it_is_done(workspace: Path) -> None:
    root = team(workspace, PLAN, {"back": '"**"', "front": '"**"', "planner": "plan.md"})
    prepared = await start(root, REASSIGNED, ["back", "front", "planner"])
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    moves = [(e["agent"], e["data"]["state"]) for e in logged(prepared, "task.state")]
    assert ("back", "blocked") in moves
    assert moves[-1] == ("front", "done")
    escalated = [e["data"]["to"] for e in logged(prepared, "task.escalated")]
    assert escalated == ["planner"]
    changed = logged(prepared, "plan.changed")
    assert (
        changed[-1]["agent"] == "planner"
        and "+- [ ] #store Write the store @front" in (changed[-1]["data"]["diff"])
    )
    assert "@front" in (root / "plan.md").read_text()
    assert "[x] #store" in (root / "plan.md").read_text()
    # back was told, woke from its wait, and finished.
    told = [e["data"]["text"] for e in logged(prepared, "human.message") if e["agent"] == "back"]
    assert any("now @front's" in t for t in told)


NO_LEAD = """
agents:
  back:
    - calls:
        - report_blocked: {reason: "which database should the store use?"}
    - calls:
        - write_file: {path: store.txt, content: "sqlite\\n"}
        - update_task: {task: store, status: done}
    - text: "Done with sqlite."
"""


async def test_without_a_lead_the_human_gets_it_and_answers_it(workspace: Path) -> None:
    root = team(workspace, PLAN, {"back": '"**"'})
    config(root, 'orchestration:\n  lead: ""\n')
    settings = load_settings(root / ".cockpit" / "config.yaml")
    prepared = await start(root, NO_LEAD, ["back"], settings=settings)
    sup = prepared.supervisor
    try:
        await wait_until(lambda: "store" in sup.blocked, "the blocked task in the human's inbox")
        item = sup.blocked["store"]
        assert item.agent == "back" and "which database" in item.why
        await sup.message("back", "Use sqlite.")
        await sup.wait()
    finally:
        await finish(prepared)
    assert "store" not in sup.blocked
    answered = logged(prepared, "task.answered")
    assert answered and answered[0]["data"]["by"] == "human"
    states = [e["data"]["state"] for e in logged(prepared, "task.state")]
    assert states[-3:] == ["blocked", "in_progress", "done"]


PASSED_ON = """
agents:
  back:
    - calls:
        - report_blocked: {reason: "which database should the store use?"}
    - calls:
        - write_file: {path: store.txt, content: "sqlite\\n"}
        - update_task: {task: store, status: done}
    - text: "Done with sqlite."
  planner:
    - text: "Nothing to plan yet."
    - calls:
        - report_blocked: {reason: "The database is the human's choice."}
    - text: "Understood."
"""


async def test_the_lead_passes_it_on_and_is_released_when_the_human_answers(
    workspace: Path,
) -> None:
    root = team(workspace, PLAN, {"back": '"**"', "planner": "plan.md"})
    prepared = await start(root, PASSED_ON, ["back", "planner"])
    sup = prepared.supervisor
    try:
        await wait_until(lambda: "store" in sup.blocked, "the task in the human's inbox")
        assert "the human's choice" in sup.blocked["store"].why
        await sup.message("back", "Use sqlite.")
        statuses = await sup.wait()
    finally:
        await finish(prepared)
    assert [e["data"]["to"] for e in logged(prepared, "task.escalated")] == ["planner", "human"]
    assert statuses == {"back": "done", "planner": "done"}, "the lead is not left waiting"
