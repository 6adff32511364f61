"""Sessions run as a user runs them (`cockpit run --headless --script`, a subprocess), in a
workspace, a home and an outside folder under /var/tmp (the sandbox's /tmp is fresh, so a
path under /tmp would hide a leak), and what the log says about each tool call."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cockpit.session.chain import read_events
from cockpit.session.events import Event
from cockpit.session.kinds import EventBody, ModelMessage, ToolRequested

REPO = Path(__file__).resolve().parents[2]
COCKPIT = (sys.executable, "-m", "cockpit")
PROMPT = "Approve? [y/N] "
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}
PLAN = "# Escapes\n\n## Phase 1\n- [ ] Try the walls @builder\n"


@dataclass
class Place:
    """A git workspace, a home (with credentials), an XDG config folder, and a folder
    outside them all, side by side under one /var/tmp folder."""

    base: Path

    @property
    def workspace(self) -> Path:
        return self.base / "workspace"

    @property
    def home(self) -> Path:
        return self.base / "home"

    @property
    def outside(self) -> Path:
        return self.base / "outside"

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """cockpit's environment: the test's, with HOME and XDG_CONFIG_HOME of its own."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ANTHROPIC_", "COCKPIT_")) and k != "PYTEST_CURRENT_TEST"
        }
        env.update(
            PYTHONPATH=str(REPO),
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.base / "xdg"),
            **GIT_ENV,
        )
        env.update(extra or {})
        return env

    def script(self, turns: list[Any], name: str = "script.yaml") -> Path:
        """A scripted backend file in which the builder plays ``turns``."""
        path = self.base / name
        path.write_text(json.dumps({"agents": {"builder": turns}}))  # JSON is YAML
        return path

    def log(self) -> Path:
        logs = sorted((self.workspace / ".cockpit" / "sessions").glob("*.jsonl"))
        assert logs, "no session log was written"
        return logs[-1]

    def everything_logged(self) -> bytes:
        """Every byte cockpit wrote about the sessions: logs, heads and artifacts."""
        root = self.workspace / ".cockpit" / "sessions"
        return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def py(code: str) -> str:
    """A tier-2 command the classifier cannot read into: inline Python code."""
    return f"python3 -c '{code}'"


def make_place(prefix: str) -> Place:
    place = Place(Path(tempfile.mkdtemp(prefix=f"cockpit-{prefix}-", dir="/var/tmp")))
    for folder in (place.workspace, place.home, place.outside, place.base / "xdg"):
        folder.mkdir(parents=True)
    (place.home / ".gitconfig").write_text("[user]\n\tname = t\n\temail = t@example.com\n")
    (place.workspace / "plan.md").write_text(PLAN)
    (place.workspace / "README").write_text("hello\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"]):
        git(place, *args)
    return place


def remove_place(place: Place) -> None:
    shutil.rmtree(place.base, ignore_errors=True)


def git(place: Place, *args: str) -> str:
    env = {"PATH": os.environ["PATH"], "HOME": str(place.home), **GIT_ENV}
    done = subprocess.run(
        ["git", *args], cwd=place.workspace, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def run_headless(
    place: Place,
    script: Path,
    *options: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 180,
) -> subprocess.CompletedProcess[str]:
    """`cockpit run --headless` with no terminal: every tier-3 prompt is denied. The
    agent works in the workspace itself (`--shared-tree`) unless ``options`` say
    otherwise; tests/sandbox/test_worktree_walls.py runs it in its own worktree."""
    shared = () if "--no-shared-tree" in options else ("--shared-tree",)
    options = tuple(o for o in options if o != "--no-shared-tree")
    return subprocess.run(
        [
            *COCKPIT,
            "run",
            "--headless",
            "--agents",
            "builder",
            "--script",
            str(script),
            *shared,
            *options,
        ],
        cwd=place.workspace,
        env=place.env(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


Answer = Callable[[str, int], str]
"""Given the question text and cockpit's pid, the keys to type ("y" or "n")."""


@dataclass
class PtyRun:
    """A headless session with a terminal on stdin, so tier-3 prompts wait for the test."""

    returncode: int
    output: str
    errors: str
    questions: list[str] = field(default_factory=list)


def run_in_terminal(
    place: Place,
    script: Path,
    answer: Answer,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 180,
) -> PtyRun:
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [
            *COCKPIT,
            "run",
            "--headless",
            "--shared-tree",
            *("--agents", "builder"),
            "--script",
            str(script),
        ],
        cwd=place.workspace,
        env=place.env(env),
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    assert proc.stdout is not None and proc.stderr is not None
    errors = bytearray()
    drain = threading.Thread(target=lambda: errors.extend(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    drain.start()
    seen, questions, asked = bytearray(), [], 0
    deadline = time.monotonic() + timeout
    try:
        fd = proc.stdout.fileno()
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"the session did not end in time; it said {bytes(seen)[-3000:]!r}"
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            seen += chunk
            text = seen.decode(errors="replace")
            while text.count(PROMPT) > asked:
                end = _nth(text, PROMPT, asked)
                start = text.rfind("=== ", 0, end)
                question = text[start:end]
                questions.append(question)
                os.write(master, (answer(question, proc.pid) + "\n").encode())
                asked += 1
        proc.wait(timeout=max(deadline - time.monotonic(), 1))
        drain.join(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return PtyRun(proc.returncode, seen.decode(errors="replace"), errors.decode(), questions)


def _nth(text: str, needle: str, n: int) -> int:
    at = -1
    for _ in range(n + 1):
        at = text.index(needle, at + 1)
    return at


@dataclass
class Call:
    """Everything the log holds about one tool call, and the result the model was given."""

    command: str
    bodies: list[EventBody]
    result: str
    is_error: bool

    def of(self, kind: type[EventBody]) -> list[Any]:
        return [b for b in self.bodies if isinstance(b, kind)]


class Transcript:
    """A session log read with cockpit's own reader (the chain is checked as it is read)."""

    def __init__(self, log: Path) -> None:
        self.events: list[Event] = list(read_events(log))

    def bodies(self, kind: type[EventBody]) -> list[Any]:
        return [e.body for e in self.events if isinstance(e.body, kind)]

    def calls(self) -> Iterator[Call]:
        results: dict[str, tuple[str, bool]] = {}
        for message in self.bodies(ModelMessage):
            for block in message.blocks:
                if block.get("type") == "tool_result":
                    content = block.get("content")
                    if isinstance(content, list):
                        content = "".join(str(p.get("text", "")) for p in content)
                    results[block["tool_use_id"]] = (str(content), bool(block.get("is_error")))
        for event in self.events:
            body = event.body
            if isinstance(body, ToolRequested) and isinstance(body.input, dict):
                joined = [e.body for e in self.events if e.call == event.call]
                result, is_error = results.get(body.tool_use_id or "", ("", False))
                yield Call(str(body.input.get("command", "")), joined, result, is_error)

    def call(self, command: str) -> Call:
        """The one call that ran exactly ``command``."""
        found = [c for c in self.calls() if c.command == command]
        assert len(found) == 1, f"{len(found)} calls ran {command!r}"
        return found[0]


class Requests:
    """An HTTP server on 127.0.0.1 that remembers the paths it was asked for."""

    def __init__(self) -> None:
        seen: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"reached\n")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.paths = seen
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def peak_memory_kb(pid: int) -> int:
    """A live process's peak resident memory (VmHWM), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for pid {pid}")
