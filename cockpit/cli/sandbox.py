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
    broken = [t.name for t in trials if not t.held]
    if broken:
        print(f"cockpit: the sandbox does not hold here: {', '.join(broken)}", file=sys.stderr)
        return 1
    return 0
