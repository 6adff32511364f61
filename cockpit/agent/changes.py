"""What an agent changed: a short diff per file write, and its whole diff since the start.

Until agents get a worktree each, they share one working tree, so "what this agent
changed" is the files it wrote (with its file tools, or as the write targets of its shell
commands, as the policy read them) compared with the snapshot taken when the session
started. What else changed in the tree since then (another agent, the human, a program
whose writes cannot be read off its command line) is listed by name, not hidden.
"""

from __future__ import annotations

import difflib
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.errors import CockpitError
from cockpit.session.events import Event
from cockpit.session.kinds import PolicyDecided, SafeguardSnapshot, ToolFinished, ToolRequested

DIFF_LINES = 400
"""Lines of a file write's diff kept in its ``tool.finished`` event."""
DIFF_INPUT_CAP = 1_000_000
"""Characters of a file (before or after) beyond which no line diff is computed."""
WHOLE_DIFF_CAP = 2_000_000
"""Characters of an agent's whole diff shown."""
_FILE_TOOLS = frozenset({"write_file", "edit_file"})
_WATCHED = frozenset(
    c.kind for c in (SafeguardSnapshot, ToolRequested, PolicyDecided, ToolFinished)
)
"""The kinds that say what an agent wrote, and where the session started."""


@dataclass(frozen=True)
class TextDiff:
    text: str
    truncated: bool = False


def text_diff(path: str, before: str | None, after: str) -> TextDiff | None:
    """The unified diff of one file write (``before`` None: the file is new); None when
    the file is too large to diff here, or nothing changed."""
    if len(after) > DIFF_INPUT_CAP or (before is not None and len(before) > DIFF_INPUT_CAP):
        return None
    old = "/dev/null" if before is None else f"a/{path}"
    lines = list(
        difflib.unified_diff(
            (before or "").splitlines(keepends=True),
            after.splitlines(keepends=True),
            old,
            f"b/{path}",
            n=3,
        )
    )
    if not lines:
        return None
    lines = [line if line.endswith("\n") else line + "\n" for line in lines]
    if len(lines) > DIFF_LINES:
        return TextDiff("".join(lines[:DIFF_LINES]), truncated=True)
    return TextDiff("".join(lines))


def relative_path(root: Path, path: str) -> str:
    """``path`` relative to ``root`` (``/``-separated) when inside it, else as given."""
    absolute = path if os.path.isabs(path) else os.path.join(root, path)
    absolute = os.path.normpath(absolute)
    try:
        inside = os.path.commonpath([absolute, os.path.normpath(root)]) == os.path.normpath(root)
    except ValueError:
        inside = False
    if not inside:
        return absolute
    return os.path.relpath(absolute, root).replace(os.sep, "/")


class ChangeTracker:
    """The session's start snapshot and which files each agent wrote, read from the
    session's events as they are logged (or from the log, on resume): file-tool paths and
    the shell write targets that ``policy.decided`` records, once the call finished."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.base: str | None = None
        """The commit of the snapshot taken when the session started."""
        self._pending: dict[str, tuple[str, list[str]]] = {}  # call -> (agent, paths)
        self._written: dict[str, set[str]] = {}

    def apply(self, event: Event) -> None:
        if event.kind not in _WATCHED:  # most events: no body is read
            return
        body, call, agent = event.body, event.call, event.agent
        if isinstance(body, SafeguardSnapshot):
            if body.base and isinstance(body.commit, str):
                self.base = body.commit
            return
        if call is None or agent is None:
            return
        if isinstance(body, ToolRequested):
            raw = body.input
            path = raw.get("path") if isinstance(raw, dict) else None
            if body.tool in _FILE_TOOLS and isinstance(path, str):
                self._pending[call] = (agent, [path])
        elif isinstance(body, PolicyDecided):
            writes = [w for w in body.writes or () if isinstance(w, str)]
            if writes and call not in self._pending:
                self._pending[call] = (agent, writes)
        elif isinstance(body, ToolFinished):
            pending = self._pending.pop(call, None)
            if pending is not None and not body.error:
                writer, paths = pending
                mine = self._written.setdefault(writer, set())
                mine.update(relative_path(self.root, p) for p in paths)

    def files(self, agent: str) -> set[str]:
        return set(self._written.get(agent, ()))


@dataclass(frozen=True)
class AgentChanges:
    """An agent's changes against the snapshot taken when the session started."""

    agent: str
    base: str | None
    diff: str = ""
    files: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    problem: str | None = None
    truncated: bool = False


def agent_changes(
    root: Path, agent: str, base: str | None, tree: str | None, written: Iterable[str]
) -> AgentChanges:
    """Compare ``tree`` (the working tree now) with ``base``: the files ``agent`` wrote,
    as a diff, and the other changed files by name."""
    if base is None or tree is None:
        why = (
            "there is no snapshot of the session's start to compare with (not a git "
            "repository, or the snapshot failed: the log says which)"
        )
        return AgentChanges(agent, base, problem=why)
    changed = _git(root, "diff", "--no-renames", "--name-only", "-z", base, tree).split("\0")
    written = set(written)
    mine: list[str] = []
    others: list[str] = []
    for name in filter(None, changed):
        if name.startswith(".cockpit/"):
            continue  # cockpit's own files (the session log itself) are nobody's change
        covered = any(name == w or name.startswith(w.rstrip("/") + "/") for w in written)
        (mine if covered else others).append(name)
    diff = ""
    if mine:
        diff = _git(
            root,
            "diff",
            "--no-renames",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            base,
            tree,
            "--",
            *mine,
        )
    truncated = len(diff) > WHOLE_DIFF_CAP
    return AgentChanges(agent, base, diff[:WHOLE_DIFF_CAP], mine, others, None, truncated=truncated)


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        # Paths are names, not patterns (a file called `*.py` is that file), and what the
        # view shows is git's own diff: no external diff or textconv from the config.
        ["git", "--literal-pathspecs", "-C", str(root), "-c", "core.quotepath=off", *args],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise ChangesError(f"git {args[0]} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


class ChangesError(CockpitError):
    """git could not compare the trees."""
