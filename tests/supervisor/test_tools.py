"""The workspace tools on their own: real processes, real files."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.agent.environment import scrubbed_env
from cockpit.agent.tools import OUTPUT_CAP, READ_CAP, Toolbox
from cockpit.sandbox.local import LocalBwrap
from cockpit.sandbox.unsandboxed import Unsandboxed
from cockpit.session.log import SessionLog
from tests.processes import with_arg
from tests.waiting import wait_until


@pytest.fixture
def toolbox(tmp_path: Path) -> Iterator[Toolbox]:
    root = tmp_path / "ws"
    root.mkdir()
    log = SessionLog.create(tmp_path / "sessions" / "s.jsonl", "s-1", env={})
    box = Toolbox(root, scrubbed_env(os.environ), log, LocalBwrap())
    yield box
    box.close()


@pytest.fixture(params=["sandboxed", "unsandboxed"])
def either(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Toolbox]:
    root = tmp_path / "ws"
    root.mkdir()
    log = SessionLog.create(tmp_path / "sessions" / "s.jsonl", "s-1", env={})
    executor = LocalBwrap() if request.param == "sandboxed" else Unsandboxed()
    box = Toolbox(root, scrubbed_env(os.environ), log, executor)
    yield box
    box.close()


async def test_a_timeout_kills_every_process_the_command_started(either: Toolbox) -> None:
    nap = f"60.{secrets.randbelow(10**6)}"
    command = f"sleep {nap} & sleep {nap}"
    outcome = await either.run("c-1", "bash", {"command": command, "timeout_s": 0.5})
    assert outcome.is_error and outcome.error and "timed out" in outcome.error
    await wait_until(lambda: not with_arg(nap), "both sleeps to die", timeout=2.5)


async def test_a_background_job_holding_the_output_does_not_hold_the_call(
    either: Toolbox,
) -> None:
    nap = f"60.{secrets.randbelow(10**6)}"
    outcome = await either.run("c-1", "bash", {"command": f"sleep {nap} & echo started"})
    assert outcome.exit_code == 0 and "started" in outcome.content
    await wait_until(lambda: not with_arg(nap), "the background job to die")


async def test_cancelling_kills_the_command(either: Toolbox) -> None:
    nap = f"60.{secrets.randbelow(10**6)}"
    task = asyncio.ensure_future(
        either.run("c-2", "bash", {"command": f"touch started; exec sleep {nap}"})
    )
    await wait_until(lambda: with_arg(nap), "the command to start")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not with_arg(nap)


async def test_long_output_is_capped_and_kept_whole_as_an_artifact(toolbox: Toolbox) -> None:
    command = "python3 -c \"print('\\n'.join(f'line {i}' for i in range(20000)))\""
    outcome = await toolbox.run("c-3", "bash", {"command": command})
    assert outcome.exit_code == 0 and outcome.truncated
    assert len(outcome.output) < OUTPUT_CAP + 200
    assert "line 0" in outcome.output and "line 19999" in outcome.output
    assert outcome.artifact is not None
    stored = toolbox.log.path.parent / outcome.artifact["path"]
    body = stored.read_bytes()
    assert hashlib.sha256(body).hexdigest() == outcome.artifact["sha256"]
    assert body.decode().count("\n") >= 20000
    assert outcome.artifact["path"] in outcome.content  # the model is told where it is


async def test_a_failing_command_reports_its_exit_code(toolbox: Toolbox) -> None:
    outcome = await toolbox.run("c-4", "bash", {"command": "echo oops >&2; exit 3"})
    assert outcome.exit_code == 3 and outcome.is_error
    assert "oops" in outcome.content and "exit code 3" in outcome.content


async def test_edit_file_refuses_absent_and_ambiguous_text(toolbox: Toolbox) -> None:
    (toolbox.root / "a.py").write_text("x = 1\nx = 1\ny = 2\n")
    absent = await toolbox.run("c-5", "edit_file", {"path": "a.py", "old": "z", "new": "w"})
    assert absent.is_error and "not found" in absent.content
    twice = await toolbox.run("c-6", "edit_file", {"path": "a.py", "old": "x = 1", "new": "x"})
    assert twice.is_error and "2 times" in twice.content
    once = await toolbox.run("c-7", "edit_file", {"path": "a.py", "old": "y = 2", "new": "y = 3"})
    assert not once.is_error
    assert (toolbox.root / "a.py").read_text() == "x = 1\nx = 1\ny = 3\n"


async def test_read_and_list(toolbox: Toolbox) -> None:
    (toolbox.root / "src").mkdir()
    (toolbox.root / "src" / "m.py").write_text("print(1)\n")
    (toolbox.root / ".git").mkdir()
    (toolbox.root / ".git" / "HEAD").write_text("ref\n")
    listing = await toolbox.run("c-8", "list_files", {})
    assert listing.content.splitlines() == ["src/m.py"]
    missing = await toolbox.run("c-9", "read_file", {"path": "nope.txt"})
    assert missing.is_error and "nope.txt" in missing.content


async def test_a_huge_output_drops_its_middle_without_cutting_a_secret(tmp_path: Path) -> None:
    """Over 8 MB the middle is dropped before redaction could see it: wherever the two cuts
    fall in a stream of nothing but secrets, no piece of one is left in the log."""
    secret = "planted-0123456789-abcdefghij"
    root = tmp_path / "ws"
    root.mkdir()
    (root / "secret.txt").write_text(secret)
    log = SessionLog.create(tmp_path / "sessions" / "s.jsonl", "s-1", env={"MY_API_KEY": secret})
    toolbox = Toolbox(root, scrubbed_env(os.environ), log, LocalBwrap())
    copies = 9_000_000 // (len(secret) + 1) + 1
    command = (
        "python3 -c \"import sys; s = open('secret.txt').read() + chr(10); "
        f'sys.stdout.write(s * {copies})"'
    )
    outcome = await toolbox.run("c-9", "bash", {"command": command})
    toolbox.close()
    assert outcome.exit_code == 0 and outcome.artifact is not None
    body = (log.path.parent / outcome.artifact["path"]).read_text()
    assert "bytes dropped" in body
    rest = body.replace("[REDACTED:$MY_API_KEY]", "").replace("\n", "")
    rest = rest.split("… [", 1)[0] + rest.split("dropped] …", 1)[1]
    assert rest == ""  # nothing but whole, redacted secrets on both sides of the cut
    shown = outcome.output.replace("[REDACTED:$MY_API_KEY]", "")
    assert not any(secret[:k] in shown or secret[-k:] in shown for k in range(6, len(secret)))


async def test_read_file_stops_before_a_secret_its_cap_would_cut(tmp_path: Path) -> None:
    """What read_file returns goes to the model and, with its turn, into the log."""
    secret = "planted-0123456789-abcdefghij"
    root = tmp_path / "ws"
    root.mkdir()
    (root / "big.txt").write_text("a" * (READ_CAP - 10) + secret + "b" * 100)
    log = SessionLog.create(tmp_path / "sessions" / "s.jsonl", "s-1", env={"MY_API_KEY": secret})
    box = Toolbox(root, scrubbed_env(os.environ), log, LocalBwrap())
    outcome = await box.run("c-10", "read_file", {"path": "big.txt"})
    box.close()
    assert not outcome.is_error
    assert outcome.content.startswith("a" * 1000) and "the rest was not read" in outcome.content
    assert secret[:6] not in outcome.content


async def test_the_session_keeps_its_own_tmp_between_commands(toolbox: Toolbox) -> None:
    name = f"cockpit-test-{secrets.token_hex(4)}"
    wrote = await toolbox.run("c-1", "bash", {"command": f"echo kept > /tmp/{name}"})
    assert wrote.exit_code == 0
    assert not Path("/tmp", name).exists()  # the machine's /tmp is not the session's
    read = await toolbox.run("c-2", "bash", {"command": f"cat /tmp/{name}"})
    assert read.content.strip() == "kept"
    seen = await toolbox.run("c-3", "read_file", {"path": f"/tmp/{name}"})
    assert seen.content == "kept\n"
    folder = toolbox.session_tmp()
    toolbox.close()
    assert not folder.exists()


async def test_a_killed_sessions_tmp_is_swept_when_the_next_one_starts(toolbox: Toolbox) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid no process has now
    left = Path(tempfile.gettempdir()) / f"cockpit-session-tmp-{dead.pid}-abc"
    left.mkdir()
    (left / "junk").write_text("x")
    mine = Path(tempfile.gettempdir()) / f"cockpit-session-tmp-{os.getpid()}-live"
    mine.mkdir()
    try:
        await toolbox.run("c-1", "bash", {"command": "true"})
        assert not left.exists()
        assert mine.exists()  # a live cockpit's is left alone
    finally:
        shutil.rmtree(left, ignore_errors=True)
        shutil.rmtree(mine, ignore_errors=True)
