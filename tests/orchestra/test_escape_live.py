"""The escape hatch in a live session: failed verifies exhaust an approach, which is rolled
back exactly (what it created goes, what it changed comes back, what was there before it
stays) and the agent is told not to repeat it; a stuck loop exhausts it sooner; the last
approach exhausted ends in BLOCKER_REPORT.md with the agent's hypothesis, the task blocked
and escalated."""

from __future__ import annotations

import json
from pathlib import Path

from cockpit.config.settings import load_settings
from tests.orchestra._team import config, team
from tests.supervisor._inprocess import backend, finish, logged, start

PLAN = """# Work

## Fix
- [ ] #fix Make the greeting right @back
      verify: grep -q fixed app.txt
      iterations: {iterations}
      shifts: 1
"""

SHIFT = """
agents:
  back:
    - calls:
        - write_file: {path: app.txt, content: "attempt one\\n"}
        - write_file: {path: junk-one.txt, content: "scaffolding\\n"}
        - update_task: {task: fix, status: done}
    - calls:
        - update_task: {task: fix, status: done}
    - calls:
        - write_file: {path: app.txt, content: "fixed\\n"}
        - update_task: {task: fix, status: done}
    - text: "Fixed another way."
"""


def _repo(workspace: Path, iterations: int) -> Path:
    root = team(workspace, PLAN.format(iterations=iterations), {"back": '"**"'})
    (root / "app.txt").write_text("broken\n")
    (root / "notes.txt").write_text("the human's own notes\n")  # there before: stays
    from tests.supervisor.conftest import git

    git(root, "add", "-A")
    git(root, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "start")
    (root / "notes.txt").write_text("the human's notes, edited before the task\n")
    return root


async def test_an_exhausted_approach_is_rolled_back_and_the_next_one_works(
    workspace: Path,
) -> None:
    root = _repo(workspace, iterations=2)
    prepared = await start(root, SHIFT, ["back"])
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    (shifted,) = logged(prepared, "strategy.shifted")
    assert shifted["data"]["strategy"] == 2 and shifted["data"]["failures"] == 2
    assert "junk-one.txt" in shifted["data"]["abandoned"]
    # The second failed verify's result told the agent, before its next step.
    told = json.dumps(backend(prepared, "back").requests[2].messages)
    assert "must not be repeated" in told and "strategy 2 of 2" in told
    assert not (root / "junk-one.txt").exists(), "what the failed approach created is gone"
    assert (root / "app.txt").read_text() == "fixed\n"
    assert (root / "notes.txt").read_text() == "the human's notes, edited before the task\n"
    states = [e["data"]["state"] for e in logged(prepared, "task.state")]
    assert states[-1] == "done"


EXHAUST = """
agents:
  back:
    - calls:
        - write_file: {path: junk-one.txt, content: "first try\\n"}
        - update_task: {task: fix, status: done}
    - calls:
        - write_file: {path: junk-two.txt, content: "second try\\n"}
        - update_task: {task: fix, status: done}
    - calls:
        - report_blocked: {reason: "I think the greeting is generated from a template I cannot see"}
    - text: "Waiting."
"""


async def test_the_last_approach_exhausted_writes_the_report_and_escalates(
    workspace: Path,
) -> None:
    root = _repo(workspace, iterations=1)
    config(root, 'orchestration:\n  lead: ""\n')
    settings = load_settings(root / ".cockpit" / "config.yaml")
    prepared = await start(root, EXHAUST, ["back"], settings=settings)
    try:
        await prepared.supervisor.wait()
        waiting = dict(prepared.supervisor.blocked)
    finally:
        await finish(prepared)
    assert not (root / "junk-one.txt").exists() and not (root / "junk-two.txt").exists()
    report = (root / "BLOCKER_REPORT.md").read_text()
    assert "## Strategies attempted" in report and "junk-two.txt" in report
    assert "generated from a template" in report  # the agent's own hypothesis
    assert "grep -q fixed app.txt" in report  # how to reproduce it
    last = logged(prepared, "task.state")[-1]["data"]
    assert last["state"] == "blocked" and last["report"] == str(root / "BLOCKER_REPORT.md")
    assert [e["data"]["to"] for e in logged(prepared, "task.escalated")] == ["human"]
    assert waiting["fix"].report == str(root / "BLOCKER_REPORT.md")
    from tests.supervisor.conftest import git

    # A note for the human, never committed with the agent's work nor in git status.
    assert "BLOCKER_REPORT.md" not in git(root, "status", "--porcelain", "--untracked-files=all")


STUCK = """
agents:
  back:
    - calls:
        - bash: {command: "grep fixed app.txt"}
    - calls:
        - bash: {command: "grep fixed app.txt"}
    - calls:
        - bash: {command: "grep fixed app.txt"}
    - calls:
        - write_file: {path: app.txt, content: "fixed\\n"}
        - update_task: {task: fix, status: done}
    - text: "Done."
"""


async def test_the_same_failure_three_times_in_a_row_is_a_stuck_loop(workspace: Path) -> None:
    root = _repo(workspace, iterations=5)
    prepared = await start(root, STUCK, ["back"])
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    (shifted,) = logged(prepared, "strategy.shifted")
    assert "stuck" in shifted["data"]["reason"] and shifted["data"]["failures"] == 0
    assert logged(prepared, "task.state")[-1]["data"]["state"] == "done"


STALL = """
agents:
  back:
    - delay_s: 3
      calls:
        - bash: {command: "true"}
    - calls:
        - write_file: {path: app.txt, content: "fixed\\n"}
        - update_task: {task: fix, status: done}
    - text: "Done."
"""


async def test_no_progress_for_the_configured_time_exhausts_the_approach(
    workspace: Path,
) -> None:
    """``stall_s: 1``: the agent thinks for longer than that before doing anything. Its
    approach ends at its next step (never under its feet), rolled back, and it goes on."""
    root = _repo(workspace, iterations=5)
    config(root, "orchestration:\n  stall_s: 1\n")
    settings = load_settings(root / ".cockpit" / "config.yaml")
    prepared = await start(root, STALL, ["back"], settings=settings)
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    (shifted,) = logged(prepared, "strategy.shifted")
    assert "no progress" in shifted["data"]["reason"]
    told = json.dumps(backend(prepared, "back").requests[1].messages)
    assert "must not be repeated" in told
    assert logged(prepared, "task.state")[-1]["data"]["state"] == "done"
