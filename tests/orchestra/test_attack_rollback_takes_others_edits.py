"""Attack (shared tree): the escape hatch rolls back "the files the agent wrote with the
file tools", every one it ever wrote, not the changes its failed strategy made. A file the
agent wrote in an earlier, finished task and that the human (or another agent) edited
while the current strategy ran is put back to the strategy's snapshot: the human's edit
is thrown away with the agent's failed approach."""

from __future__ import annotations

import asyncio
from pathlib import Path

from cockpit.config.settings import load_settings
from tests.orchestra._team import config, team
from tests.supervisor._inprocess import finish, start
from tests.waiting import wait_until

PLAN = """# Work

## Build
- [ ] #notes Write notes.txt @back
      verify: test -f notes.txt
- [ ] #fix Make the check pass @back
      verify: test -f never-written.txt
      iterations: 1
      shifts: 1
"""

SCRIPT = """
agents:
  back:
    - calls:
        - write_file: {path: notes.txt, content: "the agent's notes\\n"}
        - update_task: {task: notes, status: done}
    - text: "Notes written."
    - calls:
        - bash: {command: "mkdir -p scratch && rm -rf scratch"}
    - calls:
        - write_file: {path: attempt.txt, content: "first approach\\n"}
        - update_task: {task: fix, status: done}
    - calls:
        - report_blocked: {reason: "I cannot see why the check fails"}
    - text: "Waiting."
"""


async def test_a_strategy_rollback_keeps_what_others_changed_meanwhile(workspace: Path) -> None:
    root = team(workspace, PLAN, {"back": '"**"'})
    config(root, 'orchestration:\n  lead: ""\n')
    settings = load_settings(root / ".cockpit" / "config.yaml")
    prepared = await start(root, SCRIPT, ["back"], settings=settings)
    sup = prepared.supervisor
    try:
        # #fix's strategy began (its snapshot holds the agent's notes); while back's
        # first command asks, the human edits notes.txt.
        await wait_until(lambda: len(sup.pending) == 1, "back's command in #fix asking")
        (root / "notes.txt").write_text("the agent's notes\nand the human's addition\n")
        for call in list(sup.pending):
            await sup.resolve(call, True, "human")
        await asyncio.wait_for(sup.wait(), timeout=30)
    finally:
        await finish(prepared)
    assert not (root / "attempt.txt").exists(), "the failed approach's file is rolled back"
    assert (root / "notes.txt").read_text() == ("the agent's notes\nand the human's addition\n"), (
        "the human's edit, made while the strategy ran, was thrown away"
    )
