"""Resume in the middle of a phase: the board comes back from the log; nothing that
finished is handed over (or checked red first) again, and the task under way goes on."""

from __future__ import annotations

from pathlib import Path

from cockpit.config.workspace import Workspace
from cockpit.supervisor.launch import LaunchOptions, prepare_resume
from tests.orchestra._team import team
from tests.supervisor._inprocess import finish, logged, start
from tests.supervisor.conftest import clean_env
from tests.waiting import wait_until

PLAN = """# Work

## Build
- [ ] #a Write a @back
      verify: test -f a.txt
- [ ] #b Write b @back
      verify: test -f b.txt
"""

SCRIPT = """
agents:
  back:
    - calls:
        - write_file: {path: a.txt, content: "a\\n"}
        - update_task: {task: a, status: done}
    - text: "a done."
    - calls:
        - bash: {command: "mkdir -p scratch && rm -rf scratch"}
    - calls:
        - write_file: {path: b.txt, content: "b\\n"}
        - update_task: {task: b, status: done}
    - text: "b done."
"""


async def test_resume_mid_phase_restarts_nothing_that_finished(workspace: Path) -> None:
    root = team(workspace, PLAN, {"back": '"**"'})
    first = await start(root, SCRIPT, ["back"])
    try:
        await wait_until(lambda: bool(first.supervisor.pending), "#b's first command asking")
    finally:
        await finish(first)
    resumed = prepare_resume(
        LaunchOptions(shared_tree=True, workspace=Workspace(root), env=clean_env()),
        first.session,
    )
    sup = resumed.supervisor
    assert resumed.state.board["a"].state == "done"
    assert resumed.state.board["b"].state == "in_progress"
    await sup.resume(resumed.setups, resumed.state, resumed.recovered, resumed.kickoff)
    try:
        await wait_until(lambda: bool(sup.pending), "the command asked again")
        for call in list(sup.pending):
            await sup.resolve(call, True, "human")
        await sup.wait()
    finally:
        await finish(resumed)
    moves = [(e["data"]["task"], e["data"]["state"]) for e in logged(resumed, "task.state")]
    assert moves.count(("a", "in_progress")) == 1, "a finished task is never handed over again"
    assert moves.count(("b", "in_progress")) == 1, "the task under way goes on, not restarted"
    assert moves[-1] == ("b", "done")
    assert [e["data"]["task"] for e in logged(resumed, "task.red")] == ["a", "b"]
