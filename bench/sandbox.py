"""Sandbox overhead per command: `bash -c true` through `LocalBwrap` against the same
command bare, in one run, interleaved so both see the same machine load. Goal: under
15 ms added at p50. The boundary is built once (as a session would per command, its lists
are cached by the caller); each sandboxed call includes its pids cgroup where one is made.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from cockpit.sandbox.local import LocalBwrap
from cockpit.sandbox.paths import workspace_boundary

GOAL_ADDED_P50_MS = 15.0


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def run(quick: bool = False) -> dict[str, Any]:
    rounds = 30 if quick else 200
    base = Path(tempfile.mkdtemp(prefix="cockpit-bench-sandbox-", dir="/var/tmp"))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(base)}
    executor = LocalBwrap()
    try:
        boundary = workspace_boundary(base, env)
        bare: list[float] = []
        boxed: list[float] = []
        argv = ["bash", "-c", "true"]
        for _ in range(rounds):
            start = time.perf_counter()
            subprocess.run(argv, cwd=base, env=env, check=True)
            bare.append(_ms(start))
            start = time.perf_counter()
            done = executor.run(argv, cwd=base, env=env, boundary=boundary)
            boxed.append(_ms(start))
            if done.exit_code != 0:
                raise RuntimeError(f"sandboxed `bash -c true` failed: {done.text.strip()}")
        bare_p50, boxed_p50 = statistics.median(bare), statistics.median(boxed)
        added = boxed_p50 - bare_p50
        return {
            "command": "bash -c true",
            "rounds": rounds,
            "bare_p50_ms": round(bare_p50, 2),
            "sandboxed_p50_ms": round(boxed_p50, 2),
            "added_p50_ms": round(added, 2),
            "sandboxed_p99_ms": round(sorted(boxed)[int(len(boxed) * 0.99) - 1], 2),
            "bwrap_args": executor.args(argv, base, boundary),
            "goals_met": {f"added_p50<{GOAL_ADDED_P50_MS:g}ms": added < GOAL_ADDED_P50_MS},
        }
    finally:
        executor.close()
        shutil.rmtree(base, ignore_errors=True)
