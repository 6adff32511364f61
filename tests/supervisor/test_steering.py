"""plan.md as the steering wheel: a human's edit reaches the agents; agents' updates never
clobber the human; "done" means the verify command passed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cockpit.config.workspace import Workspace
from cockpit.supervisor.launch import LaunchOptions, prepare_new, prepare_resume
from tests.supervisor._inprocess import (
    backend,
    finish,
    last_request_text,
    logged,
    start,
)
from tests.supervisor.conftest import clean_env
from tests.waiting import wait_until

PLAN = """# Demo

## Phase 1
- [ ] Make greet friendlier @builder
- [ ] Write the changelog @builder
"""

LONG_THINK = """
agents:
  builder:
    - delay_s: 4
      text: "Thinking hard about greet."
    - text: "Got the new plan."
"""


def edit_in_other_process(path: Path, text: str) -> None:
    """A human's editor: an atomic-rename save, from another process."""
    code = (
        "import os, sys, pathlib; p = pathlib.Path(sys.argv[1]); t = p.with_name('.plan.swp');"
        "t.write_text(sys.argv[2]); os.replace(t, p)"
    )
    subprocess.run([sys.executable, "-c", code, str(path), text], check=True)


async def test_edit_mid_turn_reaches_the_next_request(workspace: Path) -> None:
    plan = workspace / "plan.md"
    plan.write_text(PLAN)
    prepared = await start(workspace, LONG_THINK, ["builder"], keep_alive=True)
    try:
        model = backend(prepared, "builder")
        await wait_until(lambda: len(model.requests) == 1)
        edit_in_other_process(plan, PLAN + "- [ ] Add a docstring to greet @builder\n")
        took = await wait_until(lambda: len(model.requests) == 2)
        assert took < 1.0  # the streaming turn was cancelled and taken again at once
        text = last_request_text(prepared, "builder")
        assert "Add a docstring to greet" in text and "edited plan.md" in text
        changed = logged(prepared, "plan.changed")
        assert changed and changed[-1]["data"]["by"] == "human"
        assert "+- [ ] Add a docstring to greet @builder" in changed[-1]["data"]["diff"]
        # the pane can say the change reached the agent, and that its turn restarted for it
        delivered = logged(prepared, "plan.delivered")
        assert [(d["agent"], d["data"]) for d in delivered] == [
            ("builder", {"digest": changed[-1]["data"]["digest"], "restarted": True})
        ]
        # the cancelled turn left nothing in the conversation
        assistant = [
            e
            for e in logged(prepared, "model.message")
            if e["data"]["message"]["role"] == "assistant"
        ]
        assert assistant == []
    finally:
        await finish(prepared)


async def test_a_task_taken_away_stops_that_work(workspace: Path) -> None:
    plan = workspace / "plan.md"
    plan.write_text(PLAN)
    prepared = await start(workspace, LONG_THINK, ["builder"], keep_alive=True)
    try:
        model = backend(prepared, "builder")
        await wait_until(lambda: len(model.requests) == 1)
        edit_in_other_process(plan, PLAN.replace("friendlier @builder", "friendlier @reviewer"))
        await wait_until(lambda: len(model.requests) == 2)
        text = last_request_text(prepared, "builder")
        assert "no longer yours" in text and "Make greet friendlier" in text
    finally:
        await finish(prepared)


APPROVED_RUNNING = """
agents:
  builder:
    - calls:
        - bash: {command: "mkdir -p build && sleep 1.5 && rm -rf build && echo finished > out.txt"}
    - text: "Done."
"""


async def test_an_approved_running_command_is_not_killed(workspace: Path) -> None:
    plan = workspace / "plan.md"
    plan.write_text(PLAN)
    prepared = await start(workspace, APPROVED_RUNNING, ["builder"], keep_alive=True)
    try:
        sup = prepared.supervisor
        await wait_until(lambda: bool(sup.pending))
        (call,) = list(sup.pending)
        assert sup.pending[call].request.decision.tier == 3  # a recursive deletion
        await sup.resolve(call, True, "human")
        await wait_until(lambda: bool(logged(prepared, "tool.started")))
        edit_in_other_process(plan, PLAN + "- [ ] Also this @builder\n")
        await wait_until(lambda: bool(logged(prepared, "tool.finished")))
        finished = logged(prepared, "tool.finished")[0]
        assert finished["data"]["exit_code"] == 0 and "error" not in finished["data"]
        assert (workspace / "out.txt").read_text() == "finished\n"
        model = backend(prepared, "builder")
        await wait_until(lambda: len(model.requests) == 2)
        assert "Also this" in last_request_text(prepared, "builder")
    finally:
        await finish(prepared)


async def test_human_edit_racing_update_task_keeps_the_human_text(workspace: Path) -> None:
    plan = workspace / "plan.md"
    plan.write_text(PLAN)
    prepared = await start(workspace, "agents:\n  builder: []\n", ["builder"], keep_alive=True)
    try:
        human = PLAN.replace(
            "- [ ] Make greet friendlier @builder",
            "- [ ] Make greet friendlier, and keep it short @builder",
        )
        plan.write_text(human)  # saved just before the agent's update lands
        text, failed = await prepared.supervisor.update_task(
            "builder", 1, "c-1", {"task": "Make greet friendlier", "status": "doing"}
        )
        assert failed
        assert plan.read_text() == human
        assert "keep it short" in text or "human" in text.lower()
    finally:
        await finish(prepared)


VERIFY_PLAN = """# Demo

## Phase 1
- [ ] Create the marker @builder
      verify: test -f marker.txt
"""

VERIFY_SCRIPT = """
agents:
  builder:
    - calls:
        - update_task: {task: "Create the marker", status: done}
    - calls:
        - write_file: {path: marker.txt, content: "here"}
        - update_task: {task: "Create the marker", status: done, note: "marker written"}
    - text: "Done."
"""


async def test_done_means_the_verify_command_passed(workspace: Path) -> None:
    plan = workspace / "plan.md"
    plan.write_text(VERIFY_PLAN)
    prepared = await start(workspace, VERIFY_SCRIPT, ["builder"])
    try:
        statuses = await prepared.supervisor.wait()
        assert statuses == {"builder": "done"}
        verified = logged(prepared, "task.verified")
        assert [v["data"]["passed"] for v in verified] == [False, True]
        assert verified[0]["data"]["command"] == "test -f marker.txt"
        second_request = backend(prepared, "builder").requests[1].messages[-1]
        assert "verify command `test -f marker.txt` failed" in str(second_request)
        assert "- [x] Create the marker @builder" in plan.read_text()
        assert "status: done — marker written" in plan.read_text()
        updated = logged(prepared, "task.updated")
        assert len(updated) == 1 and updated[0]["data"]["status"] == "done"
    finally:
        await finish(prepared)


PLANNER_WRITES = """
agents:
  planner:
    - calls:
        - write_file:
            path: plan.md
            content: |
              # Demo

              ## Phase 1
              - [ ] Make greet friendlier @builder
              - [ ] Test greet @builder
    - text: "Planned."
  builder:
    - delay_s: 4
      text: "Thinking."
    - text: "Got it."
"""


async def test_an_agents_plan_edit_is_its_own_and_reaches_the_others(workspace: Path) -> None:
    plan = workspace / "plan.md"
    plan.write_text(PLAN)
    prepared = await start(workspace, PLANNER_WRITES, ["planner", "builder"], keep_alive=True)
    try:
        sup = prepared.supervisor
        await wait_until(lambda: bool(sup.pending))  # the plan is the human's: they approve it
        (call,) = list(sup.pending)
        assert sup.pending[call].request.decision.tier == 3
        await sup.resolve(call, True, "human")
        builder = backend(prepared, "builder")
        await wait_until(lambda: len(builder.requests) == 2)
        assert "Test greet" in last_request_text(prepared, "builder")
        assert "planner (an agent) edited plan.md" in last_request_text(prepared, "builder")
        changed = logged(prepared, "plan.changed")
        assert [c["data"]["by"] for c in changed] == ["planner"]
        planner = backend(prepared, "planner")
        assert all("edited plan.md" not in str(r.messages) for r in planner.requests)
    finally:
        await finish(prepared)


async def test_an_edit_saved_while_the_session_starts_is_not_lost(workspace: Path) -> None:
    """The plan is read for the agents' first messages before the watcher exists: an edit
    saved in between reaches them as a change (the watcher compares with what they got)."""
    plan = workspace / "plan.md"
    plan.write_text(PLAN)
    path = workspace.parent / "script.yaml"
    path.write_text(LONG_THINK)
    prepared = prepare_new(
        LaunchOptions(
            shared_tree=True,
            workspace=Workspace(workspace),
            agents=["builder"],
            script=path,
            env=clean_env(),
            keep_alive=True,
        )
    )
    assert "Add a docstring" not in prepared.kickoff["builder"]
    edit_in_other_process(plan, PLAN + "- [ ] Add a docstring to greet @builder\n")
    sup = prepared.supervisor
    await sup.start(prepared.setups, prepared.kickoff, started=prepared.started)
    try:
        model = backend(prepared, "builder")
        await wait_until(lambda: len(model.requests) == 2)
        assert "Add a docstring to greet" in last_request_text(prepared, "builder")
        changed = logged(prepared, "plan.changed")
        assert "+- [ ] Add a docstring to greet @builder" in changed[-1]["data"]["diff"]
    finally:
        await finish(prepared)


async def test_an_edit_saved_while_a_session_resumes_is_not_lost(workspace: Path) -> None:
    plan = workspace / "plan.md"
    plan.write_text(PLAN)
    first = await start(workspace, LONG_THINK, ["builder"])
    await finish(first)
    resumed = prepare_resume(
        LaunchOptions(
            shared_tree=True,
            workspace=Workspace(workspace),
            env=clean_env(),
            keep_alive=True,
            continue_tasks=True,
        ),
        first.session,
    )
    edit_in_other_process(plan, PLAN + "- [ ] Add a docstring to greet @builder\n")
    sup = resumed.supervisor
    await sup.resume(resumed.setups, resumed.state, resumed.recovered, resumed.kickoff)
    try:
        await wait_until(lambda: any(logged(resumed, "plan.changed")))
        changed = logged(resumed, "plan.changed")
        assert "+- [ ] Add a docstring to greet @builder" in changed[-1]["data"]["diff"]
    finally:
        await finish(resumed)
