"""What a log must satisfy beyond its chain: one verdict for audit, resume and replay.

The chain (`cockpit.session.chain`) checks each line against the one before, and with the
user's key each line's ``mac``. What is left is the end of the log, which the lines alone
cannot vouch for: a head file rolled back behind a clean ``session.ended`` (a clean end
writes the head durably), the anchor outside the workspace (a log that ends before it was
cut), a keyed session whose log came back unkeyed, and bytes after the last line that are
not the start of a line the writer was writing when it crashed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cockpit.errors import LogError
from cockpit.session.chain import (
    ChainCheck,
    Head,
    LineProblem,
    Visitor,
    check_chain,
    head_bad_line,
    head_path,
    head_status,
    open_log,
    read_head,
)
from cockpit.session.keys import ANCHORS, Anchor, LogKey, anchor_path, load_key, read_anchor

Kind = Literal["keyed", "unkeyed", "foreign", "empty"]

KIND_TEXT: dict[str, str] = {
    "keyed": "keyed with this user's key: no line can be added, changed, removed or moved "
    "without it, and the end is anchored outside the workspace",
    "unkeyed": "unkeyed: protects against accidents only (a log begun before keyed chains)",
    "foreign": "keyed, but this user cannot verify the keys (another user's or machine's "
    "key): only the plain chain was checked, which protects against accidents only",
    "empty": "no events yet",
}


@dataclass
class Verdict:
    """What one verification of a log found."""

    kind: Kind
    kind_detail: str
    check: ChainCheck
    head: str  # HeadStatus, or "unchecked" when the chain broke first
    head_detail: str
    anchor_detail: str
    problem: LineProblem | None

    @property
    def valid(self) -> bool:
        return self.problem is None


def verify_log(path: Path, visit: Visitor | None = None, *, live: bool = False) -> Verdict:
    """Verify ``path`` the way `cockpit audit` does, calling ``visit`` per good event.

    ``live``: a writer may still be closing the log (a follower saw its session.ended
    before the writer rewrote the head), so a head behind that end is not held against it.
    LogError when the log cannot be read at all.
    """
    key_note = ""
    try:
        key = load_key(create=False)
    except LogError as exc:
        key, key_note = None, f" ({exc})"
    # The anchor before the head, and both before the chain: a live writer writes the
    # head file, then the anchor, so read in this order they never look rolled back.
    first = _first_session(path)
    anchor, anchor_error = _anchor(key, first)
    head_unreadable = ""
    try:
        head = read_head(head_path(path))
    except LogError as exc:
        head, head_unreadable = None, str(exc)
    check = check_chain(path, visit, head=head, key=key)
    session = check.session or first
    if session != first:
        anchor, anchor_error = _anchor(key, session)
    kind: Kind
    if (
        check.problem is not None
        and check.problem.unsigned
        and check.events == 0
        and anchor is None
        and anchor_error is None
    ):
        # Not one line verifies and this user's cockpit never anchored the session: it
        # was keyed elsewhere. Only the plain chain can be checked here.
        check = check_chain(path, visit, head=head)
        kind = "foreign"
    elif check.keyed:
        kind = "keyed" if key is not None else "foreign"
    else:
        kind = "unkeyed" if check.keyed is False else "empty"
    detail = KIND_TEXT[kind]
    if kind == "foreign" and key is None:
        detail += "; this user has no log key" + key_note
    verdict = Verdict(kind, detail, check, "unchecked", "", "", check.problem)
    replaced = (
        replaced_problem(key, path, session) if anchor is None and anchor_error is None else None
    )
    if replaced is not None:
        verdict.head, verdict.head_detail = "unchecked", "the log was replaced or emptied"
        verdict.problem = replaced
        return verdict
    if check.problem is not None:
        verdict.head_detail = head_unreadable or "the chain is broken before the end"
        verdict.head = "unreadable" if head_unreadable else "unchecked"
        return verdict
    if head_unreadable:
        verdict.head, verdict.head_detail = "unreadable", head_unreadable
        verdict.problem = LineProblem(check.events + 1, None, head_unreadable)
        return verdict
    status, why = head_status(check, head)
    verdict.head, verdict.head_detail = status, why
    if status not in ("ok", "behind"):
        line = head_bad_line(check, head, status)
        verdict.problem = LineProblem(
            line or check.events + 1, (line - 1) if line is not None else None, why
        )
        return verdict
    if anchor_error is not None:
        verdict.anchor_detail = anchor_error
        verdict.problem = LineProblem(check.events + 1, None, anchor_error)
        return verdict
    verdict.anchor_detail = _anchor_text(kind, anchor, key)
    verdict.problem = end_problem(check, head, anchor, live=live)
    return verdict


def open_problem(
    path: Path, check: ChainCheck, head: Head | None, key: LogKey | None
) -> LineProblem | None:
    """What keeps a log with a verified chain from being continued (`SessionLog.open`)."""
    session = check.session or _first_session(path)
    anchor, anchor_error = _anchor(key, session)
    if anchor_error is not None:
        return LineProblem(check.events + 1, None, anchor_error)
    if anchor is None:
        replaced = replaced_problem(key, path, session)
        if replaced is not None:
            return replaced
    if head is None and anchor is not None:
        # The anchor is written after the head: a head missing beside one was removed, and
        # continuing would write a new one over the evidence.
        return LineProblem(
            check.events + 1,
            None,
            f"head file missing, though this user's anchor records seq {anchor.seq}: it was "
            "removed",
        )
    return end_problem(check, head, anchor)


def end_problem(
    check: ChainCheck, head: Head | None, anchor: Anchor | None, *, live: bool = False
) -> LineProblem | None:
    """The first problem at the end of a log whose lines are all good, or None (``live``:
    see `verify_log`)."""
    last = check.last_seq
    torn = check.torn
    if torn is not None and not torn.crash_like:
        return LineProblem(
            torn.line,
            None,
            f"{torn.size} bytes after the last line that are not the start of an event "
            "(a crash leaves only the start of the next line): they were put there",
        )
    if torn is not None and check.last_ended == last and last >= 0:
        return LineProblem(
            torn.line,
            None,
            f"{torn.size} bytes after a clean session.ended (seq {last}): nothing is "
            "written after a session ends",
        )
    if anchor is not None:
        if check.keyed is False:
            return LineProblem(
                1,
                0,
                f"this user's cockpit wrote session {anchor.session} keyed (its anchor says "
                f"seq {anchor.seq}), but this log is unkeyed: it was rewritten",
            )
        if anchor.seq > last:
            return LineProblem(
                last + 2,
                last + 1,
                f"log ends at seq {last} but this user's anchor (kept outside the workspace) "
                f"says seq {anchor.seq}: {anchor.seq - last} event(s) were cut from the end",
            )
        if anchor.seq == last and anchor.digest != check.last_digest:
            return LineProblem(
                last + 1, last, "the last line is not the one this user's anchor records"
            )
        if head is not None and head.seq < anchor.seq:
            return LineProblem(
                head.seq + 2,
                head.seq + 1,
                f"head file is at seq {head.seq}, behind this user's anchor at seq "
                f"{anchor.seq}: the head file was rolled back",
            )
    if head is not None and head.seq < check.last_ended and not live:
        return LineProblem(
            head.seq + 2,
            head.seq + 1,
            f"head file is at seq {head.seq} but the session ended cleanly at seq "
            f"{check.last_ended} (a clean end writes the head): the head file was rolled back",
        )
    return None


def _anchor(key: LogKey | None, session: str | None) -> tuple[Anchor | None, str | None]:
    if key is None or session is None:
        return None, None
    try:
        return read_anchor(key, session), None
    except LogError as exc:
        return None, str(exc)


def replaced_problem(key: LogKey | None, path: Path, session: str | None) -> LineProblem | None:
    """A log this user's cockpit anchored under another session, or emptied: rewritten
    whole (an unkeyed or unverifiable log under a new session name, or no events and a head
    at seq -1, passes every other check)."""
    if key is None:
        return None
    where = os.path.realpath(path)
    for file in sorted((key.folder / ANCHORS).glob("*.json")):
        try:
            named = json.loads(file.read_bytes()).get("session")
            anchor = read_anchor(key, named) if isinstance(named, str) else None
        except (OSError, ValueError, AttributeError, LogError):
            continue  # not one of this user's anchors: it proves nothing
        if anchor is None or anchor.log != where or anchor.session == session:
            continue
        if session is None and anchor.seq >= 0:
            return LineProblem(
                1,
                0,
                f"the log is empty, but this user's anchor says it held session "
                f"{anchor.session} up to seq {anchor.seq}: every event was cut",
            )
        if session is not None:
            return LineProblem(
                1,
                0,
                f"this user's cockpit wrote this log as session {anchor.session} (its anchor "
                f"says seq {anchor.seq}), but it now holds session {session}: it was "
                "replaced",
            )
    return None


def _anchor_text(kind: Kind, anchor: Anchor | None, key: LogKey | None) -> str:
    if anchor is not None:
        return f"agrees: this user's anchor for the session is at seq {anchor.seq}"
    if kind == "keyed" and key is not None:
        return (
            f"none for this session in {anchor_path(key, 'x').parent}: "
            "a cut-off tail is only caught by the head file"
        )
    return "not checked"


def _first_session(path: Path) -> str | None:
    """The session named by the log's first line, however damaged the rest is."""
    try:
        with open_log(path) as f:
            first = f.readline()
        obj = json.loads(first)
    except (LogError, ValueError):
        return None
    session = obj.get("session") if isinstance(obj, dict) else None
    return session if isinstance(session, str) and session else None


def first_problem(path: Path) -> LineProblem | None:
    """The first thing `cockpit audit` refuses in ``path``, or None (replay's check)."""
    return verify_log(path).problem


__all__ = [
    "Verdict",
    "end_problem",
    "first_problem",
    "open_problem",
    "replaced_problem",
    "verify_log",
]
