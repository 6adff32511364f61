"""Attack (crash and resume): a task blocked and escalated to the human ("blocked: needs
you", which `w` reaches like an approval) is in the inbox. The session dies and is
resumed: the board says the task is blocked and escalated to the human, but the inbox
item is gone (`Supervisor.blocked` is only filled when an escalation happens live), so
the human is never shown what waits for them, and the task waits for ever."""

from __future__ import annotations

from pathlib import Path

from cockpit.config.settings import load_settings
from cockpit.config.workspace import Workspace
from cockpit.supervisor.launch import LaunchOptions, prepare_resume
from tests.orchestra._team import config, team
from tests.supervisor._inprocess import finish, start
from tests.supervisor.conftest import clean_env

PLAN = """# Work

## Build
- [ ] #store Write the store @back
      verify: test -f store.txt
"""

SCRIPT = """
agents:
  back:
    - calls:
        - report_blocked: {reason: "the store needs a database I cannot install"}
    - text: "Waiting."
"""


async def test_a_task_waiting_for_the_human_is_still_in_the_inbox_after_a_resume(
    workspace: Path,
) -> None:
    root = team(workspace, PLAN, {"back": '"**"'})
    config(root, 'orchestration:\n  lead: ""\n')
    settings = load_settings(root / ".cockpit" / "config.yaml")
    first = await start(root, SCRIPT, ["back"], settings=settings)
    try:
        await first.supervisor.wait()
        assert "store" in first.supervisor.blocked  # the human's inbox has it
    finally:
        await finish(first)
    resumed = prepare_resume(
        LaunchOptions(
            shared_tree=True, workspace=Workspace(root), env=clean_env(), settings=settings
        ),
        first.session,
    )
    sup = resumed.supervisor
    state = resumed.state
    assert state is not None and state.board["store"].state == "blocked"
    await sup.resume(resumed.setups, state, resumed.recovered, resumed.kickoff)
    try:
        await sup.scheduler.settle()
        waiting = dict(sup.blocked)
    finally:
        await finish(resumed)
    assert "store" in waiting, "after the resume the human's inbox no longer has the blocked task"
