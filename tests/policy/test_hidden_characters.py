"""A command or a path holding control or invisible characters is never below tier 3, and
the reason says which character and where: what the screen shows is not what bash runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cockpit.policy.model import FileAction, ShellAction
from cockpit.safe_text import hidden_characters, visible
from tests.hostile import HOSTILE, SPOOF
from tests.policy.conftest import Sandbox
from tests.policy.test_cli import cockpit

HIDING = sorted(name for name, text in HOSTILE.items() if hidden_characters(text))


def test_the_spoofed_command_is_tier_3_and_says_why(sandbox: Sandbox) -> None:
    decision = sandbox.policy.classify(ShellAction(SPOOF, sandbox.root))
    assert decision.tier == 3
    assert decision.reasons[0] == (
        "the command contains control or invisible characters (\\x1b at column 15, and 4 "
        "more): what the terminal shows is not what bash runs"
    )
    assert "builtin:hidden-characters" in [rule.id for rule in decision.rules]


@pytest.mark.parametrize("name", HIDING)
def test_every_hiding_character_makes_a_harmless_command_tier_3(
    sandbox: Sandbox, name: str
) -> None:
    decision = sandbox.policy.classify(ShellAction(f"echo '{HOSTILE[name]}'", sandbox.root))
    assert decision.tier == 3
    assert any("contains control or invisible characters" in r for r in decision.reasons)


def test_a_plain_multi_line_script_with_tabs_is_unaffected(sandbox: Sandbox) -> None:
    script = 'for f in src/*.py; do\n\techo "$f"\ndone\nls -la\n'
    decision = sandbox.policy.classify(ShellAction(script, sandbox.root))
    assert decision.tier == 1
    assert "builtin:hidden-characters" not in [rule.id for rule in decision.rules]


@pytest.mark.parametrize(
    "path", ["src/\x1b]0;pwned\x07.py", "notes/\u202etxt.exe", "new\u200b.md", "a\nb.md"]
)
def test_a_file_tool_path_with_hidden_characters_is_tier_3(sandbox: Sandbox, path: str) -> None:
    decision = sandbox.policy.classify(FileAction("write", Path(path)))
    assert decision.tier == 3
    said = "the path contains control or invisible characters ("
    assert any(reason.startswith(said) for reason in decision.reasons)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile-check")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_check_shows_every_hostile_string_escaped(repo: Path, name: str) -> None:
    payload = HOSTILE[name]
    run = cockpit(repo, "check", f"echo '{payload}'")
    assert run.returncode == 0, run.stderr
    assert not hidden_characters(run.stdout), run.stdout
    # a reason quotes the command as it is, or (a long or multi-line one) with its white
    # space squeezed; either way with its escapes shown
    quoted = (visible(payload), visible(" ".join(payload.split())))
    assert any(text in run.stdout for text in quoted), run.stdout
    assert not any(line.startswith("[T1]") for line in run.stdout.splitlines())
    if hidden_characters(payload):
        assert run.stdout.startswith("tier 3\n  reason: the command contains control or")


def test_check_json_escapes_what_json_allows_raw(repo: Path) -> None:
    run = cockpit(repo, "check", "--json", "echo '\u202eexe \x9b2J \u200d'")
    assert not hidden_characters(run.stdout), run.stdout
    assert "\\u202e" in run.stdout and "\\u009b" in run.stdout and "\\u200d" in run.stdout
