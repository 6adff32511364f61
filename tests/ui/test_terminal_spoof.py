"""End to end in a real terminal: the issue's spoofed command, asked by a scripted agent,
is shown in tmux as what bash will run, and the terminal's title stays as it was."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.hostile import SPOOF
from tests.ui._session import make_workspace
from tests.ui.test_terminal import REPO, Tmux, tmux

__all__ = ["tmux"]  # the fixture, shared with the other tmux test


def test_tmux_shows_the_spoofed_command_and_keeps_the_title(tmux: Tmux, tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    script = tmp_path / "script.yaml"
    turns = [{"text": "Tidying up.", "calls": [{"bash": {"command": SPOOF}}]}, {"text": "Done."}]
    script.write_text(json.dumps({"agents": {"builder": turns}}))  # JSON is YAML
    session = tmux.target.split(":")[0]
    tmux.run("new-session", "-d", "-s", session, "-x", "160", "-y", "45", "-c", str(root))
    title = tmux.run("display", "-p", "-t", tmux.target, "#{pane_title}")
    command = f"{sys.executable} -m cockpit run --agents builder --script {script}"
    tmux.run("send-keys", "-t", tmux.target, f"PYTHONPATH={REPO} {command}", "Enter")
    tmux.wait(lambda: "wants to run a tier 3 action" in tmux.screen(), "the prompt")
    tmux.wait(lambda: "Why it needs you" in tmux.screen(), "the reasons")
    now = tmux.run("display", "-p", "-t", tmux.target, "#{pane_title}")
    assert "pwned" not in now and now == title
    screen = tmux.screen()
    shown = "rm -rf build #\\x1b]0;pwned\\x07\\x1b[2K\\x1b[1A\\x1b[2Kgit status (read-only)"
    assert shown in screen
    assert "contains control or invisible characters (\\x1b at column 15" in screen
