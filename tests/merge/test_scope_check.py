"""Every path an agent changed, held against its scope after the fact: committed, staged,
unstaged and untracked work, renames on both sides, the policy's exact glob semantics, and
git failures that stop the check instead of passing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.merge.changes import changed_paths
from cockpit.merge.git import MergeError
from cockpit.merge.names import agent_branch
from cockpit.merge.scope_check import check_scope
from cockpit.policy.scope import WriteScope
from tests.merge.repos import SESSION, agent_worktree, commit_in, git, make_repo, write

BRANCH = agent_branch(SESSION, "builder")


def scope(*globs: str) -> WriteScope:
    return WriteScope("builder", ".cockpit/agents/builder.md", globs)


async def test_every_kind_of_change_is_listed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = make_repo(
        repo, {"a/committed.py": "1\n", "a/staged.py": "1\n", "a/edited.py": "1\n", "old.py": "o\n"}
    )
    tree = agent_worktree(repo, "builder", base)
    git(tree, "mv", "old.py", "a/moved.py")
    head = commit_in(tree, {"a/committed.py": "2\n"})
    write(tree, {"a/staged.py": "2\n"})
    git(tree, "add", "a/staged.py")
    write(tree, {"a/edited.py": "2\n", "a/new dir/untracked file.py": "u\n"})
    (tree / ".gitignore").write_text("build/\n")
    write(tree, {"build/out.o": "ignored\n"})

    changes = await changed_paths(repo, base, head, tree)

    assert changes.committed == ("a/committed.py", "a/moved.py", "old.py")
    assert changes.dirty == (
        ".gitignore",
        "a/edited.py",
        "a/new dir/untracked file.py",
        "a/staged.py",
    )
    assert "build/out.o" not in changes.all  # gitignored: never merged, never checked


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "staged"])
async def test_a_rename_out_of_scope_quarantines_by_both_its_names(
    tmp_path: Path, committed: bool
) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"src/keep.py": "k\n" * 20})
    tree = agent_worktree(repo, "builder", base)
    (tree / "vendor").mkdir()
    git(tree, "mv", "src/keep.py", "vendor/keep.py")
    head = commit_in(tree, {}) if committed else base

    quarantine = await check_scope(repo, base, BRANCH, head, scope("vendor"), tree)

    assert quarantine is not None and quarantine.paths == ("src/keep.py",)
    quarantine = await check_scope(repo, base, BRANCH, head, scope("src"), tree)
    assert quarantine is not None and quarantine.paths == ("vendor/keep.py",)


@pytest.mark.parametrize(
    ("globs", "path", "allowed"),
    [
        (("src/foo",), "src/foo/bar.ts", True),
        (("src/foo",), "src/foobar.ts", False),
        (("src/*.ts",), "src/a.ts", True),
        (("src/*.ts",), "src/deep/a.ts", False),
        (("src/**/*.ts",), "src/deep/er/a.ts", True),
        ((), "anything.txt", False),
    ],
)
async def test_the_scope_globs_mean_what_the_policy_means(
    tmp_path: Path, globs: tuple[str, ...], path: str, allowed: bool
) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"README.md": "r\n"})
    tree = agent_worktree(repo, "builder", base)
    head = commit_in(tree, {path: "x\n"})

    quarantine = await check_scope(repo, base, BRANCH, head, scope(*globs), tree)

    assert (quarantine is None) is allowed
    if quarantine is not None:
        assert quarantine.paths == (path,)
        assert path in quarantine.reason and quarantine.event().data()["paths"] == [path]


async def test_a_clean_branch_in_scope_passes(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"README.md": "r\n"})
    tree = agent_worktree(repo, "builder", base)
    head = commit_in(tree, {"src/a.py": "a\n"})
    write(tree, {"src/b.py": "untracked, in scope\n"})
    assert await check_scope(repo, base, BRANCH, head, scope("src"), tree) is None


async def test_git_failing_stops_the_check_with_one_line(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"README.md": "r\n"})
    tree = agent_worktree(repo, "builder", base)
    with pytest.raises(MergeError, match="git diff failed") as caught:
        await check_scope(repo, base, BRANCH, "0" * 40, scope("src"), tree)
    assert "\n" not in str(caught.value)
    git(repo, "worktree", "remove", "--force", str(tree))
    with pytest.raises(MergeError, match="is gone"):
        await check_scope(repo, base, BRANCH, base, scope("src"), tree)
    with pytest.raises(MergeError, match="git diff failed"):
        await check_scope(tmp_path / "not-a-repo", base, BRANCH, base, scope("src"))
