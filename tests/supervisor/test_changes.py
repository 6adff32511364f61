"""What an agent changed: the diff of each file write, and its whole diff since the start."""

from __future__ import annotations

from pathlib import Path

from cockpit.agent.changes import DIFF_LINES, text_diff
from cockpit.config.workspace import Workspace
from cockpit.supervisor.launch import LaunchOptions, prepare_resume
from tests.supervisor._inprocess import finish, logged, start
from tests.supervisor.conftest import clean_env, git

EDITS = """
agents:
  builder:
    - calls:
        - edit_file: {path: src/app.py, old: "'hello'", new: "'hello, friend'"}
        - write_file: {path: src/new.py, content: "print('new')\\n"}
        - bash: {command: "printf 'x\\n' > notes.txt"}
    - text: "Done."
  reviewer:
    - calls:
        - bash: {command: "git status --short"}
    - text: "Looks fine."
"""


async def test_each_file_write_logs_its_diff(workspace: Path) -> None:
    prepared = await start(workspace, EDITS, ["builder"])
    try:
        await prepared.supervisor.wait()
        diffs = [e["data"].get("diff") for e in logged(prepared, "tool.finished")]
        edit, write = diffs[0], diffs[1]
        assert edit is not None and "-    return 'hello'" in edit
        assert "+    return 'hello, friend'" in edit and "+++ b/src/app.py" in edit
        assert write is not None and "--- /dev/null" in write and "+print('new')" in write
        assert diffs[2] is None  # a shell command's output is not a diff
    finally:
        await finish(prepared)


async def test_an_agents_changes_are_its_own_files_against_the_session_start(
    workspace: Path,
) -> None:
    (workspace / "untracked.txt").write_text("was here before\n")  # in the base, unchanged
    prepared = await start(workspace, EDITS, ["builder", "reviewer"])
    sup = prepared.supervisor
    try:
        await sup.wait()
        (workspace / "human.txt").write_text("the human typed this\n")
        changes = await sup.changes("builder")
        assert changes.problem is None and changes.base is not None
        assert sorted(changes.files) == ["notes.txt", "src/app.py", "src/new.py"]
        assert "+    return 'hello, friend'" in changes.diff and "+x" in changes.diff
        assert changes.others == ["human.txt"]
        reviewer = await sup.changes("reviewer")
        assert reviewer.files == [] and reviewer.diff == ""
        assert sorted(reviewer.others) == sorted(["human.txt", *changes.files])
        base = [e for e in logged(prepared, "safeguard.snapshot") if e["data"].get("base")]
        assert [e["data"]["commit"] for e in base] == [changes.base]
        assert git(workspace, "status", "--porcelain") != ""  # the tree is untouched
    finally:
        await finish(prepared)


async def test_a_resumed_session_still_knows_the_start_and_the_agents_files(
    workspace: Path,
) -> None:
    prepared = await start(workspace, EDITS, ["builder"])
    await prepared.supervisor.wait()
    before = await prepared.supervisor.changes("builder")
    await finish(prepared)
    resumed = prepare_resume(
        LaunchOptions(workspace=Workspace(workspace), env=clean_env()), prepared.session
    )
    try:
        after = await resumed.supervisor.changes("builder")
        assert after.base == before.base and after.files == before.files
        assert after.diff == before.diff
    finally:
        resumed.log.close()


async def test_outside_git_the_changes_say_why_there_are_none(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("def greet():\n    return 'hello'\n")
    prepared = await start(root, EDITS, ["builder"])
    try:
        await prepared.supervisor.wait()
        changes = await prepared.supervisor.changes("builder")
        assert changes.diff == "" and changes.problem is not None
        assert "no snapshot of the session's start" in changes.problem
    finally:
        await finish(prepared)


def test_a_long_diff_is_cut_and_says_so() -> None:
    after = "".join(f"line {i}\n" for i in range(2 * DIFF_LINES))
    diff = text_diff("big.txt", "", after)
    assert diff is not None and diff.truncated
    assert diff.text.count("\n") == DIFF_LINES
    assert text_diff("same.txt", "x\n", "x\n") is None


GLOB_NAME = """
agents:
  builder:
    - calls:
        - write_file: {path: "src/*.py", content: "odd = 'name'\\n"}
    - text: "Done."
"""


async def test_a_file_named_like_a_pattern_is_only_itself(workspace: Path) -> None:
    prepared = await start(workspace, GLOB_NAME, ["builder"])
    try:
        await prepared.supervisor.wait()
        (workspace / "src" / "other.py").write_text("by someone else\n")
        git(workspace, "config", "diff.external", "false")  # the view is git's own diff
        changes = await prepared.supervisor.changes("builder")
        assert changes.files == ["src/*.py"] and changes.others == ["src/other.py"]
        assert "+odd = 'name'" in changes.diff and "someone else" not in changes.diff
    finally:
        await finish(prepared)
