"""Editing the order while the session runs: a dependency added to a running task holds
nothing already running but holds the next task; a cycle is reported with its lines and the
rest of the plan goes on."""

from __future__ import annotations

from pathlib import Path

from tests.orchestra._team import team
from tests.supervisor._inprocess import finish, logged, start
from tests.waiting import wait_until

PLAN = """# Work

## Build [P]
- [ ] #a Write a @back
      verify: test -f a.txt
- [ ] #b Write b @front
      verify: test -f b.txt
- [ ] #c Write c @front
      verify: test -f c.txt
"""

# Each agent's first call is tier 3: it waits for the human, who edits the plan first.
SCRIPT = """
agents:
  back:
    - calls:
        - bash: {command: "mkdir -p scratch-a && rm -rf scratch-a"}
    - calls:
        - write_file: {path: a.txt, content: "a\\n"}
        - update_task: {task: a, status: done}
    - text: "a done."
  front:
    - calls:
        - bash: {command: "mkdir -p scratch-b && rm -rf scratch-b"}
    - calls:
        - write_file: {path: b.txt, content: "b\\n"}
        - update_task: {task: b, status: done}
    - text: "b done."
    - calls:
        - write_file: {path: c.txt, content: "c\\n"}
        - update_task: {task: c, status: done}
    - text: "c done."
"""


def _state(prepared: object, task: str) -> list[dict[str, object]]:
    return [e["data"] for e in logged(prepared, "task.state") if e["data"]["task"] == task]  # type: ignore[arg-type]


async def test_a_new_dependency_holds_the_next_task_not_the_running_one(
    workspace: Path,
) -> None:
    root = team(workspace, PLAN, {"back": '"**"', "front": '"**"'})
    prepared = await start(root, SCRIPT, ["back", "front"])
    sup = prepared.supervisor
    try:
        await wait_until(lambda: len(sup.pending) == 2, "both agents' first commands asking")
        assert _state(prepared, "c")[-1]["state"] == "ready"
        edited = PLAN.replace(
            "      verify: test -f b.txt\n", "      verify: test -f b.txt\n      after: #a\n"
        ).replace("      verify: test -f c.txt\n", "      verify: test -f c.txt\n      after: #a\n")
        (root / "plan.md").write_text(edited)
        await wait_until(
            lambda: _state(prepared, "c")[-1]["state"] == "pending", "#c held by its new dependency"
        )
        assert "#a (in_progress)" in _state(prepared, "c")[-1]["waits_for"]  # type: ignore[operator]
        assert _state(prepared, "b")[-1]["state"] == "in_progress", (
            "a running task is not pulled back"
        )
        for call in list(sup.pending):
            await sup.resolve(call, True, "human")
        await sup.wait()
    finally:
        await finish(prepared)
    moves = [(e["data"]["task"], e["data"]["state"]) for e in logged(prepared, "task.state")]
    assert moves.index(("a", "done")) < moves.index(("c", "in_progress"))
    assert ("b", "pending") not in moves
    assert moves[-1][1] == "done" and {t for t, s in moves if s == "done"} == {"a", "b", "c"}


CYCLE = """# Work

## Build [P]
- [ ] #a Write a @back
      after: #b
- [ ] #b Write b @back
      after: #a
- [ ] #lone Write the readme @front
"""

LONE = """
agents:
  front:
    - calls:
        - write_file: {path: README.md, content: "hi\\n"}
        - update_task: {task: lone, status: done}
    - text: "Done."
"""


async def test_a_cycle_is_reported_with_its_lines_and_the_rest_goes_on(workspace: Path) -> None:
    root = team(workspace, CYCLE, {"back": '"**"', "front": '"**"'})
    prepared = await start(root, LONE, ["back", "front"])
    try:
        await prepared.supervisor.wait()
    finally:
        await finish(prepared)
    problems = [
        p for e in logged(prepared, "plan.changed") for p in e["data"].get("problems") or []
    ]
    (cycle,) = [p for p in problems if "wait for each other" in p["message"]]
    assert cycle["line"] == 4
    assert "#a (line 4) -> #b (line 6) -> #a" in cycle["message"]
    assert _state(prepared, "a")[-1]["state"] == "pending"
    assert any("cycle" in w for w in _state(prepared, "b")[-1]["waits_for"])  # type: ignore[union-attr]
    assert _state(prepared, "lone")[-1]["state"] == "done", "the rest of the plan goes on"
