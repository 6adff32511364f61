"""`cockpit audit` and `cockpit log show`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from cockpit.errors import LogCorruptError, LogError
from cockpit.safe_text import visible
from cockpit.session.audit import audit
from cockpit.session.chain import parse_line
from cockpit.session.events import GENESIS, SESSION_ENDED, Event, digest
from cockpit.session.show import audit_lines, format_line


def register(sub: Any) -> None:
    p = sub.add_parser(
        "audit",
        help="verify a session log and report what ran and who allowed it",
        description=(
            "Verify a session log's hash chain, seq and head file, and report tiers, "
            "approvals, denials and every command run. Exit 0 when valid, 1 otherwise."
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
        "--follow", "-f", action="store_true", help="keep printing events as they are written"
    )
    show.set_defaults(handler=_log_show)


def _audit(args: argparse.Namespace) -> int:
    path: Path = args.log
    try:
        report = audit(path)
    except LogError as exc:
        if args.json:
            print(json.dumps({"path": str(path), "valid": False, "reason": str(exc)}))
        else:
            print(f"INVALID: {visible(str(exc))}")  # it may quote the damaged line
        return 1
    try:  # streamed: a report of a 1M-event log is printed in flat memory
        if args.json:
            report.write_json(sys.stdout)
        else:
            for line in audit_lines(report):
                print(line)
    finally:
        report.close()
    return 0 if report.valid else 1


def _log_show(args: argparse.Namespace) -> int:
    path: Path = args.log
    follower = _Follower(path)
    ended = follower.print_available()
    if not args.follow:
        return 0
    while not ended:
        time.sleep(0.2)
        ended = follower.print_available()
    return 0


class _Follower:
    """Prints complete lines as they appear, checking the chain as it goes."""

    def __init__(self, path: Path) -> None:
        if path.is_dir():
            raise LogError(f"{path}: is a directory, not a log file")
        if not path.is_file():
            raise LogError(f"{path}: no such log file")
        self.path = path
        self.offset = 0
        self.seq = 0
        self.prev = GENESIS
        self.session: str | None = None

    def print_available(self) -> bool:
        """Print the new complete lines; True once the session has ended."""
        ended = False
        with self.path.open("rb") as f:
            f.seek(self.offset)
            for raw in f:
                if not raw.endswith(b"\n"):
                    break  # being written right now: read it next time
                line = raw[:-1]
                obj = parse_line(line, self.seq, self.prev, self.session, json.loads)
                if isinstance(obj, str):
                    raise LogCorruptError(str(self.path), self.seq + 1, obj)
                event = Event.from_obj(obj)
                print(format_line(event), flush=True)
                self.session = event.session
                self.offset += len(raw)
                self.seq += 1
                self.prev = digest(line)
                ended = ended or event.kind == SESSION_ENDED
        return ended
