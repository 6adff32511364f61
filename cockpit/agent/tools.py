"""The tools an agent may call: their schemas, input checks, and how they run.

`update_task` and `report_blocked` change the session itself, so the runtime handles them;
everything here touches only the workspace.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cockpit.agent.changes import DIFF_INPUT_CAP, relative_path, text_diff
from cockpit.agent.output import MARGIN, OUTPUT_CAP, OutputCollector, OutputSink, cap_output
from cockpit.config.settings import SandboxSettings
from cockpit.plan.model import TaskState
from cockpit.sandbox.boundary import NO_WIDENING, BlockedBy, Boundary, Executor, Limits, Widening
from cockpit.sandbox.files import FileWalls, WallError
from cockpit.sandbox.git_guard import GitControl
from cockpit.sandbox.paths import workspace_boundary
from cockpit.sandbox.pids import alive
from cockpit.session.kinds import ToolFinished
from cockpit.session.log import SessionLog

READ_CAP = 200_000  # characters read_file returns
LIST_CAP = 500  # entries list_files returns
_SKIP_DIRS = frozenset({".git", ".cockpit", "node_modules", ".venv", "__pycache__", ".mypy_cache"})


def _schema(description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "description": description,
        "input_schema": {"type": "object", "properties": properties, "required": required},
    }


_STR = {"type": "string"}
TOOL_SCHEMAS: dict[str, dict[str, Any]] = {
    "bash": _schema(
        "Run a bash command in the workspace root. Every command passes cockpit's policy: "
        "safe ones run at once, risky ones after a git snapshot, critical ones (network, "
        "recursive deletes, sudo, destructive git, writes outside the workspace) wait for "
        "the human. Output is capped; the full output is kept.",
        {
            "command": {**_STR, "description": "the command, as you would type it"},
            "timeout_s": {"type": "number", "description": "seconds; default 120, at most 1800"},
        },
        ["command"],
    ),
    "read_file": _schema(
        "Read a text file, path relative to the workspace root.",
        {"path": _STR},
        ["path"],
    ),
    "write_file": _schema(
        "Create or overwrite a file with the given content.",
        {"path": _STR, "content": _STR},
        ["path", "content"],
    ),
    "edit_file": _schema(
        "Replace the exact text `old` with `new` in a file. `old` must appear exactly once: "
        "include enough surrounding lines to make it unique.",
        {"path": _STR, "old": _STR, "new": _STR},
        ["path", "old", "new"],
    ),
    "list_files": _schema(
        "List the files under a folder (default: the workspace root), recursively.",
        {"path": _STR},
        [],
    ),
    "update_task": _schema(
        "Update the status of one of your tasks in plan.md. status: todo, doing, blocked or "
        "done. A task with a verify command is done only when cockpit has run it and it passed.",
        {"task": _STR, "status": {"enum": list(TaskState)}, "note": _STR},
        ["task", "status"],
    ),
    "report_blocked": _schema(
        "Stop and ask the human for help: say what blocks you and what you need.",
        {"reason": _STR},
        ["reason"],
    ),
    "replan": _schema(
        "You are the lead: re-plan blocked work in plan.md. action `add`: a new task (title, "
        "owner; optional id, after (ids, comma-separated), verify, and before (the id of the "
        "task that needs it: the new task goes just before it) or phase). action `reassign`: "
        "give `task` to `owner`. action `reopen`: hand a blocked `task` to its owner again "
        "with a fresh budget, or run a failed gate again (`task`: `gate:PHASE`). To pass a "
        "task to the human instead, call report_blocked.",
        {
            "action": {"enum": ["add", "reassign", "reopen"]},
            "task": _STR,
            "title": _STR,
            "owner": _STR,
            "id": _STR,
            "after": _STR,
            "verify": _STR,
            "before": _STR,
            "phase": _STR,
            "note": _STR,
        },
        ["action"],
    ),
}


def tool_schemas(names: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    """The Messages-API tool list for ``names``, in that order."""
    return [{"name": name, **TOOL_SCHEMAS[name]} for name in names if name in TOOL_SCHEMAS]


class ToolInputError(ValueError):
    """The model called a tool with input it does not take."""


def check_input(name: str, raw: object) -> dict[str, Any]:
    """The tool input, checked against the tool's schema (types and required fields)."""
    spec = TOOL_SCHEMAS.get(name)
    if spec is None:
        raise ToolInputError(f"there is no tool named {name!r}")
    if not isinstance(raw, dict):
        raise ToolInputError(f"{name}: input must be an object")
    schema = spec["input_schema"]
    for field in schema["required"]:
        if field not in raw:
            raise ToolInputError(f"{name}: missing {field!r}")
    clean: dict[str, Any] = {}
    for field, value in raw.items():
        prop = schema["properties"].get(field)
        if prop is None:
            continue  # models add fields; ignoring them is kinder than failing
        if prop.get("type") == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ToolInputError(f"{name}: {field!r} must be a number")
        elif not isinstance(value, str):
            raise ToolInputError(f"{name}: {field!r} must be a string")
        if "enum" in prop and value not in prop["enum"]:
            raise ToolInputError(f"{name}: {field!r} must be one of {', '.join(prop['enum'])}")
        clean[field] = value
    return clean


@dataclass(frozen=True)
class ToolOutcome:
    """What one tool run gave: ``content`` goes back to the model, the rest to the log."""

    content: str
    is_error: bool = False
    exit_code: int | None = None
    output: str = ""
    truncated: bool = False
    artifact: dict[str, Any] | None = None
    error: str | None = None
    duration_s: float = 0.0
    diff: str | None = None
    """A file write's unified diff (for the transcript and the log), capped."""
    diff_truncated: bool = False
    blocked: BlockedBy | None = None
    """The sandbox's boundary the call ran into, if any (see `cockpit.sandbox.blocked`)."""
    blocked_path: str | None = None

    def finished(self) -> ToolFinished:
        """The ``tool.finished`` this outcome logs."""
        return ToolFinished(
            exit_code=self.exit_code,
            output=self.output,
            truncated=self.truncated,
            duration_s=round(self.duration_s, 3),
            artifact=self.artifact or None,
            error=self.error or None,
            diff=self.diff or None,
            diff_truncated=True if self.diff and self.diff_truncated else None,
        )


class Toolbox:
    """Runs the workspace tools for one session: commands through its executor (the
    sandbox, or what the user chose instead), files checked against the same walls."""

    def __init__(
        self,
        root: Path,
        env: Mapping[str, str],
        log: SessionLog,
        executor: Executor,
        sandbox: SandboxSettings | None = None,
        *,
        walls_env: Mapping[str, str] | None = None,
        protected: tuple[Path, ...] = (),
        branch: str | None = None,
        plan: tuple[Path, Path] | None = None,
    ) -> None:
        self.root = root
        self.env = dict(env)
        self.log = log
        self.executor = executor
        self.sandbox = sandbox or SandboxSettings()
        # Where the walls look for the user's home and cockpit's config folder: the real
        # environment, which the agents' commands never see.
        self._walls_env = dict(walls_env if walls_env is not None else env)
        self._tmp: Path | None = None
        self.protected = protected
        """Read-only to commands (the human's plan.md): agents change it through cockpit's
        own tools, which the policy gates, never through a program that runs."""
        self.branch = branch
        """In an agent's own worktree, its branch: the one ref its commands may move."""
        self.plan = plan
        """In an agent's own worktree: (the human's plan.md, where the worktree's copy of
        it lies). The tools and commands see the human's there, never the copy."""

    @property
    def sandboxed(self) -> bool:
        return self.executor.sandboxed

    @property
    def walls_env(self) -> dict[str, str]:
        """The real environment the walls are built from (never given to a command)."""
        return dict(self._walls_env)

    def resolve(self, path: str) -> Path:
        p = Path(os.path.expanduser(path))
        seen = self._seen_at(p if p.is_absolute() else self.root / p)
        if self.plan is not None and os.path.normpath(seen) == os.path.normpath(self.plan[1]):
            return self.plan[0]
        return seen

    def limits(self, timeout_s: float | None = None) -> Limits:
        return Limits.configured(self.sandbox, timeout_s)

    def boundary(
        self, widening: Widening = NO_WIDENING, timeout_s: float | None = None
    ) -> Boundary:
        """The walls one command runs in: built per call, so a `.env` made a moment ago is
        masked too."""
        walls = workspace_boundary(
            self.root,
            self._walls_env,
            network=widening.network,
            writable=widening.writable,
            limits=self.limits(timeout_s),
            branch=self.branch,
        )
        overlays = (self.plan,) if self.plan is not None else ()
        return dataclasses.replace(walls, tmp=self._tmp, overlays=overlays)

    def session_tmp(self) -> Path:
        """The session's /tmp, made on first use: what one command leaves in /tmp the
        next one finds, and no other session or program sees it."""
        if self._tmp is None:
            _sweep_session_tmps()
            self._tmp = Path(tempfile.mkdtemp(prefix=f"{_SESSION_TMP}{os.getpid()}-"))
        return self._tmp

    def close(self) -> None:
        """The session is over: its /tmp goes, and the executor lets go of what it holds."""
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        self.executor.close()

    def _seen_at(self, path: Path) -> Path:
        """Where a file tool finds what commands see at `path`: their /tmp is the
        session's own folder (a workspace that itself lies under /tmp stays itself)."""
        if not self.sandboxed:
            return path
        named = Path(os.path.normpath(path))
        tmp = Path("/tmp")
        if named == tmp or tmp in named.parents:
            root = Path(os.path.normpath(self.root))
            if not (named == root or root in named.parents):
                return self.session_tmp() / named.relative_to(tmp)
        return named

    def _walls(self, widening: Widening, args: Mapping[str, Any] | None = None) -> PathCheck:
        """The file tools' walls: the sandbox's own roots, checked here (symlinks resolved
        now); no walls when the user chose to run unsandboxed. In a worktree the human's
        plan.md lies outside them: the file tools reach it there (the policy gates every
        write to it), as commands see it over the worktree's copy."""
        if not self.sandboxed:
            return _NO_WALLS
        path = args.get("path") if args is not None else None
        if self.plan is not None and isinstance(path, str) and self._is_plan(path):
            return _NO_WALLS
        return FileWalls.of(self.boundary(widening), self._walls_env)

    def _is_plan(self, path: str) -> bool:
        assert self.plan is not None
        return os.path.realpath(self.resolve(path)) == os.path.realpath(self.plan[0])

    async def run(
        self,
        call: str,
        name: str,
        args: dict[str, Any],
        on_output: OutputSink | None = None,
        widening: Widening = NO_WIDENING,
    ) -> ToolOutcome:
        started = time.monotonic()
        try:
            if name == "bash":
                outcome = await self._bash(call, args, on_output, widening)
            elif name == "read_file":
                outcome = self._read(args["path"], self._walls(widening, args).readable)
            elif name == "write_file":
                walls = self._walls(widening, args)
                outcome = self._write(args["path"], args["content"], walls)
            elif name == "edit_file":
                walls = self._walls(widening, args)
                outcome = self._edit(args["path"], args["old"], args["new"], walls)
            elif name == "list_files":
                outcome = self._list(args.get("path") or ".", self._walls(widening).readable)
            else:
                raise ToolInputError(f"{name} is not a workspace tool")
        except WallError as exc:
            message = str(exc)  # the gate adds which boundary, and what the model may do
            outcome = ToolOutcome(
                content=message,
                is_error=True,
                error=message,
                output=message,
                blocked=exc.blocked_by,
                blocked_path=str(exc.path),
            )
        except (OSError, UnicodeError, ToolInputError) as exc:
            message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if isinstance(exc, OSError) and exc.filename:
                message = f"{exc.filename}: {message}"
            outcome = ToolOutcome(content=message, is_error=True, error=message, output=message)
        return _with_duration(outcome, time.monotonic() - started)

    # -- bash ------------------------------------------------------------------------

    async def _bash(
        self,
        call: str,
        args: dict[str, Any],
        on_output: OutputSink | None,
        widening: Widening,
    ) -> ToolOutcome:
        if self.sandboxed:
            self.session_tmp()
        boundary = self.boundary(widening, args.get("timeout_s"))
        kept = tuple(p for p in self.protected if p.is_file() and p not in widening.writable)
        boundary = dataclasses.replace(boundary, read_only=(*boundary.read_only, *kept))
        collected = OutputCollector(on_output)
        guard = GitControl.of(self.root) if self.sandboxed else None
        done = await self.executor.execute(
            ["bash", "-c", args["command"]],
            cwd=self.root,
            env=self.env,
            boundary=boundary,
            output=collected.feed,
        )
        # Redacted whole, before any cut: a secret split by the cap would not be found.
        text = self.log.redactor.text(collected.text(self.log.redactor))
        artifact = None
        if len(text) > OUTPUT_CAP:
            artifact = self.log.write_artifact(f"{call}.out", text, redacted=True)
        shown, truncated = cap_output(text, artifact)
        limits = boundary.limits
        error = None
        if done.blocked_by is BlockedBy.TIMEOUT:
            error = f"timed out after {limits.timeout_s:g} s; every process it started was killed"
        elif done.blocked_by is BlockedBy.OUTPUT:
            error = (
                f"stopped: it printed more than {limits.output_bytes // 1024**2} MB "
                "(the output limit); every process it started was killed"
            )
        blocked = done.blocked_by if self.sandboxed else None
        undone = guard.undo_changes() if guard is not None else []
        if undone:
            blocked = BlockedBy.GIT_CONTROL
            error = f"undone: its changes to .git/{', .git/'.join(undone)}"
        code = done.exit_code
        content = shown if not error else f"{shown}\n[{error}]"
        content = content or "(no output)"
        if code != 0 and not error:
            content = f"{content}\n[exit code {code}]"
        return ToolOutcome(
            content=content,
            is_error=bool(error) or code != 0,
            exit_code=code,
            output=shown,
            truncated=truncated,
            artifact=artifact,
            error=error,
            blocked=blocked,
            blocked_path=str(self.root / ".git" / undone[0]) if undone else None,
        )

    # -- files -----------------------------------------------------------------------

    def _read(self, path: str, readable: Callable[[Path], Path]) -> ToolOutcome:
        target = readable(self.resolve(path))
        with target.open("r", encoding="utf-8", errors="replace") as f:
            text = f.read(READ_CAP + MARGIN)
        note = ""
        if len(text) > READ_CAP:
            # The text goes to the model, and with its turn to the log: never half a secret.
            text = text[: self.log.redactor.safe_cut(text, READ_CAP, keep="head")]
            note = f"\n[file longer than {READ_CAP} characters: the rest was not read]"
        return ToolOutcome(content=text + note, output=f"read {len(text)} characters")

    def _write(self, path: str, content: str, walls: PathCheck) -> ToolOutcome:
        target = walls.writable(self.resolve(path))  # the real path, symlinks resolved now
        existed = target.exists()
        before = _old_text(target) if existed else None
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        verb = "overwrote" if existed else "created"
        outcome = ToolOutcome(content=f"{verb} {path} ({len(content)} characters)", output=verb)
        if existed and before is None:
            return outcome  # too large or unreadable to compare: no diff, not a wrong one
        return self._with_diff(outcome, self.resolve(path), before, content)

    def _with_diff(
        self, outcome: ToolOutcome, target: Path, before: str | None, after: str
    ) -> ToolOutcome:
        diff = text_diff(relative_path(self.root, str(target)), before, after)
        if diff is None:
            return outcome
        return dataclasses.replace(outcome, diff=diff.text, diff_truncated=diff.truncated)

    def _edit(self, path: str, old: str, new: str, walls: PathCheck) -> ToolOutcome:
        target = walls.writable(self.resolve(path))
        text = target.read_text(encoding="utf-8")
        if not old:
            raise ToolInputError(f"edit_file {path}: 'old' is empty; use write_file to create")
        count = text.count(old)
        if count == 0:
            raise ToolInputError(
                f"edit_file {path}: the old text was not found; read the file and copy it exactly"
            )
        if count > 1:
            raise ToolInputError(
                f"edit_file {path}: the old text appears {count} times; "
                "include more surrounding lines so it appears once"
            )
        after = text.replace(old, new, 1)
        target.write_text(after, encoding="utf-8")
        return self._with_diff(
            ToolOutcome(content=f"edited {path}", output="edited"), self.resolve(path), text, after
        )

    def _list(self, path: str, readable: Callable[[Path], Path]) -> ToolOutcome:
        base = readable(self.resolve(path))
        if not base.is_dir():
            raise ToolInputError(f"list_files: {path} is not a folder")
        entries: list[str] = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            for name in sorted(filenames):
                entries.append(os.path.relpath(os.path.join(dirpath, name), base))
                if len(entries) >= LIST_CAP:
                    break
            if len(entries) >= LIST_CAP:
                entries.append(f"[more than {LIST_CAP} files: list a subfolder]")
                break
        listing = "\n".join(entries) or "(empty)"
        return ToolOutcome(content=listing, output=f"{len(entries)} entries")


_SESSION_TMP = "cockpit-session-tmp-"


def _sweep_session_tmps() -> None:
    """Remove the /tmp folders of sessions whose cockpit is gone (killed, so it never
    cleaned up): their pid is in the name."""
    base = Path(tempfile.gettempdir())
    try:
        found = list(base.glob(f"{_SESSION_TMP}*-*"))
    except OSError:
        return
    for folder in found:
        pid = folder.name[len(_SESSION_TMP) :].split("-", 1)[0]
        if pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


class PathCheck(Protocol):
    """`FileWalls`' two questions: where may this be read from, written to."""

    def readable(self, path: Path) -> Path: ...

    def writable(self, path: Path) -> Path: ...


class _NoWalls:
    """Unsandboxed (the user's choice): paths as named, as before the sandbox."""

    def readable(self, path: Path) -> Path:
        return path

    def writable(self, path: Path) -> Path:
        return path


_NO_WALLS = _NoWalls()


def _old_text(target: Path) -> str | None:
    """What a file held before a write, when it is small enough to diff (else None)."""
    try:
        if not target.is_file() or target.stat().st_size > DIFF_INPUT_CAP:
            return None
        return target.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _with_duration(outcome: ToolOutcome, seconds: float) -> ToolOutcome:
    return dataclasses.replace(outcome, duration_s=seconds)
