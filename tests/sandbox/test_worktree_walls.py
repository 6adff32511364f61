"""The sandbox of an agent in its own worktree: `git commit` works there and moves its own
branch, while the user's branches, the session's integration branch and base, and
cockpit's claim on the worktree stay out of its reach. The human's plan.md is what it sees
in place of the worktree's copy, and it cannot write through to it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from cockpit.session.kinds import SessionStarted, ToolFinished
from tests.sandbox.sessions import (
    Place,
    Transcript,
    git,
    make_place,
    py,
    remove_place,
    run_headless,
)

COMMIT = "echo hi > new.txt && git add new.txt && git commit -qm 'Add new.txt'"


@pytest.fixture
def place() -> Iterator[Place]:
    made = make_place("worktree")
    try:
        yield made
    finally:
        remove_place(made)


def _session(place: Place) -> str:
    [started] = Transcript(place.log()).bodies(SessionStarted)
    assert started.isolation is not None and started.isolation["mode"] == "worktrees"
    return place.log().stem


def _exit(place: Place, command: str) -> int | None:
    return Transcript(place.log()).call(command).of(ToolFinished)[0].exit_code


def test_git_commit_in_an_agents_worktree_moves_its_branch_only(place: Place) -> None:
    main = git(place, "rev-parse", "main").strip()
    script = place.script([{"calls": [{"bash": {"command": COMMIT}}]}, {"text": "Done."}])
    done = run_headless(place, script, "--no-shared-tree")
    assert done.returncode == 0, done.stderr[-2000:]
    session = _session(place)
    assert _exit(place, COMMIT) == 0
    branch = f"cockpit/{session}/builder"
    assert git(place, "log", "-1", "--format=%s", branch).strip() == "Add new.txt"
    assert git(place, "rev-parse", "main").strip() == main  # the user's branch: untouched
    assert not (place.workspace / "new.txt").exists()


def test_an_agent_cannot_move_the_users_branch_or_the_integration_branch(place: Place) -> None:
    main = git(place, "rev-parse", "main").strip()
    moves = [
        "git update-ref refs/heads/main HEAD~0",
        "git commit -q --allow-empty -m x && git branch -f main HEAD",
        "git update-ref -d refs/heads/main",
        "git commit -q --allow-empty -m y && git branch -f "
        "$(git branch --show-current | sed s@/builder@/integration@) HEAD",
        "git tag evil",
        "echo gone > $(git rev-parse --git-dir)/locked",
    ]
    # The classifier reads none of these (a program runs them): the sandbox must hold.
    hidden = [
        py(
            "import subprocess; "
            f'raise SystemExit(subprocess.run(["bash", "-c", {json.dumps(m)}]).returncode)'
        )
        for m in moves
    ]
    script = place.script(
        [{"calls": [{"bash": {"command": m}} for m in hidden]}, {"text": "Done."}]
    )
    done = run_headless(place, script, "--no-shared-tree")
    assert done.returncode == 0, done.stderr[-2000:]
    session = _session(place)
    for move, command in zip(moves[:5], hidden, strict=False):
        assert _exit(place, command) != 0, move
    assert git(place, "rev-parse", "main").strip() == main
    integration = git(place, "rev-parse", f"cockpit/{session}/integration").strip()
    assert integration == main  # still at the base
    assert git(place, "tag", "--list").strip() == ""
    # the agent's own branch did move (its commits above)
    assert git(place, "rev-parse", f"cockpit/{session}/builder").strip() != main
    # cockpit's claim on the worktree is put back after the command that touched it
    finished = Transcript(place.log()).call(hidden[5]).of(ToolFinished)[0]
    assert finished.error is not None and "locked" in finished.error


def test_the_checkouts_env_is_masked_and_the_plan_copy_is_never_dirty(place: Place) -> None:
    (place.workspace / ".env").write_text("SECRET=topsecret\n")
    (place.workspace / "plan.md").write_text(PLAN_NOW)  # the human edits it: uncommitted
    reads = [
        "cat ../../../../.env",
        f"cat {place.workspace}/.env",
        "git status --porcelain",
        "cat plan.md",
        "git add -A && git commit -q --allow-empty -m mine && git show --stat --format= HEAD",
    ]
    hidden = [
        py(f'import subprocess; subprocess.run(["bash", "-c", {json.dumps(r)}])') for r in reads
    ]
    script = place.script(
        [{"calls": [{"bash": {"command": h}} for h in hidden]}, {"text": "Done."}]
    )
    done = run_headless(place, script, "--no-shared-tree")
    assert done.returncode == 0, done.stderr[-2000:]
    log = Transcript(place.log())
    outputs = [log.call(h).of(ToolFinished)[0].output or "" for h in hidden]
    assert "topsecret" not in outputs[0] and "topsecret" not in outputs[1]
    assert outputs[2].strip() == ""  # the human's plan over the copy is not a change
    assert "Changed by the human" in outputs[3]
    assert "plan.md" not in outputs[4]  # never committed on the agent's branch
    assert "topsecret" not in place.everything_logged().decode("utf-8", "replace")


PLAN_NOW = "# Changed by the human\n\n## Phase 1\n- [ ] Try the walls @builder\n"
