"""`update_task`: the one way an agent edits plan.md, without ever clobbering the human.

An agent changes only its task's checkbox (``[x]`` when the state is ``done``, ``[ ]``
otherwise) and the task's ``status:`` line (replaced in place, or added after the task's
last ``verify:``/``status:`` line, or right under the checkbox). Every other byte, line
endings included, stays as it is on disk.
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.errors import ConfigError
from cockpit.plan.document import Plan, encode
from cockpit.plan.model import STATES, Task, TaskState
from cockpit.plan.parse import TASK_LINE, line_content

if TYPE_CHECKING:
    from cockpit.plan.watch import PlanWatcher

NOTE_LIMIT = 300
_ATTEMPTS = 3
# Agents in one cockpit update the same plan from several threads: one writer at a time per
# file, so an agent's update is never lost to another's read-modify-write.
_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(path, threading.Lock())


@dataclass(frozen=True)
class TaskUpdate:
    """What `update_task` did, with a message meant for the agent.

    ``outcome`` is ``written``, ``unchanged`` (the file already said so), ``conflict`` (the
    human edited the task since the agent's ``seen`` plan: nothing written, ``human_line``
    holds the task's lines as the human left them, or None if the task is gone), ``refused``
    (another agent's task, a bad state, an ambiguous reference) or ``unknown`` (no such task).
    ``plan`` is the plan as it now is on disk: the agent's next ``seen``.
    """

    outcome: str
    message: str
    task: Task | None = None
    plan: Plan | None = None
    human_line: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("written", "unchanged")

    @property
    def conflict(self) -> bool:
        return self.outcome == "conflict"


def status_line_text(state: str, note: str) -> str:
    """``status: doing — wiring the route``, or ``status: doing`` without a note."""
    return f"status: {state} — {note}" if note else f"status: {state}"


def clean_note(note: str | None) -> str:
    """One line, single-spaced, at most `NOTE_LIMIT` characters."""
    text = " ".join((note or "").split())
    return text if len(text) <= NOTE_LIMIT else text[: NOTE_LIMIT - 1] + "…"


def _ending(line: str) -> str:
    return line[len(line_content(line)) :]


def _dominant_ending(lines: list[str]) -> str:
    crlf = sum(1 for line in lines if line.endswith("\r\n"))
    lf = sum(1 for line in lines if line.endswith("\n"))
    return "\r\n" if crlf * 2 > lf else "\n"


def apply_status(plan: Plan, task: Task, state: str, note: str) -> str:
    """The plan's text with ``task``'s checkbox and status line set; nothing else changed."""
    lines = list(plan.lines)
    index = task.line - 1
    text = line_content(lines[index])
    match = TASK_LINE.match(text)
    if match is None:  # the scanner made this task from this very line
        raise AssertionError(f"line {task.line} is no task line")
    mark = match["mark"]
    new_mark = (mark if mark in "xX" else "x") if state == TaskState.DONE else " "
    at = match.start("mark")
    lines[index] = text[:at] + new_mark + text[at + 1 :] + _ending(lines[index])
    if task.status_line is not None:
        old = lines[task.status_line - 1]
        content = line_content(old)
        indent = content[: len(content) - len(content.lstrip(" \t"))]
        key = content[len(indent) :].split(":", 1)[0]
        value = status_line_text(state, note).split(":", 1)[1]
        lines[task.status_line - 1] = f"{indent}{key}:{value}{_ending(old)}"
        return "".join(lines)
    attributes = [n for n in task.block if n != task.line]
    if attributes:
        first = line_content(lines[attributes[0] - 1])
        indent = first[: len(first) - len(first.lstrip(" \t"))]
    else:
        lead = text[: len(text) - len(text.lstrip(" \t"))]
        title_at = (match.end("mark") + 1 if match["rest"] is None else match.start("rest")) + 1
        indent = lead + " " * (title_at - len(lead))
    after = max(task.block) - 1
    ending = _ending(lines[after])
    new_line = indent + status_line_text(state, note)
    if ending.endswith("\n"):
        lines.insert(after + 1, new_line + ending)
    else:  # the task ends the file without a final newline: keep it that way
        lines[after] += "\n" if ending else _dominant_ending(lines)
        lines.insert(after + 1, new_line + ending)
    return "".join(lines)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the plan: {err.strerror or err}") from err


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` via a temporary file and a rename, keeping its mode."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = 0o644
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".cockpit", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, mode)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as err:
        raise ConfigError(f"{path}: cannot write the plan: {err.strerror or err}") from err


def _unknown(plan: Plan, ref: str) -> TaskUpdate:
    close = plan.close_matches(ref)
    if close:
        hint = "; close matches: " + ", ".join(task.describe() for task in close)
    elif plan.tasks:
        hint = "; tasks: " + ", ".join(task.describe() for task in plan.tasks[:10])
    else:
        hint = "; the plan has no tasks"
    return TaskUpdate("unknown", f"no task matches {ref!r} in {plan.path.name}{hint}", plan=plan)


def _decide(
    current: Plan, ref: str, state: str, note: str, agent: str, seen: Plan | None
) -> TaskUpdate | tuple[Task, str]:
    """Either the refusal/conflict to report, or the task to edit and the new text."""
    found = current.matches(ref)
    if len(found) > 1:
        names = ", ".join(task.describe() for task in found[:5])
        return TaskUpdate(
            "refused", f"{ref!r} matches several tasks: {names}; use the id", plan=current
        )
    if not found:
        earlier = seen.find_task(ref) if seen is not None else None
        if earlier is not None:
            message = (
                f"the human removed or retitled {earlier.describe()} since you last read the "
                "plan; their version stands and nothing was written"
            )
            return TaskUpdate("conflict", message, plan=current)
        return _unknown(current, ref)
    task = found[0]
    if task.owner is not None and task.owner != agent:
        message = (
            f"{task.describe()} belongs to @{task.owner}, not @{agent}: only its owner updates it"
        )
        return TaskUpdate("refused", message, task=task, plan=current)
    if seen is not None:
        earlier = seen.task(task.id) or seen.find_task(ref)
        if earlier is None or seen.block_text(earlier) != current.block_text(task):
            human = current.block_text(task)
            message = (
                "the human edited this task since you last read the plan; their version "
                f"stands and nothing was written. It now reads:\n{human}"
            )
            return TaskUpdate("conflict", message, task=task, plan=current, human_line=human)
    return task, apply_status(current, task, state, note)


def update_task(
    path: Path,
    ref: str,
    status: str,
    note: str | None,
    *,
    agent: str,
    seen: Plan | None,
    watcher: PlanWatcher | None = None,
) -> TaskUpdate:
    """Set the state (and note) of ``agent``'s task ``ref`` in the plan at ``path``.

    Re-reads the file first. ``seen`` is the plan the agent last saw (None skips the check):
    if the task's lines differ from it now, the human wins. ``watcher``, when given, is told
    about the write before it lands so it does not report it as a human edit.

    Raises:
        ConfigError: the plan cannot be read or written.
    """
    state = status.strip().lower()
    if state not in STATES:
        return TaskUpdate("refused", f"unknown status {status!r}; use {', '.join(STATES)}")
    text_note = clean_note(note)
    target = Path(os.path.realpath(path))
    with _lock_for(target):
        return _update(path, target, ref, state, text_note, agent, seen, watcher)


def _update(
    path: Path,
    target: Path,
    ref: str,
    state: str,
    text_note: str,
    agent: str,
    seen: Plan | None,
    watcher: PlanWatcher | None,
) -> TaskUpdate:
    for _ in range(_ATTEMPTS):
        data = _read(target)
        current = Plan.parse(data, path)
        decided = _decide(current, ref, state, text_note, agent, seen)
        if isinstance(decided, TaskUpdate):
            return decided
        task, text = decided
        new_data = encode(text)
        if new_data == data:
            return TaskUpdate("unchanged", f"{task.describe()} already says {state}", task, current)
        if _read(target) != data:
            continue  # someone saved meanwhile: decide again on what they wrote
        written = Plan.parse(new_data, path)
        if watcher is not None:
            watcher.note_own_write(written)
        write_atomic(target, new_data)
        now = written.task(task.id)
        return TaskUpdate("written", f"{task.describe()} is now {state}", now, written)
    message = "the plan kept changing while updating it; read it again and retry"
    return TaskUpdate("conflict", message, plan=load_current(path))


def load_current(path: Path) -> Plan:
    """The plan as it is on disk now (a missing file is empty)."""
    return Plan.parse(_read(Path(os.path.realpath(path))), path)
