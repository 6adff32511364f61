"""The gate and the sandbox together, in a real session (real bwrap, real log): a command
that runs into a wall is explained to the model, logged as ``sandbox.blocked``, and the
human (only the human) may let that one command run again with the wall moved."""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.session.audit import audit
from cockpit.supervisor.launch import Prepared
from tests.supervisor._inprocess import finish, last_request_text, logged, start
from tests.waiting import wait_until


class Listener:
    """A TCP server on 127.0.0.1 that counts who reached it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.reached = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.reached += 1
            conn.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    try:
        yield server
    finally:
        server.sock.close()


@pytest.fixture
def outside() -> Iterator[Path]:
    """A folder outside the workspace and outside /tmp (the sandbox's /tmp is its own)."""
    folder = Path(tempfile.mkdtemp(prefix="cockpit-outside-", dir="/var/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _connect(port: int) -> str:
    code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5)"
    return f'python3 -c "{code}"'


def _script(command: str) -> str:
    return json.dumps(
        {"agents": {"builder": [{"calls": [{"bash": {"command": command}}]}, {"text": "Done."}]}}
    )


def _audit_clean(prepared: Prepared) -> None:
    """Valid, keyed, and nothing ran that was not allowed (a re-run included)."""
    report = audit(prepared.log.path)
    try:
        assert (report.valid, report.chain, report.violations) == (True, "keyed", []), report.reason
    finally:
        report.close()


async def _the_offer(prepared: Prepared) -> str:
    sup = prepared.supervisor
    await wait_until(lambda: bool(sup.pending), "the widened re-run to be offered")
    (pending,) = sup.inbox()
    assert pending.request.rerun and pending.request.widening.network
    return pending.request.call


async def test_no_network_is_explained_and_a_yes_runs_it_once_more_with_it(
    workspace: Path, listener: Listener
) -> None:
    prepared = await start(workspace, _script(_connect(listener.port)), ["builder"])
    sup = prepared.supervisor
    try:
        call = await _the_offer(prepared)
        assert listener.reached == 0  # the sandboxed run did not get out
        (blocked,) = logged(prepared, "sandbox.blocked")
        assert blocked["data"]["boundary"] == "no network"
        assert "refused" in blocked["data"]["detail"].lower()
        asked = logged(prepared, "approval.requested")[-1]
        assert asked["data"]["widening"] == {"network": True, "rerun": True}
        assert await sup.resolve(call, True, "human")
        assert await sup.wait() == {"builder": "done"}
        assert listener.reached == 1
        resolved = logged(prepared, "approval.resolved")[-1]
        assert resolved["data"]["widened"] == {"network": True}
        told = last_request_text(prepared, "builder")
        assert "the human allowed the network for this one run" in told
        assert len(logged(prepared, "tool.finished")) == 1  # one call, one result
        _audit_clean(prepared)
    finally:
        await finish(prepared)


async def test_a_no_keeps_the_wall_and_tells_the_model_why(
    workspace: Path, listener: Listener
) -> None:
    prepared = await start(workspace, _script(_connect(listener.port)), ["builder"])
    sup = prepared.supervisor
    try:
        call = await _the_offer(prepared)
        await sup.resolve(call, False, "human", "no network today")
        assert await sup.wait() == {"builder": "done"}
        assert listener.reached == 0
        told = last_request_text(prepared, "builder")
        assert "blocked by the sandbox (no network)" in told
        assert "You cannot change the sandbox" in told
        assert "the human was asked to allow it and did not" in told
        resolved = logged(prepared, "approval.resolved")[-1]
        assert resolved["data"]["approved"] is False and "widened" not in resolved["data"]
        _audit_clean(prepared)
    finally:
        await finish(prepared)


async def test_a_write_outside_the_classifier_missed_is_offered_as_one_folder(
    workspace: Path, outside: Path
) -> None:
    target = outside / f"out-{secrets.token_hex(3)}.txt"
    command = f"python3 -c \"open('{target}', 'w').write('x')\""
    prepared = await start(workspace, _script(command), ["builder"])
    sup = prepared.supervisor
    try:
        await wait_until(lambda: bool(sup.pending), "the widened re-run to be offered")
        (pending,) = sup.inbox()
        assert not target.exists()
        assert pending.request.widening.writable == (outside,)
        (blocked,) = logged(prepared, "sandbox.blocked")
        assert blocked["data"]["boundary"] == "read-only filesystem"
        assert blocked["data"]["path"] == str(target)
        await sup.resolve(pending.request.call, True, "human")
        assert await sup.wait() == {"builder": "done"}
        assert target.read_text() == "x"
        resolved = logged(prepared, "approval.resolved")[-1]
        assert resolved["data"]["widened"] == {"writable": [str(outside)]}
    finally:
        await finish(prepared)


async def test_an_approved_tier_3_write_outside_gets_that_folder_writable(
    workspace: Path, outside: Path
) -> None:
    target = outside / "approved.txt"
    prepared = await start(workspace, _script(f"echo yes > {target}"), ["builder"])
    sup = prepared.supervisor
    try:
        await wait_until(lambda: bool(sup.pending), "the tier-3 prompt")
        (pending,) = sup.inbox()
        assert not pending.request.rerun
        assert pending.request.widening.writable == (outside,)
        await sup.resolve(pending.request.call, True, "human")
        assert await sup.wait() == {"builder": "done"}
        assert target.read_text() == "yes\n"
        assert not logged(prepared, "sandbox.blocked")
        resolved = logged(prepared, "approval.resolved")[-1]
        assert resolved["data"]["widened"] == {"writable": [str(outside)]}
        _audit_clean(prepared)
    finally:
        await finish(prepared)


async def test_what_the_sandbox_masks_is_explained_and_never_offered(workspace: Path) -> None:
    (workspace / ".env").write_text("TOKEN=planted\n")
    prepared = await start(workspace, _script("cat .env"), ["builder"])
    sup = prepared.supervisor
    try:
        assert await sup.wait() == {"builder": "done"}
        assert not logged(prepared, "approval.requested")
        told = last_request_text(prepared, "builder")
        assert "planted" not in told
        assert "blocked by the sandbox (masked path)" in told
    finally:
        await finish(prepared)


async def test_unsandboxed_sessions_say_so_in_the_log(workspace: Path) -> None:
    prepared = await start(workspace, _script("echo hi"), ["builder"], no_sandbox=True)
    try:
        assert await prepared.supervisor.wait() == {"builder": "done"}
        (started,) = logged(prepared, "session.started")
        assert started["data"]["sandbox"] == "off (--no-sandbox)"
    finally:
        await finish(prepared)


async def test_sandboxed_sessions_name_the_bwrap_they_use(workspace: Path) -> None:
    prepared = await start(workspace, _script("echo hi"), ["builder"])
    try:
        assert await prepared.supervisor.wait() == {"builder": "done"}
        (started,) = logged(prepared, "session.started")
        assert started["data"]["sandbox"].startswith("bwrap /")
    finally:
        await finish(prepared)


async def test_a_program_cannot_rewrite_the_humans_plan(workspace: Path) -> None:
    """Found by trying it: a tier-2 program replaced a task's verify command with `true`,
    and update_task then marked the task done."""
    before = (workspace / "plan.md").read_text()
    rewrite = "python3 -c \"p='plan.md'; s=open(p).read(); open(p,'w').write(s + 'verify: true')\""
    prepared = await start(workspace, _script(rewrite), ["builder"])
    try:
        assert await prepared.supervisor.wait() == {"builder": "done"}
        assert (workspace / "plan.md").read_text() == before
        (blocked,) = logged(prepared, "sandbox.blocked")
        assert blocked["data"]["boundary"] == "read-only filesystem"
    finally:
        await finish(prepared)
