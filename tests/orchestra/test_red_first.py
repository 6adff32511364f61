"""Red first: a task's verify runs once before its agent works on it. One that passes
already proves nothing: the task is flagged and the agent told (warn), or held and sent to
the lead until it fails first (block)."""

from __future__ import annotations

import json
from pathlib import Path

from cockpit.config.settings import load_settings
from tests.orchestra._team import config, team
from tests.supervisor._inprocess import backend, finish, logged, start

PLAN = """# Work

## Build
- [ ] #greet Make greet() say hello @back
      verify: {verify}
"""

SCRIPT = """
agents:
  back:
    - calls:
        - write_file: {path: greet.txt, content: "hello\\n"}
        - update_task: {task: greet, status: done}
    - text: "Done."
"""


async def test_a_verify_that_passes_already_flags_the_task_and_says_so(
    workspace: Path,
) -> None:
    root = team(workspace, PLAN.format(verify="true"), {"back": '"**"'})
    prepared = await start(root, SCRIPT, ["back"])
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    (red,) = logged(prepared, "task.red")
    assert red["data"]["passes_already"] is True and red["data"]["mode"] == "warn"
    handed = [e for e in logged(prepared, "task.state") if e["data"]["state"] == "in_progress"]
    assert "proves nothing" in handed[0]["data"]["flag"]
    first = json.dumps(backend(prepared, "back").requests[0].messages)
    assert "already passes before you start" in first


async def test_a_verify_that_fails_first_is_not_flagged(workspace: Path) -> None:
    root = team(workspace, PLAN.format(verify="grep -q hello greet.txt"), {"back": '"**"'})
    prepared = await start(root, SCRIPT, ["back"])
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    (red,) = logged(prepared, "task.red")
    assert red["data"]["passes_already"] is False and red["data"]["exit_code"] != 0
    states = [e["data"] for e in logged(prepared, "task.state")]
    assert not any(s.get("flag") for s in states)
    assert states[-1]["state"] == "done"


async def test_in_block_mode_the_task_waits_for_a_failing_test(workspace: Path) -> None:
    root = team(workspace, PLAN.format(verify="true"), {"back": '"**"'})
    config(root, 'orchestration:\n  red_first: block\n  lead: ""\n')
    settings = load_settings(root / ".cockpit" / "config.yaml")
    prepared = await start(root, SCRIPT, ["back"], settings=settings)
    try:
        await prepared.supervisor.wait()
        blocked = dict(prepared.supervisor.blocked)
    finally:
        await finish(prepared)
    states = [e["data"]["state"] for e in logged(prepared, "task.state")]
    assert states[-1] == "blocked" and "in_progress" not in states
    assert not logged(prepared, "agent.started"), "back is never handed a task that proves nothing"
    assert "red first" in blocked["greet"].why


BLOCK_THEN_FIX = """
agents:
  tester:
    - text: "Nothing to test yet."
    - calls:
        - write_file: {path: tests/check.sh, content: "grep -q hello greet.txt\\n"}
        - replan: {action: reopen, task: greet}
    - text: "The test fails now; reopened."
  back:
    - calls:
        - write_file: {path: greet.txt, content: "hello\\n"}
        - update_task: {task: greet, status: done}
    - text: "Done."
"""


async def test_the_lead_makes_the_test_fail_first_and_reopens_the_task(workspace: Path) -> None:
    root = team(
        workspace, PLAN.format(verify="sh tests/check.sh"), {"back": '"**"', "tester": "tests"}
    )
    (root / "tests").mkdir()
    (root / "tests" / "check.sh").write_text("exit 0\n")  # passes before any work
    config(root, "orchestration:\n  red_first: block\n  lead: tester\n")
    settings = load_settings(root / ".cockpit" / "config.yaml")
    prepared = await start(root, BLOCK_THEN_FIX, ["back", "tester"], settings=settings)
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    reds = [e["data"]["passes_already"] for e in logged(prepared, "task.red")]
    assert reds == [True, False], "checked again after the reopen: it fails first now"
    states = [e["data"]["state"] for e in logged(prepared, "task.state")]
    assert states[-5:] == ["blocked", "pending", "ready", "in_progress", "done"], states
    assert (root / "greet.txt").read_text() == "hello\n"
