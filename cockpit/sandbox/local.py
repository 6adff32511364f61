"""`LocalBwrap`: the executor that runs a command through bubblewrap on this machine."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from cockpit.sandbox import cgroup
from cockpit.sandbox.blocked import recognise
from cockpit.sandbox.boundary import BlockedBy, Boundary, Outcome
from cockpit.sandbox.bwrap import bwrap_args

_CHUNK = 64 * 1024


class LocalBwrap:
    """Runs commands through `bwrap`; each call returns when every process it made is gone
    (the sandbox's PID namespace dies with its init, and a timeout kills that)."""

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

    def run(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        boundary: Boundary,
    ) -> Outcome:
        limits = boundary.limits
        info_read, info_write = os.pipe()
        args = self.args(argv, cwd, boundary)
        args[1:1] = ["--info-fd", str(info_write)]
        with cgroup.pids_limit(limits.processes) as join, os.fdopen(info_read, "rb") as info:
            proc = subprocess.Popen(
                args,
                pass_fds=(info_write,),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                preexec_fn=join,
            )
            os.close(info_write)
            output, dropped, timed_out = _collect(proc, limits.output_bytes, limits.timeout_s)
            if timed_out:
                _kill(proc, info.read())
            code = proc.wait()
        if timed_out:
            return Outcome(code, output, True, dropped, BlockedBy.TIMEOUT)
        blocked = recognise(code, output.decode("utf-8", errors="replace"), boundary)
        return Outcome(code, output, False, dropped, blocked)


def _collect(proc: subprocess.Popen[bytes], cap: int, timeout_s: float) -> tuple[bytes, int, bool]:
    """Read the output up to `cap` bytes (the rest read and counted, so a flood never
    stalls the command or fills the caller's memory) until EOF or the deadline."""
    assert proc.stdout is not None
    kept = bytearray()
    dropped = 0
    deadline = time.monotonic() + timeout_s
    fd = proc.stdout.fileno()
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.stdout.close()
                return bytes(kept), dropped, True
            if not sel.select(left):
                continue
            chunk = os.read(fd, _CHUNK)
            if not chunk:
                proc.stdout.close()
                return bytes(kept), dropped, False
            room = cap - len(kept)
            kept += chunk[:room] if room > 0 else b""
            dropped += max(len(chunk) - max(room, 0), 0)


def _kill(proc: subprocess.Popen[bytes], info: bytes) -> None:
    """Kill the sandbox's init (bwrap names it on --info-fd): the kernel ends every process
    in the namespace before the init is reaped, so bwrap's own exit, which follows, means
    all are gone. Then bwrap's process group, in case it never got that far."""
    with contextlib.suppress(ValueError, KeyError, TypeError, ProcessLookupError):
        os.kill(int(json.loads(info)["child-pid"]), signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def which_bwrap() -> str | None:
    return shutil.which("bwrap")
