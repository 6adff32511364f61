"""End to end in a real terminal: tmux runs `cockpit demo`, a human presses y."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.waiting import wait_until_sync

REPO = Path(__file__).resolve().parents[2]


class Tmux:
    """One private tmux server (its own socket) running one command in a 160x45 window."""

    def __init__(self, name: str) -> None:
        self.base = ["tmux", "-L", name]
        self.target = f"{name}:0"

    def run(self, *args: str) -> str:
        done = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=30)
        return done.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.target)

    def history(self) -> str:
        """The screen and what scrolled off it, long lines joined."""
        return self.run("capture-pane", "-p", "-J", "-S", "-500", "-t", self.target)

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
        detail = lambda: f"the screen:\n{self.screen()}"  # noqa: E731
        wait_until_sync(condition, what, timeout=timeout, interval=0.2, detail=detail)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    session = Tmux(f"cockpit-e2e-{os.getpid()}")
    yield session
    subprocess.run([*session.base, "kill-server"], capture_output=True, timeout=30)


def human_approvals(sessions: Path) -> list[dict[str, object]]:
    found = []
    for log in sessions.glob("*.jsonl"):
        for line in log.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if event["kind"] == "approval.resolved" and event["data"].get("by") == "human":
                found.append(event["data"])
    return found


def test_the_demo_asks_and_a_human_approves_with_y(tmux: Tmux, tmp_path: Path) -> None:
    workspace = tmp_path / "demo"
    command = f"{sys.executable} -m cockpit demo --dir {workspace} --speed 0.3; sleep 600"
    tmux.run(
        "new-session",
        "-d",
        "-s",
        tmux.target.split(":")[0],
        "-x",
        "160",
        "-y",
        "45",
        "-c",
        str(REPO),
        command,
    )
    tmux.wait(lambda: "wants to run a tier 3 action" in tmux.screen(), "the prompt")
    time.sleep(0.8)  # past the grace period: a key counts only once the prompt was seen
    tmux.run("send-keys", "-t", tmux.target, "y")
    sessions = workspace / ".cockpit" / "sessions"
    tmux.wait(lambda: bool(human_approvals(sessions)), "the approval in the log", timeout=30)
    assert human_approvals(sessions)[0]["approved"] is True
    deadline = time.monotonic() + 240
    while "replay it: " not in tmux.history():  # deny the rest, then quit
        assert time.monotonic() < deadline, f"the demo did not end:\n{tmux.screen()}"
        prompt_open = "wants to run" in tmux.screen()
        time.sleep(0.8)
        tmux.run("send-keys", "-t", tmux.target, "Escape" if prompt_open else "q")
        time.sleep(0.5)
    said = tmux.history()
    # the shell is not in the demo's workspace: the hint names the log, which works anywhere
    assert f"cockpit: to continue: {sys.executable} -m cockpit resume {sessions}/" in said
    assert str(sessions) in said
