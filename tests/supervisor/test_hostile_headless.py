"""The headless `y/N` prompt, in a real terminal (a pty on stdin), shows the command exactly
as bash gets it, escapes visible: the issue's spoof cannot erase `rm -rf build` and pass
for `git status`; model text with OSC 52 or a title change is printed escaped too."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from cockpit.safe_text import visible
from tests.hostile import HOSTILE, SPOOF, assert_shown
from tests.supervisor.conftest import clean_env, events, of_kind, session_log

PROMPT = "Approve? [y/N] "
CLIPBOARD = HOSTILE["osc-52-clipboard"]
TITLE = HOSTILE["osc-0-title"]
COCKPIT = (sys.executable, "-m", "cockpit")


def _read_until(fd: int, seen: bytearray, needle: str, timeout: float = 60) -> None:
    """Read the child's output into ``seen`` until ``needle`` is in it (or fail)."""
    deadline = time.monotonic() + timeout
    while needle.encode() not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"timed out waiting for {needle!r}; got {bytes(seen)!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            assert chunk, f"the session ended before {needle!r}; got {bytes(seen)!r}"
            seen += chunk


def test_the_headless_prompt_shows_the_spoof_as_it_will_run(
    workspace: Path, tmp_path: Path
) -> None:
    script = {
        "agents": {
            "builder": [
                {
                    "text": f"Harmless: {CLIPBOARD} {TITLE}",
                    "calls": [{"bash": {"command": SPOOF}}],
                },
                {"text": "Fine."},
            ]
        }
    }
    path = tmp_path / "script.yaml"
    path.write_text(json.dumps(script))  # JSON is YAML: every escape written as \u001b
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*COCKPIT, "run", "--headless", "--agents", "builder", "--script", str(path)],
        cwd=workspace,
        env=clean_env(),
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    assert proc.stdout is not None and proc.stderr is not None
    seen = bytearray()
    try:
        _read_until(proc.stdout.fileno(), seen, PROMPT)
        os.write(master, b"n\n")
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    out = (bytes(seen) + rest).decode()
    question = out[out.index("=== builder wants to run") : out.index(PROMPT)]
    assert f"    {visible(SPOOF)}\n" in question  # the command, on its line, as bash gets it
    assert "rm -rf build #\\x1b]0;pwned\\x07\\x1b[2K\\x1b[1A\\x1b[2Kgit status" in question
    assert "  why: the command contains control or invisible characters (\\x1b at column 15" in (
        question
    )
    assert_shown(out, [SPOOF, CLIPBOARD, TITLE])  # the model's text too, printed escaped
    assert_shown(err.decode(), payloads=[])
    log = events(session_log(workspace))
    assert of_kind(log, "approval.resolved")[0]["data"]["approved"] is False
    assert not of_kind(log, "tool.started")
