"""A strategy's rollback in a real git repository: exactly the strategy's changes go (files
it created removed, files it changed restored), work from before its snapshot stays, and in
a shared tree another agent's file is untouched."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import pytest

from cockpit.errors import SafeguardError
from cockpit.safeguard.snapshots import Safeguard
from cockpit.supervisor.strategy_rollback import roll_back

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, env=ENV, check=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("v1\n")
    (root / "src" / "util.py").write_text("util v1\n")
    (root / "README.md").write_text("readme\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    return root


def files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_the_rollback_undoes_exactly_the_strategys_changes(repo: Path) -> None:
    guard = Safeguard(repo, "s-1", warn=lambda _m: None)
    # Before the strategy: work of an earlier strategy or of the human, not undone.
    (repo / "src" / "util.py").write_text("util v2, before the strategy\n")
    (repo / "notes.txt").write_text("written before\n")
    began = guard.snapshot("strategy 2 of #schema")
    assert began is not None
    before = files(repo)
    # The strategy: changes, creates (in a new folder too), deletes.
    (repo / "src" / "app.py").write_text("v2 by the failed strategy\n")
    (repo / "src" / "new.py").write_text("created\n")
    (repo / "scratch" / "deep").mkdir(parents=True)
    (repo / "scratch" / "deep" / "x.txt").write_text("tmp\n")
    (repo / "README.md").unlink()

    done = asyncio.run(roll_back(guard, began.ref))

    assert files(repo) == before
    assert not (repo / "scratch").exists()
    assert set(done.restored) == {"src/app.py", "README.md"}
    assert set(done.removed) == {"src/new.py", "scratch/deep/x.txt"}
    assert done.snapshot == began.ref
    for name in ("src/app.py", "src/new.py", "scratch/deep/x.txt", "README.md"):
        assert name in done.abandoned
    assert "util.py" not in done.abandoned and "notes.txt" not in done.abandoned
    assert "changed" in done.abandoned.splitlines()[-1]
    # The rollback is undoable: the safety snapshot holds the abandoned strategy.
    assert done.safety is not None
    guard.rollback(done.safety.ref)
    assert (repo / "src" / "new.py").read_text() == "created\n"
    assert not (repo / "README.md").exists()


def test_with_only_another_agents_file_is_untouched(repo: Path) -> None:
    guard = Safeguard(repo, "s-1", warn=lambda _m: None)
    began = guard.snapshot("strategy 1 of #page")
    assert began is not None
    (repo / "src" / "app.py").write_text("mine, failed\n")
    (repo / "src" / "page").mkdir()
    (repo / "src" / "page" / "view.py").write_text("mine too\n")
    (repo / "src" / "util.py").write_text("the other agent's work\n")
    (repo / "theirs.py").write_text("the other agent's new file\n")

    done = asyncio.run(roll_back(guard, began.ref, only=["src/app.py", str(repo / "src" / "page")]))

    assert (repo / "src" / "app.py").read_text() == "v1\n"
    assert not (repo / "src" / "page").exists()
    assert (repo / "src" / "util.py").read_text() == "the other agent's work\n"
    assert (repo / "theirs.py").read_text() == "the other agent's new file\n"
    assert set(done.restored) == {"src/app.py"}
    assert set(done.removed) == {"src/page/view.py"}
    assert "util.py" not in done.abandoned and "theirs.py" not in done.abandoned


def test_nothing_to_throw_away_changes_nothing(repo: Path) -> None:
    guard = Safeguard(repo, "s-1", warn=lambda _m: None)
    began = guard.snapshot("strategy 1")
    assert began is not None
    (repo / "other.txt").write_text("another agent's\n")
    done = asyncio.run(roll_back(guard, began.ref, only=["src/app.py", "/elsewhere/x"]))
    assert (done.restored, done.removed, done.abandoned, done.safety) == ((), (), "", None)
    assert (repo / "other.txt").exists()


def test_an_unknown_snapshot_is_one_clear_line(repo: Path) -> None:
    guard = Safeguard(repo, "s-1", warn=lambda _m: None)
    with pytest.raises(SafeguardError) as caught:
        asyncio.run(roll_back(guard, "refs/cockpit/snapshots/s-1/99"))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("cannot roll the strategy back to refs/cockpit/snapshots/s-1/99")


def test_outside_git_is_one_clear_line(tmp_path: Path) -> None:
    guard = Safeguard(tmp_path, "s-1", warn=lambda _m: None)
    with pytest.raises(SafeguardError, match="is not a git repository"):
        asyncio.run(roll_back(guard, "1", only=["a.py"]))
