"""What the sandbox allows and denies on this machine, found by trying: each trial runs a
real escape through the executor and reports whether the wall held."""

from __future__ import annotations

import os
import secrets
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cockpit.sandbox.boundary import Boundary, Limits
from cockpit.sandbox.local import LocalBwrap


@dataclass(frozen=True)
class Trial:
    name: str
    held: bool
    detail: str


def _env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}


def run_trials(executor: LocalBwrap) -> list[Trial]:
    """Write outside, read a masked file, reach 127.0.0.1, see the parent's environment,
    outlive the call, and write inside (which must work)."""
    with tempfile.TemporaryDirectory(prefix="cockpit-sandbox-check-", dir="/var/tmp") as base:
        root = Path(base)
        workspace, outside = root / "workspace", root / "outside"
        workspace.mkdir()
        outside.mkdir()
        secret = outside / "credentials"
        secret.write_text("not for agents\n")
        marker = f"COCKPIT_CHECK_{secrets.token_hex(4)}"
        os.environ[marker] = "parent-only"
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        boundary = Boundary(
            workspace=workspace,
            home=outside,
            masked=(secret,),
            limits=Limits(timeout_s=10),
        )

        def sh(cmd: str) -> tuple[int, str]:
            done = executor.run(["bash", "-c", cmd], cwd=workspace, env=_env(), boundary=boundary)
            return done.exit_code, done.text.strip()

        try:
            trials = []
            code, said = sh(f"echo x > {outside}/written")
            trials.append(
                Trial("write outside the workspace", not (outside / "written").exists(), said)
            )
            code, said = sh(f"cat {secret}")
            trials.append(
                Trial("read a masked credentials file", "not for agents" not in said, said)
            )
            code, said = sh(f"echo > /dev/tcp/127.0.0.1/{port}")
            trials.append(Trial(f"reach 127.0.0.1:{port}", code != 0, said))
            code, said = sh(f"cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c {marker}")
            seen = said not in ("0", "")
            trials.append(
                Trial("see cockpit's environment in /proc", not seen, f"{said or 0} show it")
            )
            nap = f"1000.{secrets.randbelow(10**6)}"
            sh(f"nohup sleep {nap} >/dev/null 2>&1 &")
            alive = _still_running(nap)
            trials.append(
                Trial("outlive the call (nohup ... &)", not alive, f"{alive} left running")
            )
            code, said = sh("echo ok > inside && cat inside")
            trials.append(Trial("write inside the workspace (allowed)", said == "ok", said))
        finally:
            listener.close()
            del os.environ[marker]
        return trials


def _running_with_arg(arg: str) -> int:
    """How many processes on this machine have `arg` on their command line."""
    count = 0
    for proc in Path("/proc").iterdir():
        try:
            if arg.encode() in (proc / "cmdline").read_bytes().split(b"\0"):
                count += 1
        except OSError:
            continue
    return count


def _still_running(arg: str, within_s: float = 2.0) -> int:
    """Processes with `arg` still there after a moment: a process the kernel is ending as
    the call returns is not one that outlived it."""
    deadline = time.monotonic() + within_s
    while (alive := _running_with_arg(arg)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return alive
