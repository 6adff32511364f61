"""What loads before what: the first frame comes before the Anthropic SDK, a missing key is
reported without it, and `cockpit --help` and `cockpit check` load only what they use.

The import order is read from `python -X importtime` (one line per module as its import
completes, written to stderr, which is also where the screen is drawn): in a real
pseudo-terminal, a module imported before the first frame has its line before the frame.
"""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
from pathlib import Path

from bench.startup import first_frame, make_repo, terminal_env
from cockpit.cli import COMMANDS, build_parser

PYTHON = [sys.executable, "-X", "importtime", "-m", "cockpit"]
DEFERRED = ("anthropic", "pydantic", "httpx2", "git")
"""Heavy modules the first frame does not need: the SDK and what only it uses, GitPython."""


def imported(output: bytes) -> list[str]:
    """Module names from `-X importtime` lines, in the order their imports completed."""
    return [m.decode() for m in re.findall(rb"import time: *\d+ \| *\d+ \| *([\w.]+)", output)]


def env_with(**values: str) -> dict[str, str]:
    env = terminal_env()
    env.update(TERM="xterm-256color", **values)
    return env


def test_the_first_frame_is_drawn_before_the_sdk_loads(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    env = env_with(ANTHROPIC_BASE_URL="http://127.0.0.1:9", HOME=str(tmp_path))
    elapsed, before_frame = first_frame(PYTHON, repo, env, wait_after=b"| anthropic")
    assert elapsed == elapsed, before_frame[-2000:]  # NaN: the screen never came up
    frame_at = before_frame.index(b"Quit")
    early = imported(before_frame[:frame_at])
    assert "textual.app" in early and "cockpit.launch" in early
    assert [m for m in early if m.split(".")[0] in DEFERRED] == []
    # The agent's first turn loaded it, after the frame (the test sees it when it does).
    assert "anthropic" in imported(before_frame[frame_at:])


def test_a_missing_key_is_one_line_without_the_sdk(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    run = subprocess.run(
        PYTHON, cwd=repo, env=env_with(HOME=str(tmp_path)), capture_output=True, timeout=60
    )
    assert run.returncode == 2
    said = [line for line in run.stderr.decode().splitlines() if "import time" not in line]
    assert len(said) == 1 and "set ANTHROPIC_API_KEY" in said[0], said
    loaded = imported(run.stderr)
    assert "cockpit.launch" in loaded and "anthropic" not in loaded
    assert not (repo / ".cockpit" / "sessions").exists()  # no session was started


def _loaded_by(*args: str, cwd: Path) -> set[str]:
    run = subprocess.run([*PYTHON, *args], cwd=cwd, env=env_with(), capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    return {m.split(".")[0] if not m.startswith("cockpit.") else m for m in imported(run.stderr)}


def test_help_loads_no_command_module(tmp_path: Path) -> None:
    loaded = _loaded_by("--help", cwd=tmp_path)
    assert {m for m in loaded if m.startswith("cockpit.")} <= {"cockpit.cli", "cockpit.errors"}
    assert not loaded & {"yaml", "asyncio", "textual", "tree_sitter", "anthropic"}


def test_check_loads_the_policy_and_not_the_session_machinery(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    loaded = _loaded_by("check", "ls", cwd=repo)
    assert "cockpit.policy.engine" in loaded and "tree_sitter" in loaded
    unneeded = {"asyncio", "textual", "anthropic", "cockpit.supervisor", "cockpit.demo"}
    assert not loaded & unneeded
    assert not {m for m in loaded if m.startswith(("cockpit.session.", "cockpit.ui."))}


def test_the_command_table_is_what_the_modules_register() -> None:
    """`cockpit --help` lists the table; each command's module registers the real parser:
    the two must name the same commands with the same help line."""
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    for module in dict.fromkeys(m for m, _help in COMMANDS.values()):
        importlib.import_module(module).register(sub)
    registered = {action.dest: action.help for action in sub._choices_actions}
    assert registered == {name: help_line for name, (_m, help_line) in COMMANDS.items()}
    for name in COMMANDS:  # and the module the table names is the one that registers it
        (commands,) = [a for a in build_parser(name)._actions if a.dest == "command"]
        assert isinstance(commands, argparse._SubParsersAction) and name in commands.choices
