"""`cockpit audit` and `cockpit log show`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from cockpit.errors import LogCorruptError, LogError
from cockpit.safe_text import visible
from cockpit.session.audit import audit
from cockpit.session.chain import parse_line
from cockpit.session.events import GENESIS, Event, digest
from cockpit.session.kinds import SessionEnded
from cockpit.session.show import audit_lines, format_line
from cockpit.session.verify import verify_log


def register(sub: Any) -> None:
    p = sub.add_parser(
        "audit",
        help="verify a session log and report what ran and who allowed it",
        description=(
            "Verify a session log's keyed hash chain, seq, head file and anchor, and report "
            "tiers, approvals, denials, every command run and every violation (what ran "
            "without permission). Exit 0 when valid, 1 when invalid or a violation is "
            "found, 3 when the log is keyed with a key this user does not hold (only the "
            "plain chain could be checked)."
        ),
    )
    p.add_argument("log", type=Path, metavar="LOG", help="a .cockpit/sessions/<session>.jsonl")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=_audit)

    log = sub.add_parser("log", help="read session logs", description="Read session logs.")
    log_sub = log.add_subparsers(dest="log_command", metavar="COMMAND", required=True)
    show = log_sub.add_parser(
        "show",
        help="print a log one event a line",
        description="Print a log as TIMESTAMP | STATE | ITERATION | ACTION | RESULT | ARTIFACTS.",
    )
    show.add_argument("log", type=Path, metavar="LOG")
    show.add_argument(
        "--kind",
        metavar="KINDS",
        help="only events whose kind starts with one of these, comma-separated "
        "(`--kind phase,task.state,strategy,task.escalated`: how the plan's work moved)",
    )
    show.add_argument(
        "--follow", "-f", action="store_true", help="keep printing events as they are written"
    )
    show.set_defaults(handler=_log_show)


def _audit(args: argparse.Namespace) -> int:
    path: Path = args.log
    try:
        report = audit(path)
    except LogError as exc:
        return _printed(
            json.dumps({"path": str(path), "valid": False, "reason": str(exc)})
            if args.json
            else f"INVALID: {visible(str(exc))}",  # it may quote the damaged line
            code=1,
        )
    code = report.exit_code  # decided before printing: a reader that goes away changes nothing
    try:  # streamed: a report of a 1M-event log is printed in flat memory
        if args.json:
            report.write_json(sys.stdout)
        else:
            for line in audit_lines(report):
                print(line)
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
    finally:
        report.close()
    return code


def _printed(text: str, *, code: int) -> int:
    try:
        print(text, flush=True)
    except BrokenPipeError:
        _quiet_stdout()
    return code


def _quiet_stdout() -> None:
    """`cockpit audit x | head -1`: the reader went away. The verdict still decides the
    exit code, and nothing more is written (not even at interpreter exit)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _log_show(args: argparse.Namespace) -> int:
    path: Path = args.log
    kinds = tuple(k.strip() for k in (args.kind or "").split(",") if k.strip())
    follower = _Follower(path, kinds)
    ended = follower.print_available()  # a damaged line stops it: one line, exit 2
    if args.follow:
        while not ended:
            time.sleep(0.2)
            ended = follower.print_available()
    verdict = verify_log(path, live=args.follow)
    problem, torn = verdict.problem, verdict.check.torn
    if problem is not None and verdict.head == "missing" and problem.reason == verdict.head_detail:
        problem = None  # no head file (a log from another tool): nothing to say it was cut
    if problem is not None:
        cut = "cut from the end" in problem.reason or "rolled back" in problem.reason
        what = "CUT" if cut else ("TORN" if torn and problem.line == torn.line else "BROKEN")
        print(f"-- {what} at line {problem.line}: {problem.reason}", flush=True)
        return 1
    if torn is not None:
        print(
            f"-- TORN at line {torn.line}: {torn.size} bytes of a line never completed "
            "(a crash mid-write); `cockpit resume` cuts and records it",
            flush=True,
        )
        return 1
    return 0


class _Follower:
    """Prints complete lines as they appear, checking the chain as it goes."""

    def __init__(self, path: Path, kinds: tuple[str, ...] = ()) -> None:
        if path.is_dir():
            raise LogError(f"{path}: is a directory, not a log file")
        if not path.is_file():
            raise LogError(f"{path}: no such log file")
        self.path = path
        self.kinds = kinds
        """Print only events whose kind starts with one of these (every event: empty)."""
        self.offset = 0
        self.seq = 0
        self.prev = GENESIS
        self.session: str | None = None
        self.torn = False  # bytes after the last complete line, last time we looked

    def print_available(self) -> bool:
        """Print the new complete lines; True once the session has ended."""
        ended = False
        with self.path.open("rb") as f:
            f.seek(self.offset)
            self.torn = False
            for raw in f:
                if not raw.endswith(b"\n"):
                    self.torn = True
                    break  # being written right now: read it next time
                line = raw[:-1]
                obj = parse_line(line, self.seq, self.prev, self.session, json.loads)
                if isinstance(obj, str):
                    raise LogCorruptError(str(self.path), self.seq + 1, obj)
                event = Event.from_obj(obj)
                if not self.kinds or event.kind.startswith(self.kinds):
                    print(format_line(event), flush=True)
                self.session = event.session
                self.offset += len(raw)
                self.seq += 1
                self.prev = digest(line)
                ended = ended or event.kind == SessionEnded.kind
        return ended
