"""Start-up a user feels: `cockpit` to its first frame, `cockpit --help`, `cockpit check`.

- First frame: `cockpit` in a temporary git repository with a plan (one task for the
  builder) and the Anthropic backend configured (`ANTHROPIC_BASE_URL` at a local address
  nobody listens on: the frame must not wait for the model), in a real pseudo-terminal of
  140x40, from exec to the last row of the first frame (the key line) read from the pty.
  The frame counts only if it is the real one: the builder's pane and plan.md's task on it.
  Baseline: a bare `python -c "import textual.app"`, exec to exit. Goal: < 1.5x.
- `cockpit --help` against `python -c "import argparse"` (all that help needs), and
  `cockpit check ls` against `python -c "import argparse, json, cockpit.policy.engine"`
  (the policy engine is what `check` is: tree-sitter, the bash grammar, yaml, the rule
  modules; loading and checking the rule files is counted as cockpit's). Goal: < 2x.

Every command runs once to warm the caches (cockpit's own bytecode is written then, as an
installed copy has it), then `repeat` times, interleaved with its baseline; medians.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

TASK = "Add a health check endpoint"
PLAN = f"# Plan\n\n## Phase 1\n- [ ] {TASK} @builder\n"
FRAME_END = b"Quit"  # the key line, the last row of the first frame
FRAME_SHOWS = (b"builder", TASK.encode())  # the agent's pane and the plan view's task
_SCRIPT = Path(sys.executable).with_name("cockpit")  # the console script, as a user runs it
COCKPIT = (
    [str(_SCRIPT)]
    if _SCRIPT.exists()
    else [sys.executable, "-c", "from cockpit.cli.main import entrypoint; entrypoint()"]
)


def make_repo(root: Path) -> Path:
    """A small committed repository with plan.md."""
    root.mkdir(parents=True)
    (root / "plan.md").write_text(PLAN, encoding="utf-8")
    (root / "README.md").write_text("# service\n", encoding="utf-8")
    for command in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qm", "start"],
    ):
        subprocess.run(["git", "-C", str(root), *command], check=True, capture_output=True)
    return root


def session_env(home: Path) -> dict[str, str]:
    """The user's environment with the Anthropic backend pointing at a closed local port."""
    env = terminal_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed cockpit has its bytecode
    env.update(
        {
            "ANTHROPIC_BASE_URL": "http://127.0.0.1:9",
            "TERM": "xterm-256color",
            "HOME": str(home),
        }
    )
    return env


def terminal_env() -> dict[str, str]:
    """The environment without the Anthropic settings and without what would override the
    pty's size (a test runner sets COLUMNS and LINES; Textual obeys them)."""
    dropped = ("ANTHROPIC_", "TEXTUAL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    for name in ("COLUMNS", "LINES"):
        env.pop(name, None)
    return env


def first_frame(
    argv: list[str],
    cwd: Path,
    env: Mapping[str, str],
    *,
    wait_after: bytes | None = None,
    timeout: float = 60,
) -> tuple[float, bytes]:
    """Seconds from exec to ``FRAME_END`` in the pty, and every byte read until then (or,
    given ``wait_after``, until that comes after the frame); then `q` quits (the process
    is killed if it does not). NaN seconds: no frame before the timeout."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real command, as a user starts it, in a 140x40 terminal
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
            os.chdir(cwd)
            os.execve(argv[0], argv, dict(env))
        finally:
            os._exit(127)
    seen = b""
    elapsed = float("nan")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if elapsed != elapsed and FRAME_END in seen:
                elapsed = time.perf_counter() - start
            if elapsed == elapsed and (
                wait_after is None or wait_after in seen[seen.index(FRAME_END) :]
            ):
                break
        os.write(fd, b"q")
        _drain(fd, time.monotonic() + 20)
    finally:
        _reap(pid)
        os.close(fd)
    return elapsed, seen


def _drain(fd: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                if not os.read(fd, 65536):
                    return
            except OSError:
                return


def _reap(pid: int) -> None:
    done, _ = os.waitpid(pid, os.WNOHANG)
    if done == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def exec_to_exit(argv: list[str], cwd: Path, env: Mapping[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=dict(env), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _paired(
    measure: Callable[[], float], baseline: Callable[[], float], repeat: int
) -> tuple[float, float]:
    """Medians of ``measure`` and ``baseline``, taken in turn (after one warm-up each),
    so a machine that slows down mid-run slows both."""
    measure(), baseline()
    ours: list[float] = []
    base: list[float] = []
    for _ in range(repeat):
        ours.append(measure())
        base.append(baseline())
    return statistics.median(ours), statistics.median(base)


def _entry(ours: float, base: float, goal: float) -> dict[str, Any]:
    ratio = ours / base
    return {
        "ms": round(ours * 1000, 1),
        "baseline_ms": round(base * 1000, 1),
        "ratio": round(ratio, 2),
        "goal_ratio": goal,
        "goal_met": ratio < goal,
    }


def run(quick: bool = False) -> dict[str, Any]:
    repeat = 5 if quick else 15
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-startup-") as tmp:
        repo = make_repo(Path(tmp) / "repo")
        env = session_env(Path(tmp))

        def frame() -> float:
            elapsed, seen = first_frame(COCKPIT, repo, env)
            if elapsed != elapsed:  # NaN: no frame
                tail = seen[-400:].decode("utf-8", "replace")
                raise RuntimeError(f"no first frame from cockpit; it wrote: {tail!r}")
            frame = seen[: seen.index(FRAME_END)]
            missing = [text.decode() for text in FRAME_SHOWS if text not in frame]
            if missing:
                raise RuntimeError(f"cockpit's first frame lacks {missing}: not the real one")
            return elapsed

        def command(*argv: str) -> Callable[[], float]:
            return lambda: exec_to_exit([*argv], repo, env)

        screen = _paired(frame, command(python, "-c", "import textual.app"), repeat)
        helped = _paired(
            command(*COCKPIT, "--help"), command(python, "-c", "import argparse"), repeat
        )
        checked = _paired(
            command(*COCKPIT, "check", "ls"),
            command(python, "-c", "import argparse, json, cockpit.policy.engine"),
            repeat,
        )
        sdk = statistics.median(
            exec_to_exit([python, "-c", "import anthropic"], repo, env) for _ in range(3)
        )
    return {
        "repeat": repeat,
        "first_frame": _entry(*screen, 1.5),
        "help": _entry(*helped, 2.0),
        "check": _entry(*checked, 2.0),
        "for_scale_import_anthropic_ms": round(sdk * 1000, 1),
    }
