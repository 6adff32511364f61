"""What each worktree holds that would be lost: commits not merged into the integration
branch or the user's branch, staged, unstaged and untracked files, a vanished folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from cockpit.worktrees.agents import AgentWorktrees, Worktree, isolation
from cockpit.worktrees.state import states
from tests.worktrees.repos import commit, git, make_repo


def attach(root: Path, agent: str) -> Worktree:
    trees = isolation(root, "s1")
    assert isinstance(trees, AgentWorktrees)
    tree = trees.attach(agent)
    trees.release(agent)  # as a session that ended leaves it
    return tree


def test_commits_ahead_are_unmerged_until_the_integration_branch_holds_them(
    tmp_path: Path,
) -> None:
    root = make_repo(tmp_path / "repo", {"a.py": "A = 1\n", "b.py": "B = 1\n"})
    tree = attach(root, "builder")
    first = commit(tree.path, "c.py", "C = 1\n", "add c")
    second = commit(tree.path, "d.py", "D = 1\n", "add d")

    (state,) = states(root)
    assert (state.label, state.branch, state.head, state.ahead) == (
        "s1/builder",
        "cockpit/s1/builder",
        second,
        2,
    )
    assert [(c.sha, c.subject) for c in state.unmerged] == [(second, "add d"), (first, "add c")]
    assert not state.safe_to_remove

    git(root, "update-ref", "refs/heads/cockpit/s1/integration", first)
    (state,) = states(root)
    assert [c.subject for c in state.unmerged] == ["add d"]

    git(root, "update-ref", "refs/heads/cockpit/s1/integration", second)
    (state,) = states(root)
    assert state.unmerged == [] and state.ahead == 2 and state.safe_to_remove


def test_work_the_user_merged_into_their_own_branch_counts_as_merged(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    tree = attach(root, "builder")
    commit(tree.path, "c.py", "C = 1\n", "add c")
    git(root, "merge", "-q", "--ff-only", "cockpit/s1/builder")
    (state,) = states(root)
    assert state.unmerged == [] and state.safe_to_remove


def test_staged_unstaged_and_untracked_files_are_told_apart(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {"a.py": "A = 1\n", "b.py": "B = 1\n", "r.py": "R\n"})
    tree = attach(root, "builder")
    (tree.path / "a.py").write_text("A = 2\n")
    git(tree.path, "add", "a.py")
    (tree.path / "b.py").write_text("B = 2\n")
    (tree.path / "notes/todo.txt").parent.mkdir()
    (tree.path / "notes/todo.txt").write_text("later\n")
    git(tree.path, "mv", "r.py", "renamed.py")

    (state,) = states(root)

    assert state.staged == ["a.py", "renamed.py"]
    assert state.unstaged == ["b.py"]
    assert state.untracked == ["notes/todo.txt"]
    assert state.dirty == ["a.py", "b.py", "notes/todo.txt", "renamed.py"]
    assert state.unmerged == [] and not state.safe_to_remove
    assert "untracked: notes/todo.txt" in state.blockers


def test_a_worktree_of_a_running_session_is_not_safe_to_remove(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    trees = isolation(root, "s1")
    assert isinstance(trees, AgentWorktrees)
    trees.attach("builder")
    (state,) = states(root)
    assert state.in_use_by == "session s1 (this process)" and not state.safe_to_remove
    trees.release("builder")
    (state,) = states(root)
    assert state.in_use_by is None and state.safe_to_remove


def test_a_vanished_folder_is_listed_with_its_branch(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    tree = attach(root, "builder")
    commit(tree.path, "c.py", "C = 1\n", "add c")
    shutil.rmtree(tree.path)
    (state,) = states(root)
    assert not state.exists and state.registered
    assert [c.subject for c in state.unmerged] == ["add c"]
