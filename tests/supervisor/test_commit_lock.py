"""A task's commit when another git holds the worktree's index for a moment (the conflict
radar's status, a sibling's commit): it waits and commits; a lock that stays is one clear
line naming it."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from cockpit.errors import CockpitError
from cockpit.supervisor.ceremony import commit_work


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "work", str(root)], check=True)
    (root / "a.txt").write_text("a\n")
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "a"],
        check=True,
    )
    (root / "b.txt").write_text("the agent's work\n")
    return root


async def test_a_lock_held_for_a_moment_is_waited_for(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    lock = root / ".git" / "index.lock"
    lock.write_text("")
    asyncio.get_running_loop().call_later(0.1, lock.unlink)  # the other git finishes
    made = await commit_work(root, "back", "work", ())
    assert made is not None and made.files == ["b.txt"]


async def test_a_lock_that_stays_is_named(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / ".git" / "index.lock").write_text("")
    with pytest.raises(CockpitError, match=r"git add failed in .*index\.lock': File exists"):
        await commit_work(root, "back", "work", ())
