"""`Unsandboxed`: the executor for a user who chose `--no-sandbox` or `sandbox: off`.

Same interface and limits as `LocalBwrap` (timeout, output, a grace period for background
jobs holding the output open), but the command runs with the user's full authority: the
session header says UNSANDBOXED and the log records it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

from cockpit.sandbox.blocked import recognise
from cockpit.sandbox.boundary import Boundary, Outcome, OutputSink
from cockpit.sandbox.streams import stream_until_done


class Unsandboxed:
    sandboxed = False

    async def execute(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        boundary: Boundary,
        output: OutputSink | None = None,
    ) -> Outcome:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own process group: we can kill all of it
        )

        def kill() -> None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

        streamed = await stream_until_done(proc, boundary.limits, output, kill)
        # A background job in the group outlives the command's exit here; end it with the
        # call, as the sandbox's PID namespace does.
        kill()
        blocked = streamed.stopped_by or recognise(
            streamed.exit_code, streamed.kept.decode("utf-8", errors="replace"), boundary
        )
        return Outcome(
            streamed.exit_code, streamed.kept, streamed.timed_out, streamed.dropped, blocked
        )

    def close(self) -> None:
        """Nothing to clean up (same shape as `LocalBwrap`)."""
