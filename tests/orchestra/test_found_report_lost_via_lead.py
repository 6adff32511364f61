"""Found while running the teams end to end (tests/orchestra/test_teams.py): when the escape
hatch blocks a task, its BLOCKER_REPORT.md goes to the lead with it, but when the lead
passes it on (report_blocked), the human's inbox item has no report: `Scheduler.
_agent_blocked` escalates without it (`report=None`), so the human sees the lead's words and
not the report of what was tried, nor where it is."""

from __future__ import annotations

from pathlib import Path

from tests.orchestra._team import team
from tests.supervisor._inprocess import finish, logged, start

PLAN = """# Work

## Fix
- [ ] #fix Make the greeting right @back
      verify: test -f fixed.txt
      iterations: 1
      shifts: 1
"""

SCRIPT = """
agents:
  back:
    - calls:
        - update_task: {task: fix, status: done}
    - calls:
        - update_task: {task: fix, status: done}
    - calls:
        - report_blocked: {reason: "I think the greeting comes from a template I cannot see"}
    - text: "Waiting."
  planner:
    - text: "Nothing to plan."
    - calls:
        - report_blocked: {reason: "I cannot see the template either"}
    - text: "Passed to the human."
"""


async def test_the_human_gets_the_report_when_the_lead_passes_a_task_on(
    workspace: Path,
) -> None:
    root = team(workspace, PLAN, {"back": '"**"', "planner": "plan.md"})
    prepared = await start(root, SCRIPT, ["back", "planner"])
    try:
        await prepared.supervisor.wait()
        waiting = dict(prepared.supervisor.blocked)
    finally:
        await finish(prepared)
    escalated = logged(prepared, "task.escalated")
    assert [e["data"]["to"] for e in escalated] == ["planner", "human"]
    report = str(root / "BLOCKER_REPORT.md")
    assert escalated[0]["data"]["report"] == report
    assert waiting["fix"].report == report, "the human's inbox item names the report"
    assert escalated[1]["data"]["report"] == report
