"""An ordered plan in a live session: tasks are handed over in their order, one at a
time; a dependency is never started before it is done; an agent cannot start a task that
was not handed to it."""

from __future__ import annotations

from pathlib import Path

from tests.supervisor._inprocess import finish, logged, start

AGENT = """---
name: {name}
description: builds {name}
tools: [bash, read_file, write_file, edit_file, list_files]
scope: ["**"]
---
You build.
"""

PLAN = """# Shop

## Phase 1: Schema
- [ ] #schema Write the schema @back
      verify: test -f schema.sql

## Phase 2: Build
- [ ] #api Write the api @back
      verify: test -f api.py
- [ ] #page Write the page @front
      after: #api
      verify: test -f page.html
"""

SCRIPT = """
agents:
  back:
    - calls:
        - update_task: {task: api, status: doing}
    - calls:
        - write_file: {path: schema.sql, content: "create table t;\\n"}
        - update_task: {task: schema, status: done}
    - text: "Schema done."
    - calls:
        - write_file: {path: api.py, content: "API = 1\\n"}
        - update_task: {task: api, status: done}
    - text: "Api done."
  front:
    - calls:
        - write_file: {path: page.html, content: "<p>hi</p>\\n"}
        - update_task: {task: page, status: done}
    - text: "Page done."
"""


def _workspace(root: Path) -> Path:
    agents = root / ".cockpit" / "agents"
    agents.mkdir(parents=True)
    for name in ("back", "front"):
        (agents / f"{name}.md").write_text(AGENT.format(name=name))
    (root / "plan.md").write_text(PLAN)
    return root


async def test_tasks_are_handed_over_in_order_and_never_early(workspace: Path) -> None:
    root = _workspace(workspace)
    prepared = await start(root, SCRIPT, ["back", "front"])
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    moves = [(e["data"]["task"], e["data"]["state"]) for e in logged(prepared, "task.state")]
    # #page waits for #api, which waits for phase 2, which waits for #schema.
    assert moves.index(("schema", "done")) < moves.index(("api", "in_progress"))
    assert moves.index(("api", "done")) < moves.index(("page", "in_progress"))
    assert ("page", "done") in moves
    # back tried to start #api before it was handed over: refused, with why.
    refused = [
        e for e in logged(prepared, "tool.finished") if "is pending" in str(e["data"].get("output"))
    ]
    assert refused, "starting a task that was not handed over must be refused"
    opened = [e["data"]["phase"] for e in logged(prepared, "phase.opened")]
    assert opened == ["Phase 1: Schema", "Phase 2: Build"]
    # front was not started until its task was handed to it.
    kinds = [(e["kind"], e["agent"]) for e in logged(prepared)]
    assert kinds.index(("agent.started", "front")) > kinds.index(("task.state", "back"))


async def test_log_show_kind_prints_how_the_plans_work_moved(workspace: Path) -> None:
    from tests.session._util import cockpit

    root = _workspace(workspace)
    prepared = await start(root, SCRIPT, ["back", "front"])
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    shown = cockpit("log", "show", "--kind", "phase,task.state", str(prepared.log.path))
    assert shown.code == 0, shown.out
    lines = shown.out.splitlines()
    assert lines and all(("| phase " in line) or ("| task #" in line) for line in lines), lines
    assert sum("OPENED" in line for line in lines) == 2
    assert any("task #page | ready -> IN_PROGRESS: handed over" in line for line in lines)
