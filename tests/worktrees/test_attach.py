"""An agent's worktree: made on its branch from the session's base, out of `git status`,
re-attached on resume, reported (not recreated) when it vanished; outside git a shared tree."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cockpit.worktrees.agents import AgentWorktrees, SharedTree, WorktreeVanished, isolation
from cockpit.worktrees.git import WorktreeError
from tests.worktrees.repos import commit, git, make_repo


def worktrees(root: Path, session: str = "s1", base: str | None = None) -> AgentWorktrees:
    found = isolation(root, session, base)
    assert isinstance(found, AgentWorktrees), found
    return found


def test_an_agent_gets_its_own_branch_and_folder_from_head_out_of_git_status(
    tmp_path: Path,
) -> None:
    root = make_repo(tmp_path / "repo")
    head = git(root, "rev-parse", "HEAD")
    (root / "README.md").write_text("the human's edit, not committed\n")

    tree = worktrees(root).attach("builder")

    assert tree.path == root / ".cockpit/worktrees/s1/builder"
    assert git(tree.path, "rev-parse", "--abbrev-ref", "HEAD") == "cockpit/s1/builder"
    assert git(tree.path, "rev-parse", "HEAD") == head == tree.base
    assert (tree.path / "README.md").read_text() == "hello\n"  # a clean slate from the base
    assert git(root, "status", "--porcelain") == "M README.md"  # nothing of .cockpit/
    assert git(root, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert git(root, "rev-parse", "cockpit/s1/integration") == head


def test_two_agents_work_apart(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    trees = worktrees(root)
    one, two = trees.attach("builder"), trees.attach("tester")
    (one.path / "a.py").write_text("A = 1\n")
    assert not (two.path / "a.py").exists()
    assert not (root / "a.py").exists()


def test_a_base_ref_is_where_the_branches_start_and_resume_keeps_it(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    first = git(root, "rev-parse", "HEAD")
    commit(root, "later.txt", "later\n", "a later commit")

    tree = worktrees(root, base="HEAD~1").attach("builder")
    assert git(tree.path, "rev-parse", "HEAD") == first

    assert worktrees(root).base == first  # resume without --base: the recorded one
    with pytest.raises(WorktreeError, match=r"session s1 started from .*resume without --base"):
        isolation(root, "s1", "main")
    with pytest.raises(WorktreeError, match="--base nope: no such commit"):
        isolation(root, "s2", "nope")


def test_resume_reattaches_the_same_worktree_with_its_work(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    trees = worktrees(root)
    tree = trees.attach("builder")
    done = commit(tree.path, "feature.py", "F = 1\n", "a feature")
    (tree.path / "notes.txt").write_text("half done\n")
    trees.release("builder")

    again = worktrees(root).attach("builder")

    assert again.reused and again.path == tree.path
    assert git(again.path, "rev-parse", "HEAD") == done
    assert (again.path / "notes.txt").read_text() == "half done\n"
    assert len(git(root, "worktree", "list").splitlines()) == 2


def test_a_vanished_worktree_is_reported_and_not_recreated(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    tree = worktrees(root).attach("builder")
    commit(tree.path, "feature.py", "F = 1\n", "a feature")
    shutil.rmtree(tree.path)

    with pytest.raises(WorktreeVanished) as caught:
        worktrees(root).attach("builder")

    message = str(caught.value)
    assert "s1/builder" in message and "disappeared" in message
    assert "cockpit/s1/builder is kept (1 commit(s) ahead" in message
    assert "cockpit worktrees discard s1/builder" in message
    assert "\n" not in message
    assert not tree.path.exists()


def test_a_pruned_worktree_with_its_branch_left_is_reported_too(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    trees = worktrees(root)
    tree = trees.attach("builder")
    trees.release("builder")
    shutil.rmtree(tree.path)
    git(root, "worktree", "prune")
    with pytest.raises(WorktreeVanished, match="disappeared"):
        worktrees(root).attach("builder")
    assert not tree.path.exists()


def test_a_worktree_held_by_another_running_session_is_not_taken(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    trees = worktrees(root)
    tree = trees.attach("builder")
    git(root, "worktree", "unlock", str(tree.path))
    # The parent of this test process runs: it stands for another cockpit.
    git(
        root,
        "worktree",
        "lock",
        "--reason",
        f"cockpit session s1 (pid {os.getppid()})",
        str(tree.path),
    )
    with pytest.raises(WorktreeError, match=rf"in use by session s1 \(pid {os.getppid()}\)"):
        worktrees(root).attach("builder")


def test_a_stale_lock_of_a_crashed_session_does_not_stop_resume(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    tree = worktrees(root).attach("builder")
    git(root, "worktree", "unlock", str(tree.path))
    git(root, "worktree", "lock", "--reason", "cockpit session s1 (pid 999999999)", str(tree.path))
    assert worktrees(root).attach("builder").reused


def test_something_in_the_way_is_not_overwritten(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    blocker = root / ".cockpit/worktrees/s1/builder"
    blocker.mkdir(parents=True)
    (blocker / "mine.txt").write_text("the human's\n")
    with pytest.raises(WorktreeError, match="is in the way of agent builder's worktree"):
        worktrees(root).attach("builder")
    assert (blocker / "mine.txt").read_text() == "the human's\n"


@pytest.mark.parametrize("agent", ["integration", "../x", "a b", "-x", "x.lock", ""])
def test_names_that_cannot_be_branches_are_refused_in_one_line(tmp_path: Path, agent: str) -> None:
    root = make_repo(tmp_path / "repo")
    with pytest.raises(WorktreeError) as caught:
        worktrees(root).attach(agent)
    assert "\n" not in str(caught.value)
    assert git(root, "branch", "--list", "cockpit/*") == "cockpit/s1/integration"


def test_outside_git_without_a_commit_or_with_the_flag_agents_share_the_tree(
    tmp_path: Path,
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    found = isolation(plain, "s1")
    assert isinstance(found, SharedTree)
    assert found.header == "shared tree: not a git repository: every agent works in this folder"
    assert not (plain / ".cockpit").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    found = isolation(empty, "s1")
    assert isinstance(found, SharedTree) and "no commit yet" in found.reason
    root = make_repo(tmp_path / "repo")
    flagged = isolation(root, "s1", shared=True)
    assert isinstance(flagged, SharedTree) and "--shared-tree" in flagged.header
    assert git(root, "branch", "--list", "cockpit/*") == ""


def test_a_worktree_switched_off_its_branch_is_not_taken_for_it(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    tree = worktrees(root).attach("builder")
    git(tree.path, "switch", "-q", "-c", "elsewhere")
    with pytest.raises(WorktreeError, match=r"is on elsewhere, not on cockpit/s1/builder"):
        worktrees(root).attach("builder")
    assert git(tree.path, "rev-parse", "--abbrev-ref", "HEAD") == "elsewhere"
