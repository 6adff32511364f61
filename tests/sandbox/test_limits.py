"""The limits a runaway command cannot pass, with real bubblewrap: through the executor
the tools await (`LocalBwrap.execute`), through a real `Toolbox` as an agent's `bash`
call, and as a workspace's `.cockpit/config.yaml` sets them."""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.agent.environment import scrubbed_env
from cockpit.agent.tools import Toolbox
from cockpit.config.settings import SandboxSettings, load_settings
from cockpit.errors import ConfigError
from cockpit.sandbox.boundary import BlockedBy, Limits
from cockpit.sandbox.local import LocalBwrap
from cockpit.session.log import SessionLog
from tests.processes import left_after_call, with_text
from tests.sandbox.conftest import Sandbox


@pytest.fixture
def executor() -> Iterator[LocalBwrap]:
    bwrap = LocalBwrap()
    try:
        yield bwrap
    finally:
        bwrap.close()


def toolbox(tmp_path: Path, executor: LocalBwrap, settings: SandboxSettings) -> Toolbox:
    root = tmp_path / "ws"
    root.mkdir(exist_ok=True)
    log = SessionLog.create(tmp_path / "sessions" / "s.jsonl", "s-1", env={})
    return Toolbox(root, scrubbed_env(os.environ), log, executor, settings)


# -- timeouts ----------------------------------------------------------------------------


@pytest.mark.parametrize("asked", [600, None], ids=["asked-600-s", "asked-nothing"])
async def test_the_timeout_a_model_asks_is_capped_by_the_settings(
    tmp_path: Path, executor: LocalBwrap, asked: float | None
) -> None:
    settings = SandboxSettings(timeout_s=1, max_timeout_s=1)
    tools = toolbox(tmp_path, executor, settings)
    args: dict[str, object] = {"command": "sleep 30"}
    if asked is not None:
        args["timeout_s"] = asked
    started = time.monotonic()
    outcome = await tools.run("c-1", "bash", args)
    assert time.monotonic() - started < 10
    assert outcome.is_error and outcome.error == (
        "timed out after 1 s; every process it started was killed"
    )
    assert outcome.blocked is BlockedBy.TIMEOUT


async def test_a_timeout_under_the_ceiling_is_the_one_the_model_asked(
    tmp_path: Path, executor: LocalBwrap
) -> None:
    tools = toolbox(tmp_path, executor, SandboxSettings(timeout_s=60, max_timeout_s=60))
    outcome = await tools.run("c-1", "bash", {"command": "sleep 30", "timeout_s": 0.5})
    assert outcome.error == "timed out after 0.5 s; every process it started was killed"


async def test_a_command_that_closes_its_output_and_keeps_running_is_killed_at_its_timeout(
    sandbox: Sandbox,
) -> None:
    nap = f"30.{secrets.randbelow(10**6)}"
    started = time.monotonic()
    done = await sandbox.executor.execute(
        ["bash", "-c", f"echo closing; exec >&- 2>&-; sleep {nap}"],
        cwd=sandbox.workspace,
        env=sandbox.env,
        boundary=sandbox.boundary(limits=Limits(timeout_s=1.5)),
    )
    assert 1.4 < time.monotonic() - started < 10  # not at the close, not after the sleep
    assert done.text == "closing\n"
    assert done.timed_out and done.blocked_by is BlockedBy.TIMEOUT
    assert left_after_call(with_text, nap) == []


# -- output --------------------------------------------------------------------------


async def test_the_output_limit_stops_yes(sandbox: Sandbox) -> None:
    started = time.monotonic()
    done = await sandbox.executor.execute(
        ["yes"],
        cwd=sandbox.workspace,
        env=sandbox.env,
        boundary=sandbox.boundary(limits=Limits(output_bytes=4 * 1024**2, timeout_s=60)),
    )
    assert time.monotonic() - started < 20  # stopped by the limit, long before its timeout
    assert done.blocked_by is BlockedBy.OUTPUT and not done.timed_out
    assert done.exit_code != 0
    # the caller kept a head and a tail of it, not all of it
    assert done.output.startswith(b"y\ny\n") and len(done.output) < 2 * 1024**2
    assert done.truncated_bytes >= 2 * 1024**2


async def test_an_agents_yes_is_stopped_and_the_result_says_why(
    tmp_path: Path, executor: LocalBwrap
) -> None:
    tools = toolbox(tmp_path, executor, SandboxSettings(output_mb=1, timeout_s=60))
    outcome = await tools.run("c-1", "bash", {"command": "yes"})
    assert outcome.is_error and outcome.blocked is BlockedBy.OUTPUT
    assert outcome.content.endswith(
        "[stopped: it printed more than 1 MB (the output limit); "
        "every process it started was killed]"
    )
    after = await tools.run("c-2", "bash", {"command": "echo still here"})
    assert after.content.strip() == "still here"


# -- processes ---------------------------------------------------------------------------


async def test_a_fork_bomb_is_stopped_and_the_caller_and_the_next_command_are_fine(
    tmp_path: Path, executor: LocalBwrap
) -> None:
    token = f"bomb{secrets.token_hex(4)}"
    tools = toolbox(tmp_path, executor, SandboxSettings(processes=32, timeout_s=20))
    started = time.monotonic()
    # The classic bomb; the sleep keeps the command alive while it hits the limit.
    outcome = await tools.run("c-1", "bash", {"command": f":(){{ :|:& }};:; sleep 2 # {token}"})
    assert time.monotonic() - started < 30
    assert "Resource temporarily unavailable" in outcome.output  # the limit stopped it
    assert left_after_call(with_text, token) == []  # nothing it started is left
    assert subprocess.run(["true"], check=False).returncode == 0  # this process can fork
    after = await tools.run("c-2", "bash", {"command": "echo still here"})
    assert after.exit_code == 0 and after.content.strip() == "still here"


# -- .cockpit/config.yaml ----------------------------------------------------------------


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".cockpit" / "config.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_sandbox_section_sets_every_limit(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        "sandbox:\n  processes: 32\n  output_mb: 2\n  timeout_s: 10\n  max_timeout_s: 60.5\n",
    )
    assert load_settings(path, screen=False).sandbox == SandboxSettings(
        processes=32, output_mb=2, timeout_s=10, max_timeout_s=60.5
    )


def test_without_a_sandbox_section_the_defaults_hold(tmp_path: Path) -> None:
    path = _config(tmp_path, "screen:\n  scrollback: 200\n")
    assert load_settings(path, screen=False).sandbox == SandboxSettings()


@pytest.mark.parametrize("text", ["sandbox: off\n", "sandbox:\n  enabled: false\n"])
def test_the_sandbox_can_be_turned_off_only_in_so_many_words(tmp_path: Path, text: str) -> None:
    assert not load_settings(_config(tmp_path, text), screen=False).sandbox.enabled


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("sandbox:\n  processes: 8\n", 2, "processes is a number ≥ 16"),
        ("sandbox:\n  processes: 32.5\n", 2, "processes is a whole number"),
        ("sandbox:\n  output_mb: lots\n", 2, "output_mb is a number ≥ 1"),
        ("sandbox:\n  output_mb: 0\n", 2, "output_mb is a number ≥ 1"),
        ("sandbox:\n  timeout_s: true\n", 2, "timeout_s is a number ≥ 1"),
        ("sandbox:\n  processes: 32\n  max_timeout_s: -1\n", 3, "max_timeout_s is a number"),
        ("sandbox:\n  cpus: 2\n", 2, "unknown setting `cpus`"),
        ("sandbox:\n  enabled: maybe\n", 2, "enabled is true or false"),
        ("# limits\nsandbox: sometimes\n", 2, "`off`, `on`, or a mapping"),
        ("sandbox:\n  timeout_s: 600\n  max_timeout_s: 60\n", 2, "timeout_s is more than"),
    ],
)
def test_a_bad_sandbox_setting_names_file_and_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = _config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, screen=False)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: ")
    assert words in message
    assert "\n" not in message


async def test_the_configured_limits_are_the_ones_an_agents_command_gets(
    tmp_path: Path, executor: LocalBwrap
) -> None:
    path = _config(tmp_path, "sandbox:\n  output_mb: 1\n  timeout_s: 1\n  max_timeout_s: 2\n")
    tools = toolbox(tmp_path, executor, load_settings(path, screen=False).sandbox)
    started = time.monotonic()
    slow = await tools.run("c-1", "bash", {"command": "sleep 30", "timeout_s": 900})
    assert slow.error == "timed out after 2 s; every process it started was killed"
    assert time.monotonic() - started < 10
    loud = await tools.run("c-2", "bash", {"command": "head -c 5000000 /dev/zero"})
    assert loud.blocked is BlockedBy.OUTPUT
    assert loud.error and "more than 1 MB" in loud.error
