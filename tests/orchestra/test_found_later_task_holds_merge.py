"""Found while running the teams end to end (tests/orchestra/test_teams.py): in a worktree
session, an agent that owns a task in a later phase never gets its first task merged.

The scheduler ends the agent's turn after each task (it is woken with the next one), so
when the merge ceremony runs (here: when the other agent of its phase finishes) the agent
is ``done``; `merge_triage.triage` then checks every
task the agent owns in plan.md, including the later one not handed over yet, whose verify
"has not passed": the agent is left out ("not verified"), its first task stays in
``review``, its phase never completes and the plan stops. Every team but trio has such an
agent (feature's test-writer, echelons' chronicler, boss-workers' boss)."""

from __future__ import annotations

from pathlib import Path

from tests.orchestra._team import team
from tests.supervisor._inprocess import finish, logged, start

PLAN = """# Work

## Phase 1: Plan [P]
- [ ] #notes Write the notes @writer
      verify: test -f notes.md
- [ ] #design Write the design @designer
      verify: test -f design.md

## Phase 2: Build
- [ ] #build Build it @builder
      verify: test -f built.txt

## Phase 3: Tests
- [ ] #tests Write the tests @writer
      verify: test -f tests.md
"""

SCRIPT = """
agents:
  writer:
    - calls:
        - write_file: {path: notes.md, content: "notes\\n"}
        - update_task: {task: notes, status: done}
    - text: "Notes written."
    - calls:
        - write_file: {path: tests.md, content: "tests\\n"}
        - update_task: {task: tests, status: done}
    - text: "Tests written."
  designer:
    - calls:
        - bash: {command: "ls"}
    - calls:
        - bash: {command: "ls"}
    - calls:
        - bash: {command: "ls"}
    - calls:
        - write_file: {path: design.md, content: "design\n"}
        - update_task: {task: design, status: done}
    - text: "Designed."
  builder:
    - calls:
        - write_file: {path: built.txt, content: "built\\n"}
        - update_task: {task: build, status: done}
    - text: "Built."
"""


async def test_an_agent_with_a_later_task_has_its_first_one_merged(workspace: Path) -> None:
    scopes = {"writer": "notes.md, tests.md", "designer": "design.md", "builder": "built.txt"}
    root = team(workspace, PLAN, scopes, commit=True)
    prepared = await start(root, SCRIPT, ["writer", "designer", "builder"], shared_tree=False)
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    moves = [(e["data"]["task"], e["data"]["state"]) for e in logged(prepared, "task.state")]
    left = [o for e in logged(prepared, "merge.started") for o in e["data"]["left_out"]]
    assert ("notes", "done") in moves, left
    assert ("tests", "done") in moves, "and the plan ran to its end"
