"""Tier-2 snapshots in real git repositories: nothing the user sees changes, and rollback
brings back modified, deleted and untracked files."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cockpit.errors import SafeguardError
from cockpit.policy import Safeguard

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(root: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, env=ENV, check=True
    )
    return out.stdout


def state(root: Path) -> dict[str, object]:
    """Everything a snapshot must not touch."""
    files = {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }
    return {
        "files": files,
        "index": git(root, "ls-files", "-s"),
        "status": git(root, "status", "--porcelain", "--untracked-files=all"),
        "stash": git(root, "stash", "list"),
        "stash_ref": git(root, "rev-parse", "--verify", "-q", "refs/stash"),
        "head": git(root, "rev-parse", "HEAD"),
        "branch": git(root, "symbolic-ref", "HEAD"),
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / ".gitignore").write_text("ignored.log\n")
    (root / "tracked.txt").write_text("v1\n")
    (root / "gone.txt").write_text("keep me\n")
    (root / "src").mkdir()
    (root / "src/app.py").write_text("print(1)\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    # A stash entry, then a staged change, an unstaged change and untracked files.
    (root / "tracked.txt").write_text("stashed\n")
    git(root, "stash", "-q")
    (root / "src/app.py").write_text("print(2)\n")
    git(root, "add", "src/app.py")
    (root / "tracked.txt").write_text("v2 unstaged\n")
    (root / "notes.md").write_text("untracked notes\n")
    (root / "src/new.py").write_text("new = True\n")
    (root / "ignored.log").write_text("noise\n")
    return root


def test_snapshot_leaves_tree_index_and_stash_alone(repo: Path) -> None:
    before = state(repo)
    snap = Safeguard(repo, "s1").snapshot("before sed -i")
    assert snap is not None
    assert state(repo) == before
    assert snap.ref == "refs/cockpit/snapshots/s1/1"
    assert git(repo, "rev-parse", snap.ref).strip() == snap.commit
    tree = git(repo, "ls-tree", "-r", "--name-only", snap.commit).split()
    assert {"tracked.txt", "gone.txt", "notes.md", "src/app.py", "src/new.py"} <= set(tree)
    assert "ignored.log" not in tree
    assert git(repo, "show", f"{snap.commit}:tracked.txt") == "v2 unstaged\n"
    assert git(repo, "show", f"{snap.commit}:notes.md") == "untracked notes\n"
    assert git(repo, "rev-parse", f"{snap.commit}^") == before["head"]
    assert "before sed -i" in git(repo, "log", "-1", "--format=%s", snap.commit)


def test_snapshots_are_numbered_per_session(repo: Path) -> None:
    guard = Safeguard(repo, "s2")
    first, second = guard.snapshot("a"), guard.snapshot("b")
    other = Safeguard(repo, "s3").snapshot("c")
    assert first and second and other
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert [s.reason for s in guard.snapshots()] == ["a", "b"]
    assert {s.session for s in guard.all_snapshots()} == {"s2", "s3"}


def test_rollback_restores_modified_deleted_and_untracked_files(repo: Path) -> None:
    guard = Safeguard(repo, "s4")
    snap = guard.snapshot("before the agent's edits")
    assert snap is not None
    index_before = git(repo, "ls-files", "-s")
    stash_before = git(repo, "stash", "list")
    (repo / "tracked.txt").write_text("agent rewrote this\n")
    (repo / "gone.txt").unlink()
    (repo / "notes.md").unlink()
    (repo / "src/new.py").write_text("new = False\n")
    (repo / "src/extra").mkdir()
    (repo / "src/extra/created.py").write_text("x\n")

    result = guard.rollback(snap.ref)

    assert (repo / "tracked.txt").read_text() == "v2 unstaged\n"
    assert (repo / "gone.txt").read_text() == "keep me\n"
    assert (repo / "notes.md").read_text() == "untracked notes\n"
    assert (repo / "src/new.py").read_text() == "new = True\n"
    assert not (repo / "src/extra").exists()
    assert (repo / "ignored.log").read_text() == "noise\n"
    assert sorted(result.restored) == ["gone.txt", "notes.md", "src/new.py", "tracked.txt"]
    assert result.removed == ("src/extra/created.py",)
    assert git(repo, "ls-files", "-s") == index_before
    assert git(repo, "stash", "list") == stash_before
    # The rollback can itself be undone.
    assert result.safety is not None
    guard.rollback(result.safety.ref)
    assert (repo / "tracked.txt").read_text() == "agent rewrote this\n"
    assert (repo / "src/extra/created.py").exists()
    assert not (repo / "gone.txt").exists()


def test_rollback_accepts_short_refs_and_reports_nothing_to_do(repo: Path) -> None:
    guard = Safeguard(repo, "s5")
    snap = guard.snapshot("x")
    assert snap is not None
    assert guard.resolve("s5/1") == snap
    assert guard.resolve("1") == snap
    result = guard.rollback("s5/1")
    assert result.unchanged and result.safety is None
    with pytest.raises(SafeguardError, match="no snapshot 's5/9'"):
        guard.rollback("s5/9")


def test_snapshot_in_an_empty_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("a\n")
    snap = Safeguard(tmp_path, "s6").snapshot("first")
    assert snap is not None
    assert git(tmp_path, "ls-tree", "-r", "--name-only", snap.commit).split() == ["a.txt"]
    assert git(tmp_path, "status", "--porcelain") == "?? a.txt\n"


def test_without_git_it_warns_once_and_carries_on(tmp_path: Path) -> None:
    warnings: list[str] = []
    guard = Safeguard(tmp_path, "s7", warn=warnings.append)
    assert guard.snapshot("a") is None
    assert guard.snapshot("b") is None
    assert guard.snapshots() == []
    assert len(warnings) == 1 and "not a git repository" in warnings[0]
    with pytest.raises(SafeguardError, match="not a git repository"):
        guard.rollback("s7/1")


@pytest.mark.parametrize("session", ["", "../x", "a b", "x.lock", ".hidden", "a..b"])
def test_session_names_must_be_valid_ref_parts(tmp_path: Path, session: str) -> None:
    with pytest.raises(SafeguardError, match="invalid session name"):
        Safeguard(tmp_path, session)


def test_agents_snapshotting_at_once_get_one_numbered_snapshot_each(repo: Path) -> None:
    guard = Safeguard(repo, "s-threads")
    before = state(repo)
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(guard.snapshot, f"agent {i}") for i in range(16)]
        snaps = [f.result(timeout=60) for f in futures]  # a deadlock fails here, not hangs
    numbers = sorted(s.number for s in snaps if s is not None)
    assert numbers == list(range(1, 17))
    assert [s.number for s in guard.snapshots()] == numbers
    assert state(repo) == before
