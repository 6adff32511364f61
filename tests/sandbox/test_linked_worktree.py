"""A linked worktree (what each agent will get, issue 14) in the sandbox: `git commit`
works, though its git folders lie outside it, and the files that send git elsewhere stay
read-only."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.sandbox.local import LocalBwrap
from cockpit.sandbox.paths import workspace_boundary

GIT = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@t"}  # fmt: skip


@pytest.fixture
def places() -> Iterator[tuple[Path, Path]]:
    base = Path(tempfile.mkdtemp(prefix="cockpit-linked-", dir="/var/tmp"))
    repo, tree = base / "repo", base / "tree"
    env = {**os.environ, **GIT}
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "a.txt").write_text("a\n")
    subprocess.run(["git", "-C", str(repo), "add", "a.txt"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "a"], check=True, env=env)
    subprocess.run(
        ["git", "-C", str(repo), "worktree", "add", "-q", "-b", "agent", str(tree)], check=True
    )
    try:
        yield repo, tree
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_git_commit_works_in_a_linked_worktree_and_its_pointers_hold(
    places: tuple[Path, Path],
) -> None:
    repo, tree = places
    env = {"PATH": os.environ["PATH"], "HOME": str(tree.parent), **GIT}
    executor = LocalBwrap()
    try:
        boundary = workspace_boundary(tree, env)

        def sh(command: str) -> int:
            done = executor.run(["bash", "-c", command], cwd=tree, env=env, boundary=boundary)
            return done.exit_code

        assert sh("echo b > b.txt && git add b.txt && git commit -qm b") == 0
        gitdir = repo / ".git" / "worktrees" / "tree"
        assert sh(f"echo ../evil > {gitdir}/commondir") != 0
        assert sh(f"echo '[core]' >> {repo}/.git/config") != 0
        assert sh(f"echo x > {repo}/a.txt") != 0  # the main checkout is not the agent's
    finally:
        executor.close()
    log = subprocess.run(
        ["git", "-C", str(repo), "log", "--format=%s", "agent"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert log.split() == ["b", "a"]
    assert (gitdir / "commondir").read_text().strip() == "../.."
