"""An agent cannot speak as the human through plan.md: its edits wait for the human's Y,
the log names who changed the plan (the agent, or `unknown`, never `human` by default), and
a box an agent ticks is not a finished task.

A real session in-process (real log, policy, git, plan watcher), the model being the real
Anthropic SDK talking HTTP to the scripted fake server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cockpit.config.workspace import Workspace
from cockpit.session.chain import read_events
from cockpit.session.state import fold
from cockpit.supervisor.launch import LaunchOptions, Prepared, prepare_new
from tests.fakeapi import FakeAnthropicAPI
from tests.supervisor._inprocess import finish, logged
from tests.supervisor._inprocess import start as scripted_start
from tests.supervisor.conftest import clean_env, cockpit
from tests.waiting import wait_until

PLAN = "# Demo\n\n## Phase 1\n- [ ] Make greet friendlier @builder\n"
PLAN_REASON = "the human's plan: agents change it only through update_task"
USAGE = {"input_tokens": 10, "output_tokens": 5}


async def start(root: Path, api: FakeAnthropicAPI, *, no_sandbox: bool = False) -> Prepared:
    """A session on the real model API shape; ``no_sandbox`` for what the policy alone must
    hold (inside the sandbox a program cannot write plan.md at all)."""
    prepared = prepare_new(
        LaunchOptions(
            shared_tree=True,
            workspace=Workspace(root),
            agents=["builder"],
            env=clean_env(
                {
                    "ANTHROPIC_API_KEY": "sk-ant-test-key-not-real-000000",
                    "ANTHROPIC_BASE_URL": api.base_url,
                }
            ),
            keep_alive=True,
            no_sandbox=no_sandbox,
        )
    )
    await prepared.supervisor.start(prepared.setups, prepared.kickoff, started=prepared.started)
    return prepared


def call(name: str, **args: Any) -> dict[str, Any]:
    return {"tool_use": {"name": name, "input": args}, "usage": USAGE}


def done(text: str = "Done.") -> dict[str, Any]:
    return {"text": text, "usage": USAGE}


async def approve_the_plan_write(prepared: Prepared) -> None:
    """The agent waits for the human; the prompt says it is the human's plan. Approve."""
    sup = prepared.supervisor
    await wait_until(lambda: bool(sup.pending))
    (pending,) = sup.inbox()
    assert pending.request.decision.tier == 3
    assert any(PLAN_REASON in r for r in pending.request.decision.reasons)
    assert not logged(prepared, "tool.started")  # nothing ran before the Y
    await sup.resolve(pending.request.call, True, "human")


@pytest.mark.parametrize(
    ("request_", "added"),
    [
        (
            call("edit_file", path="./plan.md", old="friendlier @builder", new="kinder @builder"),
            "+- [ ] Make greet kinder @builder",
        ),
        (
            call("bash", command="echo '- [ ] Added by the agent @builder' >> plan.md"),
            "+- [ ] Added by the agent @builder",
        ),
    ],
    ids=["edit_file", "shell-append"],
)
async def test_an_approved_write_of_the_plan_is_logged_as_the_agents(
    workspace: Path, request_: dict[str, Any], added: str
) -> None:
    with FakeAnthropicAPI([request_, done()]) as api:
        prepared = await start(workspace, api)
        try:
            await approve_the_plan_write(prepared)
            await wait_until(lambda: bool(logged(prepared, "plan.changed")))
            (changed,) = logged(prepared, "plan.changed")
            assert changed["data"]["by"] == "builder" and changed["agent"] == "builder"
            assert added in changed["data"]["diff"]
        finally:
            await finish(prepared)


async def test_a_change_while_an_agent_command_ran_with_no_known_writer_is_unknown(
    workspace: Path,
) -> None:
    """python -c writes the plan where the policy cannot see it (tier 2, runs at once):
    unsandboxed, cockpit cannot say who wrote it, and says exactly that (sandboxed, the
    write fails: tests/supervisor/test_sandbox_gate.py)."""
    code = "open('plan.md', 'a').write('- [ ] Sneaked in @builder\\n')"
    sneak = call("bash", command=f'python3 -c "{code}"')
    with FakeAnthropicAPI([sneak, done()]) as api:
        prepared = await start(workspace, api, no_sandbox=True)
        try:
            await wait_until(lambda: bool(logged(prepared, "plan.changed")))
            (changed,) = logged(prepared, "plan.changed")
            assert changed["data"]["by"] == "unknown" and changed["agent"] is None
            assert "+- [ ] Sneaked in @builder" in changed["data"]["diff"]
            (decided,) = logged(prepared, "policy.decided")
            assert decided["data"]["tier"] == 2
        finally:
            await finish(prepared)


def save_from_editor(path: Path, text: str) -> None:
    """A human's editor in another process: write a temp file, rename it over the plan."""
    code = (
        "import os, sys, pathlib; p = pathlib.Path(sys.argv[1]); t = p.with_name('.plan.swp');"
        "t.write_text(sys.argv[2]); os.replace(t, p)"
    )
    subprocess.run([sys.executable, "-c", code, str(path), text], check=True)


async def test_a_human_edit_with_no_agent_command_running_is_the_humans(
    workspace: Path,
) -> None:
    """After the agent's command has finished, a human edit is still the human's and
    redirects the agent."""
    with FakeAnthropicAPI([call("bash", command="ls src"), done("Listed.")]) as api:
        prepared = await start(workspace, api)
        try:
            await wait_until(lambda: bool(logged(prepared, "tool.finished")))
            await wait_until(lambda: len(api.requests) == 2)
            api.add(done("Got the new plan."))
            save_from_editor(workspace / "plan.md", PLAN + "- [ ] Add a docstring @builder\n")
            await wait_until(lambda: bool(logged(prepared, "plan.changed")))
            (changed,) = logged(prepared, "plan.changed")
            assert changed["data"]["by"] == "human"
            await wait_until(lambda: len(api.requests) == 3)
            note = json.dumps(api.requests[-1].body["messages"])
            assert "The human edited plan.md" in note and "Add a docstring" in note
        finally:
            await finish(prepared)


async def test_a_box_the_agent_ticks_itself_is_not_a_verified_task(workspace: Path) -> None:
    (workspace / "plan.md").write_text(PLAN + "      verify: test -f marker.txt\n")
    tick = call("edit_file", path="plan.md", old="- [ ] Make greet", new="- [x] Make greet")
    with FakeAnthropicAPI([tick, done(), done("Understood.")]) as api:
        prepared = await start(workspace, api)
        try:
            await approve_the_plan_write(prepared)
            await wait_until(lambda: bool(logged(prepared, "plan.changed")))
            (changed,) = logged(prepared, "plan.changed")
            assert changed["data"]["by"] == "builder"
            assert changed["data"]["unverified"] == [
                {"task": "phase-1/make-greet-friendlier", "title": "Make greet friendlier"}
            ]

            # the agent is told that a tick is not done, and to use update_task
            def told() -> bool:
                asked = [json.dumps(r.body["messages"]) for r in api.requests[1:]]
                return any("does not finish a task" in m and "update_task" in m for m in asked)

            await wait_until(told)
            # the task is not done as far as the session is concerned; nothing was verified
            assert not logged(prepared, "task.verified") and not logged(prepared, "task.updated")
            state = fold(read_events(prepared.log.path))
            assert state.unverified == {"phase-1/make-greet-friendlier": "builder"}
            assert prepared.supervisor.steering.unverified == {
                "phase-1/make-greet-friendlier": "builder"
            }
        finally:
            await finish(prepared)


# The race with the watcher, step by step: the hooks the agent loop calls around each
# command (`command_started` / `command_finished`), and the file written from another
# process, with no await in between, so the watcher (on the same event loop) can only look
# after all of them, as it does when a command is quicker than its debounce.

IDLE = "agents:\n  builder: []\n  planner: []\n"


async def idle_session(workspace: Path) -> Prepared:
    prepared = await scripted_start(workspace, IDLE, ["builder", "planner"], keep_alive=True)
    await wait_until(prepared.supervisor.steering.watcher.ready.is_set)
    return prepared


async def test_a_human_edit_saved_just_before_an_agent_command_starts_is_the_humans(
    workspace: Path,
) -> None:
    prepared = await idle_session(workspace)
    sup = prepared.supervisor
    try:
        save_from_editor(workspace / "plan.md", PLAN + "- [ ] From the human @builder\n")
        sup.command_started("builder", "c-1", writes_plan=False)  # the plan was already new
        await wait_until(lambda: bool(logged(prepared, "plan.changed")))
        assert sup.steering._running  # the command was still running when it was seen
        (changed,) = logged(prepared, "plan.changed")
        assert changed["data"]["by"] == "human"
    finally:
        sup.command_finished("c-1")
        await finish(prepared)


async def test_a_change_by_a_command_that_finished_before_the_watcher_looked_is_unknown(
    workspace: Path,
) -> None:
    prepared = await idle_session(workspace)
    sup = prepared.supervisor
    try:
        sup.command_started("builder", "c-1", writes_plan=False)
        save_from_editor(workspace / "plan.md", PLAN + "- [ ] Who wrote this? @builder\n")
        sup.command_finished("c-1")
        await wait_until(lambda: bool(logged(prepared, "plan.changed")))
        (changed,) = logged(prepared, "plan.changed")
        assert changed["data"]["by"] == "unknown"
        # and the next edit, with no command running, is the human's again
        save_from_editor(workspace / "plan.md", PLAN + "- [ ] The human's now @builder\n")
        await wait_until(lambda: len(logged(prepared, "plan.changed")) == 2)
        assert logged(prepared, "plan.changed")[1]["data"]["by"] == "human"
    finally:
        await finish(prepared)


async def test_an_approved_plan_write_is_its_agents_while_another_command_runs(
    workspace: Path,
) -> None:
    """The plan is what the planner's approved write left: the planner's, even though the
    builder's tests were running; had the plan been different, it would be unknown."""
    prepared = await idle_session(workspace)
    sup = prepared.supervisor
    try:
        sup.command_started("builder", "c-1", writes_plan=False)
        sup.command_started("planner", "c-2", writes_plan=True)
        save_from_editor(workspace / "plan.md", PLAN + "- [ ] Planned @builder\n")
        sup.command_finished("c-2")
        await wait_until(lambda: bool(logged(prepared, "plan.changed")))
        assert logged(prepared, "plan.changed")[0]["data"]["by"] == "planner"
        sup.command_started("planner", "c-3", writes_plan=True)
        save_from_editor(workspace / "plan.md", PLAN + "- [ ] Planned again @builder\n")
        sup.command_finished("c-3")
        save_from_editor(workspace / "plan.md", PLAN + "- [ ] Then changed @builder\n")
        await wait_until(lambda: len(logged(prepared, "plan.changed")) == 2)
        assert logged(prepared, "plan.changed")[1]["data"]["by"] == "unknown"
    finally:
        sup.command_finished("c-1")
        await finish(prepared)


TICKS_ITS_OWN_BOX = """
agents:
  builder:
    - calls:
        - edit_file: {path: plan.md, old: "- [ ] Make greet", new: "- [x] Make greet"}
    - text: "Done."
"""


async def test_resume_still_counts_a_box_the_agent_ticked_itself_as_open(
    workspace: Path,
) -> None:
    prepared = await scripted_start(workspace, TICKS_ITS_OWN_BOX, ["builder"])
    sup = prepared.supervisor
    try:
        await approve_the_plan_write(prepared)
        await wait_until(lambda: bool(logged(prepared, "plan.changed")))
        await sup.wait()
    finally:
        await finish(prepared)
    assert "- [x] Make greet friendlier @builder" in (workspace / "plan.md").read_text()
    again = cockpit(workspace, "resume", "--headless")
    assert again.returncode == 0, again.stderr
    assert (
        "plan.md still has open tasks for agents that stopped: builder (done): "
        "“Make greet friendlier”" in again.stdout
    )


async def test_an_edit_through_a_hard_link_to_the_plan_waits_for_the_human(
    workspace: Path,
) -> None:
    """`ln plan.md notes.md` gives the plan a second name: editing notes.md ran at once,
    ticking the agent's own box with no prompt. (Inside the sandbox the link cannot even be
    made: plan.md is a mount of its own; the policy must hold unsandboxed too.)"""
    link = call("bash", command="ln plan.md notes.md")
    tick = call("edit_file", path="notes.md", old="- [ ] Make greet", new="- [x] Make greet")
    with FakeAnthropicAPI([link, tick, done()]) as api:
        prepared = await start(workspace, api, no_sandbox=True)
        try:
            await wait_until(lambda: bool(prepared.supervisor.pending))
            (pending,) = prepared.supervisor.inbox()
            assert pending.request.decision.tier == 3
            reasons = pending.request.decision.reasons
            assert any("plan.md (hard-linked as " in r and PLAN_REASON in r for r in reasons)
            await prepared.supervisor.resolve(pending.request.call, False, "human")
            await wait_until(lambda: bool(logged(prepared, "approval.resolved")))
            assert "- [ ] Make greet" in (workspace / "plan.md").read_text()
        finally:
            await finish(prepared)


async def test_a_write_through_a_hard_link_the_watch_cannot_see_is_still_logged(
    workspace: Path,
) -> None:
    """Tier-2 code writes the plan through a hard link under another name: the directory
    watch, which follows the plan's name, sees nothing; the plan changed while the command
    ran, so cockpit reads it when the command ends and says who may have written it."""
    os.link(workspace / "plan.md", workspace / "notes.md")
    code = "open('notes.md', 'a').write('- [x] Sneaked in @builder\\n')"
    sneak = call("bash", command=f'python3 -c "{code}"')
    with FakeAnthropicAPI([sneak, done()]) as api:
        prepared = await start(workspace, api)
        try:
            await wait_until(lambda: bool(logged(prepared, "plan.changed")))
            (changed,) = logged(prepared, "plan.changed")
            assert changed["data"]["by"] == "unknown"
            assert "+- [x] Sneaked in @builder" in changed["data"]["diff"]
        finally:
            await finish(prepared)
