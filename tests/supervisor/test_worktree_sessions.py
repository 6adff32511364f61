"""A session in a git repository gives each agent its own worktree and branch: their
tools, policy, sandbox, snapshots and verify commands work there, the user's checkout is
never touched, and plan.md stays the human's one file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cockpit.config.workspace import Workspace
from cockpit.session.chain import read_events
from cockpit.session.kinds import RadarOverlap
from cockpit.supervisor.launch import LaunchOptions, prepare_resume
from cockpit.worktrees.layout import AgentTree
from tests.supervisor._inprocess import finish, last_request_text, logged, start
from tests.supervisor.conftest import clean_env, git
from tests.waiting import wait_until

AGENT = """---
name: {name}
description: builds {name}
tools: [bash, read_file, write_file, edit_file, list_files]
scope: [{scope}]
---
You build {name}.
"""


@pytest.fixture
def repo(workspace: Path) -> Path:
    agents = workspace / ".cockpit" / "agents"
    agents.mkdir(parents=True)
    (agents / "front.md").write_text(AGENT.format(name="front", scope="web"))
    (agents / "back.md").write_text(AGENT.format(name="back", scope="src"))
    return workspace


TWO = """
agents:
  front:
    - calls:
        - write_file: {path: web/index.html, content: "<h1>hi</h1>\\n"}
        - bash: {command: "mkdir -p web && printf 'body{}\\n' > web/site.css"}
    - text: "Done."
  back:
    - calls:
        - edit_file: {path: src/app.py, old: "'hello'", new: "'hello, back'"}
        - bash: {command: "git add -A && git commit -qm 'Friendlier greeting'"}
    - text: "Done."
"""


def _status(root: Path) -> str:
    return git(root, "status", "--porcelain", "--untracked-files=all")


async def test_two_agents_work_in_their_own_worktrees_and_the_checkout_is_untouched(
    repo: Path,
) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    prepared = await start(repo, TWO, ["front", "back"], shared_tree=False)
    session = prepared.session
    try:
        statuses = await prepared.supervisor.wait()
        assert statuses == {"front": "done", "back": "done"}
    finally:
        await finish(prepared)
    front = AgentTree(session, "front").path(repo)
    back = AgentTree(session, "back").path(repo)
    assert (front / "web" / "index.html").read_text() == "<h1>hi</h1>\n"
    assert (front / "web" / "site.css").exists()
    assert "hello, back" in git(back, "show", "HEAD:src/app.py")
    # the user's checkout: same HEAD, same files, nothing new
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert (repo / "src" / "app.py").read_text() == "def greet():\n    return 'hello'\n"
    assert not (repo / "web").exists()
    assert _status(repo) == ""
    # the log says where each agent worked
    [started] = logged(prepared, "session.started")
    assert started["data"]["isolation"]["mode"] == "worktrees"
    assert started["data"]["isolation"]["base"] == head
    where = {e["agent"]: e["data"] for e in logged(prepared, "agent.started")}
    assert where["front"]["branch"] == f"cockpit/{session}/front"
    assert Path(where["back"]["worktree"]) == back
    # each branch holds only its own agent's commit
    assert git(repo, "log", "--format=%s", f"cockpit/{session}/back", "-1").strip() == (
        "Friendlier greeting"
    )
    assert git(repo, "rev-parse", f"cockpit/{session}/front").strip() == head


OUTSIDE = """
agents:
  back:
    - calls:
        - bash: {command: "printf x > ../../../../src/app.py"}
        - read_file: {path: plan.md}
    - text: "Done."
"""


async def test_the_workspace_of_an_agent_is_its_worktree_and_plan_md_is_the_humans(
    repo: Path,
) -> None:
    prepared = await start(repo, OUTSIDE, ["back"], shared_tree=False, headless_deny=True)
    (repo / "plan.md").write_text("# Changed by the human after the start\n")
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    # the user's checkout is outside the agent's workspace (its worktree): the write fails
    first = logged(prepared, "tool.finished")[0]["data"]
    assert first["exit_code"] != 0
    assert (repo / "src" / "app.py").read_text() == "def greet():\n    return 'hello'\n"
    # reading plan.md in the worktree reads the human's file, not the checked-out copy
    assert "Changed by the human after the start" in last_request_text(prepared, "back")


async def test_outside_git_and_with_shared_tree_the_agents_share_the_folder(
    repo: Path, tmp_path: Path
) -> None:
    prepared = await start(repo, TWO, ["front"], shared_tree=True)
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    [started] = logged(prepared, "session.started")
    assert started["data"]["isolation"] == {
        "mode": "shared",
        "reason": "--shared-tree: every agent works in this folder",
    }
    assert (repo / "web" / "index.html").exists()
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copytree(repo / ".cockpit" / "agents", plain / ".cockpit" / "agents")
    prepared = await start(plain, TWO, ["front"], shared_tree=False)
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    [started] = logged(prepared, "session.started")
    assert started["data"]["isolation"]["mode"] == "shared"
    assert "not a git repository" in started["data"]["isolation"]["reason"]
    assert (plain / "web" / "index.html").exists()


RADAR = """
agents:
  front:
    - calls:
        - write_file: {path: src/app.py, content: "def greet():\\n    return 'front'\\n"}
    - text: "Done."
  back:
    - calls:
        - edit_file: {path: src/app.py, old: "'hello'", new: "'back'"}
    - text: "Done."
"""


async def test_two_agents_changing_the_same_lines_show_on_the_radar(repo: Path) -> None:
    for name in ("front", "back"):  # both may write src for this one
        path = repo / ".cockpit" / "agents" / f"{name}.md"
        path.write_text(AGENT.format(name=name, scope="src"))
    prepared = await start(repo, RADAR, ["front", "back"], shared_tree=False)
    try:
        await prepared.supervisor.wait()
        await wait_until(
            lambda: any(e["data"].get("paths") for e in logged(prepared, "radar.overlap")),
            "the radar to log the overlap",
        )
    finally:
        await finish(prepared)
    overlaps = logged(prepared, "radar.overlap")
    data = overlaps[-1]["data"]
    assert sorted(data["agents"]) == ["back", "front"]
    assert data["paths"] == ["src/app.py"] and data["conflict"] is True
    assert data["conflicts"] == ["src/app.py"]
    bodies = [e.body for e in read_events(prepared.log.path) if isinstance(e.body, RadarOverlap)]
    assert len(bodies) == len(overlaps)  # logged once, not at every call


async def test_resume_reattaches_each_agent_and_a_vanished_worktree_is_reported(
    repo: Path,
) -> None:
    script = """
agents:
  front:
    - calls:
        - write_file: {path: web/a.html, content: "a\\n"}
    - delay_s: 60
      text: "never reached"
  back:
    - calls:
        - write_file: {path: src/b.py, content: "b\\n"}
    - delay_s: 60
      text: "never reached"
"""
    prepared = await start(repo, script, ["front", "back"], shared_tree=False)
    session = prepared.session
    await wait_until(lambda: len(logged(prepared, "tool.finished")) >= 2, "both writes")
    await finish(prepared)
    front = AgentTree(session, "front").path(repo)
    back = AgentTree(session, "back").path(repo)
    shutil.rmtree(back)  # the human (or a cleaner) removed it: never silently made again
    options = LaunchOptions(
        workspace=Workspace(repo), env=clean_env(), script=repo.parent / "script.yaml"
    )
    resumed = prepare_resume(options, session)
    try:
        await resumed.supervisor.resume(resumed.setups, resumed.state, resumed.recovered)  # type: ignore[arg-type]
        sup = resumed.supervisor
        tree = sup.worktree("front")
        assert tree is not None and tree.path == front and tree.reused
        assert (front / "web" / "a.html").read_text() == "a\n"
        assert sup.worktree("back") is None
        assert not back.exists()
        failed = [
            e.data
            for e in read_events(resumed.log.path)
            if e.kind == "agent.status" and e.agent == "back"
        ]
        assert failed[-1]["status"] == "failed"
        assert (
            "disappeared" in failed[-1]["detail"]
            and "cockpit worktrees discard" in (failed[-1]["detail"])
        )
    finally:
        await resumed.supervisor.stop("test over")
        resumed.log.close()


STALE = """
agents:
  back:
    - calls:
        - write_file: {path: src/server.py, content: "PORT = 80\\n"}
        - update_task: {task: "Make greet friendlier", status: done}
    - text: "Done."
  planner:
    - delay_s: 0.5
      calls:
        - write_file:
            path: plan.md
            content: "# Demo\\n\\n## Phase 1\\n- [ ] Make greet friendlier @back\\n\\
              - [ ] Docs @planner\\n"
    - text: "Done."
"""


async def test_an_agents_stale_plan_write_does_not_reopen_a_verified_task(repo: Path) -> None:
    """The planner's write was prepared before the task was done and approved after it:
    the task stays done (only the human reopens a task), so its phase still merges."""
    (repo / "plan.md").write_text("# Demo\n\n## Phase 1\n- [ ] Make greet friendlier @back\n")
    git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qam", "plan")
    prepared = await start(repo, STALE, ["back", "planner"], shared_tree=False)
    sup = prepared.supervisor
    try:
        await wait_until(lambda: bool(logged(prepared, "task.updated")), "back's task done")
        await wait_until(lambda: bool(sup.pending), "the planner's plan write")
        (pending,) = sup.inbox()
        await sup.resolve(pending.request.call, True, "human")
        await sup.wait()
    finally:
        await finish(prepared)
    text = (repo / "plan.md").read_text()
    assert "- [x] Make greet friendlier @back" in text
    assert "- [ ] Docs @planner" in text  # the planner's addition is kept


async def test_a_second_cockpit_in_the_repository_is_said_at_the_start(repo: Path) -> None:
    other = repo.parent / "other-tree"
    git(repo, "worktree", "add", "-q", "-b", "cockpit/s0/builder", str(other))
    reason = f"cockpit session s0 (pid {os.getppid()})"  # a live process: another cockpit
    git(repo, "worktree", "lock", "--reason", reason, str(other))
    prepared = await start(repo, TWO, ["front"], shared_tree=False)
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    said = [n for n in prepared.notices if "another cockpit is running" in n]
    assert said and f"session s0 (pid {os.getppid()})" in said[0]
