"""What loads before what: the first frame comes before the Anthropic SDK and before the
session machinery (the policy engine, the supervisor), a missing key is reported without
them, and `cockpit --help` and `cockpit check` load only what they use. What can go wrong
once the session opens after the first frame (a bad rule file) is shown on the screen and
printed as one line when it closes.

The import order is read from `python -X importtime` (one line per module as its import
completes, written to stderr, which is also where the screen is drawn): in a real
pseudo-terminal, a module imported before the first frame has its line before the frame.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
from textual import events
from textual.message import Message

from bench.startup import FRAME_SHOWS, first_frame, make_repo, terminal_env
from cockpit.cli.main import COMMANDS, build_parser
from cockpit.supervisor.launch import begin_new
from cockpit.ui.app import CockpitApp
from cockpit.ui.settings import ScreenConfig
from tests.ui._session import launch_options, make_workspace, stop
from tests.waiting import wait_until

PYTHON = [sys.executable, "-X", "importtime", "-m", "cockpit"]
DEFERRED = ("anthropic", "pydantic", "httpx2", "git", "tree_sitter", "watchfiles")
"""Heavy packages the first frame does not need: the SDK and what only it uses, GitPython,
the bash parser, the plan.md watcher."""
AFTER_FRAME = (
    "cockpit.policy.engine",
    "cockpit.supervisor.core",
    "cockpit.agent.runtime",
    "cockpit.session.log",
    "cockpit.ui.inbox",
    "cockpit.ui.dialogs",
)
"""cockpit's own modules that no first frame needs: the session machinery (loaded when the
session opens, after the frame), the approval prompt and the dialogs."""
LEAVE_SCREEN = b"\x1b[?1049l"  # the terminal's main screen again: the app has closed


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
    frame = before_frame[:frame_at]
    # The real first frame: the builder's pane and plan.md's task, not an empty shell.
    assert all(text in frame for text in FRAME_SHOWS)
    early = imported(frame)
    assert "textual.app" in early and "cockpit.supervisor.launch" in early
    assert [m for m in early if m.split(".")[0] in DEFERRED or m in AFTER_FRAME] == []
    # The session opened after the frame, and the agent's first turn loaded the SDK (the
    # test sees it when it does).
    later = imported(before_frame[frame_at:])
    assert {"cockpit.policy.engine", "cockpit.supervisor.core", "anthropic"} <= set(later)


def test_a_missing_key_is_one_line_without_the_sdk(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    run = subprocess.run(
        PYTHON, cwd=repo, env=env_with(HOME=str(tmp_path)), capture_output=True, timeout=60
    )
    assert run.returncode == 2
    said = [line for line in run.stderr.decode().splitlines() if "import time" not in line]
    assert len(said) == 1 and "set ANTHROPIC_API_KEY" in said[0], said
    loaded = imported(run.stderr)
    assert "cockpit.supervisor.launch" in loaded and "anthropic" not in loaded
    assert not (repo / ".cockpit" / "sessions").exists()  # no session was started


def _loaded_by(*args: str, cwd: Path) -> set[str]:
    run = subprocess.run([*PYTHON, *args], cwd=cwd, env=env_with(), capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    return {m.split(".")[0] if not m.startswith("cockpit.") else m for m in imported(run.stderr)}


def test_help_loads_no_command_module(tmp_path: Path) -> None:
    loaded = _loaded_by("--help", cwd=tmp_path)
    assert {m for m in loaded if m.startswith("cockpit.")} <= {
        "cockpit.cli",
        "cockpit.cli.main",
        "cockpit.errors",
    }
    assert not loaded & {"yaml", "asyncio", "textual", "tree_sitter", "anthropic"}


def test_check_loads_the_policy_and_not_the_session_machinery(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    loaded = _loaded_by("check", "ls", cwd=repo)
    assert "cockpit.policy.engine" in loaded and "tree_sitter" in loaded
    unneeded = {"asyncio", "textual", "anthropic", "cockpit.supervisor.core", "cockpit.cli.demo"}
    assert not loaded & unneeded
    assert not {m for m in loaded if m.startswith(("cockpit.session.", "cockpit.ui."))}


def test_the_command_table_is_what_the_modules_register() -> None:
    """`cockpit --help` lists the table; each command's module registers the real parser:
    the two must name the same commands with the same help line."""
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    for register in dict.fromkeys(r() for r, _help in COMMANDS.values()):
        register(sub)
    registered = {action.dest: action.help for action in sub._choices_actions}
    assert registered == {name: help_line for name, (_m, help_line) in COMMANDS.items()}
    for name in COMMANDS:  # and the module the table names is the one that registers it
        (commands,) = [a for a in build_parser(name)._actions if a.dest == "command"]
        assert isinstance(commands, argparse._SubParsersAction) and name in commands.choices


def run_in_terminal(
    argv: list[str], cwd: Path, env: Mapping[str, str], *, timeout: float = 60
) -> tuple[int, bytes]:
    """Run ``argv`` in a 140x40 pseudo-terminal until it exits: its exit code and every
    byte it wrote."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.chdir(cwd)
            os.execve(argv[0], argv, dict(env))
        finally:
            os._exit(127)
    seen = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal closed: the command has exited
                break
            if not chunk:
                break
            seen += chunk
        else:
            os.kill(pid, 9)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    return os.waitstatus_to_exitcode(status), seen


BAD_RULES = """\
version: 1
rules:
  - id: list-anything
    tier: 1
    program: ls
"""


def test_a_bad_rule_file_is_shown_on_the_screen_then_printed_as_one_line(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / ".cockpit" / "rules").mkdir(parents=True)
    (repo / ".cockpit" / "rules" / "mine.yaml").write_text(BAD_RULES, encoding="utf-8")
    env = env_with(ANTHROPIC_BASE_URL="http://127.0.0.1:9", HOME=str(tmp_path))
    code, seen = run_in_terminal([sys.executable, "-m", "cockpit"], repo, env)
    said = "cockpit: .cockpit/rules/mine.yaml:3: rule is missing 'justification'"
    assert code == 2, seen[-2000:]
    screen, _, after = seen.partition(LEAVE_SCREEN)
    assert b"Quit" in screen and said.encode() in screen  # the screen was up and said it
    printed = re.sub(rb"\x1b\[[?<0-9;]*[a-zA-Z]", b"", after).decode().splitlines()
    assert printed == [said]  # and after it closed, the one line
    assert not (repo / ".cockpit" / "sessions").exists()  # no session was started


@pytest.mark.parametrize(
    ("files", "args", "said"),
    [
        (
            {".cockpit/config.yaml": "model:\n  retries: 99\n"},
            [],
            "config.yaml:2: model: `retries` is a whole number from 0 to 10",
        ),
        ({}, ["--agents", "nobody"], "no agent named nobody (agents here:"),
    ],
    ids=["bad config.yaml", "unknown agent"],
)
def test_a_mistake_found_before_the_session_is_one_line_and_no_screen(
    tmp_path: Path, files: dict[str, str], args: list[str], said: str
) -> None:
    repo = make_repo(tmp_path / "repo")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    env = env_with(ANTHROPIC_BASE_URL="http://127.0.0.1:9", HOME=str(tmp_path))
    code, seen = run_in_terminal([sys.executable, "-m", "cockpit", *args], repo, env)
    assert code == 2, seen[-2000:]
    assert LEAVE_SCREEN not in seen and b"Quit" not in seen  # no screen was drawn
    lines = seen.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cockpit: ") and said in lines[0], lines
    assert not (repo / ".cockpit" / "sessions").exists()


async def test_a_quit_typed_while_the_screen_comes_up_still_quits(tmp_path: Path) -> None:
    """ctrl+q pressed before the session has opened (the app handles it at once, before
    any screen): it waits for the session and then quits it."""
    root = make_workspace(tmp_path / "shop")
    script = tmp_path / "script.yaml"
    script.write_text("agents:\n  builder:\n    - text: Working.\n", encoding="utf-8")
    options = dataclasses.replace(launch_options(root, agents=["builder"]), script=script)
    app = CockpitApp(begin_new(options), ScreenConfig(notifications="off"), env={})
    typed: list[Message] = []

    def type_ahead(message: Message) -> None:
        if not typed and isinstance(message, events.Mount):  # the app is being built
            typed.append(message)
            app.post_message(events.Key("ctrl+q", None))

    async with app.run_test(size=(120, 36), message_hook=type_ahead) as pilot:
        try:
            await wait_until(lambda: not app.is_running, what="the app to quit", pause=pilot.pause)
        finally:
            await stop(app)
    assert typed and app.return_code == 0
