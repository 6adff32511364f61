"""`cockpit sandbox check`: what the sandbox allows and denies here, found by trying."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "sandbox", help="the OS sandbox: `sandbox check` tries escapes and says what holds"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check", help="try escapes through the sandbox and say which walls hold"
    )
    check.add_argument("--bwrap", default=None, help="the bwrap binary (default: on PATH)")
    check.add_argument(
        "--args", action="store_true", help="also print the bwrap arguments for this folder"
    )
    check.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    from cockpit.sandbox.local import LocalBwrap
    from cockpit.sandbox.paths import workspace_boundary
    from cockpit.sandbox.probe import require
    from cockpit.sandbox.trial import run_trials

    bwrap = require(args.bwrap)
    print(f"bwrap: {bwrap}")
    executor = LocalBwrap(bwrap)
    try:
        if args.args:
            boundary = workspace_boundary(Path.cwd(), os.environ)
            print(shlex.join(executor.args(["bash", "-c", "COMMAND"], Path.cwd(), boundary)))
        trials = run_trials(executor)
    finally:
        executor.close()
    width = max(len(t.name) for t in trials)
    for trial in trials:
        allowed = trial.name.endswith("(allowed)")
        verdict = (
            ("works" if trial.held else "FAILS")
            if allowed
            else ("denied" if trial.held else "ALLOWED")
        )
        detail = trial.detail.splitlines()[-1] if trial.detail else ""
        print(f"{trial.name:<{width}}  {verdict:<7}  {detail}")
    for line in _limits_lines():
        print(line)
    broken = [t.name for t in trials if not t.held]
    if broken:
        print(f"cockpit: the sandbox does not hold here: {', '.join(broken)}", file=sys.stderr)
        return 1
    return 0


def _limits_lines() -> list[str]:
    """How the process and memory limits hold on this machine: a fork bomb is stopped by
    RLIMIT_NPROC for a normal user; as root only a pids cgroup stops it."""
    from cockpit.sandbox import cgroup

    if not cgroup.needed():
        return [
            "process limit                         ulimit -u (this user's processes)",
            "memory limit                          ulimit -d (each process's data)",
        ]
    lines = [
        "process limit                         "
        + (
            "a pids cgroup per command"
            if cgroup.available()
            else "NONE: running as root with no writable pids cgroup (only the timeout "
            "stops a fork bomb); run cockpit as a normal user"
        )
    ]
    memory = "a memory cgroup per command" if cgroup.memory_available() else "ulimit -d only"
    lines.append(f"memory limit                          {memory}")
    return lines
