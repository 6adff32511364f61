"""`LocalBwrap`: the executor that runs a command through bubblewrap on this machine."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import tempfile
from pathlib import Path

from cockpit.sandbox import cgroup
from cockpit.sandbox.blocked import recognise
from cockpit.sandbox.boundary import Boundary, Outcome, OutputSink
from cockpit.sandbox.bwrap import bwrap_args
from cockpit.sandbox.streams import Streamed, stream_until_done


class LocalBwrap:
    """Runs commands through `bwrap`; each call returns when every process it made is gone
    (the sandbox's PID namespace dies with its init, and a timeout kills that)."""

    sandboxed = True

    def __init__(self, bwrap: str = "bwrap") -> None:
        self.bwrap = bwrap
        self._masks = tempfile.TemporaryDirectory(prefix="cockpit-sandbox-masks-")
        mask_dir = Path(self._masks.name)
        (mask_dir / "file").touch(mode=0o000)
        (mask_dir / "dir").mkdir(mode=0o000)
        self.mask_dir = mask_dir

    def close(self) -> None:
        with contextlib.suppress(OSError):
            (self.mask_dir / "dir").chmod(0o700)
        self._masks.cleanup()

    def args(self, argv: list[str], cwd: Path, boundary: Boundary) -> list[str]:
        return bwrap_args(boundary, argv, cwd, self.mask_dir, self.bwrap)

    async def execute(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        boundary: Boundary,
        output: OutputSink | None = None,
    ) -> Outcome:
        limits = boundary.limits
        info_read, info_write = os.pipe()
        os.set_blocking(info_read, False)
        args = self.args(argv, cwd, boundary)
        args[1:1] = ["--info-fd", str(info_write)]
        try:
            with cgroup.limits(limits.processes, limits.memory_bytes) as join:
                try:
                    proc = await asyncio.create_subprocess_exec(
                        *args,
                        pass_fds=(info_write,),
                        stdin=asyncio.subprocess.DEVNULL,
                        stdout=asyncio.subprocess.PIPE,
                        stderr=asyncio.subprocess.STDOUT,
                        env=env,
                        start_new_session=True,
                        preexec_fn=join,
                    )
                finally:
                    os.close(info_write)
                streamed = await stream_until_done(
                    proc, limits, output, kill=lambda: _kill(proc, info_read)
                )
        finally:
            os.close(info_read)
        return _outcome(streamed, boundary)

    def run(
        self, argv: list[str], *, cwd: Path, env: dict[str, str], boundary: Boundary
    ) -> Outcome:
        """`execute`, for callers without an event loop (`sandbox check`, benchmarks)."""
        return asyncio.run(self.execute(argv, cwd=cwd, env=env, boundary=boundary))


def _outcome(streamed: Streamed, boundary: Boundary) -> Outcome:
    blocked = streamed.stopped_by or recognise(
        streamed.exit_code, streamed.kept.decode("utf-8", errors="replace"), boundary
    )
    return Outcome(
        streamed.exit_code,
        streamed.kept,
        streamed.timed_out,
        streamed.dropped,
        blocked,
    )


def _kill(proc: asyncio.subprocess.Process, info_fd: int) -> None:
    """Kill the sandbox's init (bwrap names it on --info-fd): the kernel ends every process
    in the namespace before the init is reaped, so bwrap's own exit, which follows, means
    all are gone. Then bwrap's process group, in case it never got that far."""
    info = b""
    with contextlib.suppress(OSError):
        info = os.read(info_fd, 4096)
    with contextlib.suppress(ValueError, KeyError, TypeError, ProcessLookupError):
        os.kill(int(json.loads(info)["child-pid"]), signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def which_bwrap() -> str | None:
    return shutil.which("bwrap")
