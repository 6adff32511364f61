"""An agent's command cannot make git read a configuration it wrote: `.git` cannot be
swapped, and what a command adds or changes at the top of `.git` beyond git's working
files is undone after it ran (found by trying it from outside: `.git/commondir` pointing at
a copy whose config set `core.fsmonitor`, which cockpit's own snapshot then ran)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.agent.tools import Toolbox
from cockpit.sandbox.boundary import BlockedBy
from cockpit.sandbox.local import LocalBwrap
from cockpit.session.log import SessionLog

GIT = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@t"}  # fmt: skip


@pytest.fixture
def toolbox(tmp_path: Path) -> Iterator[Toolbox]:
    root = tmp_path / "ws"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "a.txt").write_text("a\n")
    subprocess.run(["git", "-C", str(root), "add", "a.txt"], check=True)
    subprocess.run(
        ["git", "-C", str(root), "commit", "-qm", "a"], check=True, env={**os.environ, **GIT}
    )
    log = SessionLog.create(tmp_path / "sessions" / "s.jsonl", "s-1", env={})
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **GIT}
    box = Toolbox(root, env, log, LocalBwrap())
    yield box
    box.close()


async def test_a_commondir_pointing_at_a_planted_config_is_undone(
    toolbox: Toolbox, tmp_path: Path
) -> None:
    pwned = tmp_path / "pwned"
    attack = (
        "mkdir evil && cp -r .git/objects .git/refs .git/HEAD evil/ && "
        "printf '[core]\\n\\trepositoryformatversion = 0\\n"
        f'\\tfsmonitor = "touch {pwned}; false"\\n\' > evil/config && '
        "echo ../evil > .git/commondir"
    )
    outcome = await toolbox.run("c-1", "bash", {"command": attack})
    assert outcome.blocked is BlockedBy.GIT_CONTROL
    assert "commondir" in outcome.content
    assert not (toolbox.root / ".git" / "commondir").exists()
    # the human's (and cockpit's) next git reads the real configuration
    subprocess.run(["git", "-C", str(toolbox.root), "status", "--short"], check=True,
                   capture_output=True)  # fmt: skip
    assert not pwned.exists()


async def test_git_itself_cannot_be_moved_away_and_replaced(toolbox: Toolbox) -> None:
    outcome = await toolbox.run("c-1", "bash", {"command": "mv .git .git-old"})
    assert outcome.exit_code != 0
    assert (toolbox.root / ".git" / "HEAD").is_file()
    assert not (toolbox.root / ".git-old").exists()


async def test_git_commit_and_its_working_files_are_left_alone(toolbox: Toolbox) -> None:
    outcome = await toolbox.run(
        "c-1",
        "bash",
        {"command": "echo b > b.txt && git add b.txt && git commit -qm b"},
    )
    assert outcome.exit_code == 0, outcome.content
    assert outcome.blocked is None
    log = subprocess.run(["git", "-C", str(toolbox.root), "log", "--format=%s"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert log.split() == ["b", "a"]


def test_cockpits_own_snapshot_never_runs_a_configured_fsmonitor(tmp_path: Path) -> None:
    from cockpit.safeguard.snapshots import Safeguard

    root = tmp_path / "ws"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    pwned = tmp_path / "pwned"
    subprocess.run(
        ["git", "-C", str(root), "config", "core.fsmonitor", f"touch {pwned}; false"], check=True
    )
    (root / "a.txt").write_text("a\n")
    Safeguard(root, "s-1", warn=lambda _m: None).snapshot("before a tier-2 command")
    assert not pwned.exists()
