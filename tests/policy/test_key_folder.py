"""cockpit's log key is a credential wherever XDG_CONFIG_HOME puts it: an agent that could
read it could forge the session log, so reaching it by any spelling is tier 3."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.policy.engine import Policy
from cockpit.policy.model import FileAction, ShellAction


@pytest.fixture
def policy(tmp_path: Path) -> tuple[Policy, Path]:
    root = tmp_path / "work"
    root.mkdir()
    keys = tmp_path / "elsewhere" / "conf" / "cockpit"
    keys.mkdir(parents=True)
    (keys / "log.key").write_text("00" * 32)
    (root / "conf").symlink_to(keys.parent)
    return Policy.load(root, home=tmp_path / "home", keys=keys), keys


@pytest.mark.parametrize(
    "command",
    [
        "cat {keys}/log.key",
        "cat {keys}/../cockpit/anchors/s.json",
        "cat conf/cockpit/log.key",  # through a symlink in the workspace
        "grep -r secret {keys}/..",  # a tree holding it
        "cp -r {keys} /tmp/x",
        "tar cf /tmp/k.tar {keys}/..",
        "echo x > {keys}/log.key",
        # read-only git commands that print any file they are given
        "git diff --no-index /dev/null {keys}/log.key",
        "git --no-pager diff --no-index -- /dev/null conf/cockpit/log.key",
        "git grep -h --no-index . {keys}",
        "git -C {keys} grep --no-index .",
        "git blame --contents {keys}/log.key README.md",
        "git blame --contents={keys}/log.key README.md",
    ],
)
def test_reaching_the_key_folder_outside_home_config_is_tier_3(
    policy: tuple[Policy, Path], command: str
) -> None:
    engine, keys = policy
    decision = engine.classify(
        ShellAction(command.format(keys=keys), keys.parent.parent.parent / "work")
    )
    assert decision.tier == 3
    assert any("cockpit's log key" in r for r in decision.reasons), decision.reasons


def test_the_file_tools_cannot_read_the_key(policy: tuple[Policy, Path]) -> None:
    engine, keys = policy
    decision = engine.classify(FileAction("read", keys / "log.key"))
    assert decision.tier == 3


def test_a_neighbour_of_the_key_folder_is_an_ordinary_read(policy: tuple[Policy, Path]) -> None:
    engine, keys = policy
    (keys.parent / "other.txt").write_text("x")
    assert (
        engine.classify(
            ShellAction(f"cat {keys.parent}/other.txt", keys.parent.parent.parent / "work")
        ).tier
        == 1
    )


@pytest.mark.parametrize(
    "command", ["git status", "git log --oneline -5", "git diff HEAD~1..HEAD -- src"]
)
def test_git_reading_the_repository_stays_tier_1(policy: tuple[Policy, Path], command: str) -> None:
    engine, keys = policy
    assert engine.classify(ShellAction(command, keys.parent.parent.parent / "work")).tier == 1


def test_git_diff_no_index_of_a_private_key_is_a_credential_read(
    policy: tuple[Policy, Path],
) -> None:
    engine, keys = policy
    work = keys.parent.parent.parent / "work"
    decision = engine.classify(ShellAction("git diff --no-index /dev/null ~/.ssh/id_rsa", work))
    assert decision.tier == 3
    assert any("credentials" in r for r in decision.reasons), decision.reasons
