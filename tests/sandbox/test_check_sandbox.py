"""`cockpit check --sandbox COMMAND`: the classification, then the boundary the command would
run in, run as a user would in a git repository with a configured remote."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    url = "https://example.invalid/project.git"
    subprocess.run(["git", "-C", str(root), "remote", "add", "origin", url], check=True)
    (tmp_path / "home/.ssh").mkdir(parents=True)
    (tmp_path / "home/.ssh/id_ed25519").write_text("PRIVATE\n")
    return root


def cockpit(cwd: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HOME=str(cwd.parent / "home"))
    env["XDG_CONFIG_HOME"] = str(cwd.parent / "home/.config")
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "cockpit", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def sandbox_of(project: Path, command: str) -> dict[str, Any]:
    done = cockpit(project, "--sandbox", "--json", command)
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def field(stdout: str, name: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith(f"  {name}:"))


def test_git_fetch_from_the_configured_remote_runs_with_the_network(project: Path) -> None:
    done = cockpit(project, "--sandbox", "git", "fetch")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("tier 2\n")
    assert "\nsandbox:\n" in done.stdout
    assert field(done.stdout, "runs") == "  runs:      after a snapshot"
    assert "on: builtin:git-fetch allows it for this command" in field(done.stdout, "network")
    assert "--unshare-net" not in field(done.stdout, "bwrap")


def test_a_fetch_from_a_url_gets_the_network_only_after_approval(project: Path) -> None:
    found = sandbox_of(project, "git fetch https://x/y")
    assert (found["tier"], found["network"]) == (3, True)
    assert found["sandbox"]["runs"] == "after your approval"
    assert found["sandbox"]["network_why"] == "after your approval (builtin:network-client)"
    curl = sandbox_of(project, "curl https://x")
    assert (curl["tier"], curl["sandbox"]["network"]) == (3, True)
    assert "--unshare-net" not in curl["sandbox"]["bwrap"]


def test_a_plain_command_runs_without_the_network_inside_the_walls(project: Path) -> None:
    found = sandbox_of(project, "ls")
    box = found["sandbox"]
    assert "network" not in {k for k in found if k != "sandbox"}
    assert box["network"] is False and "--unshare-net" in box["bwrap"]
    assert box["writable"] == [str(project.resolve())]
    assert str(project.resolve() / ".git/hooks") in box["read_only"]
    assert str(project.resolve() / ".git/config") in box["read_only"]
    assert str(project.parent / "home/.ssh") in box["masked"]
    assert box["limits"]["processes"] > 0 and box["limits"]["timeout_s"] > 0
    assert box["bwrap"][-3:] == ["bash", "-c", "ls"]


def test_the_text_lists_every_wall_and_one_quoted_bwrap_line(project: Path) -> None:
    done = cockpit(project, "--sandbox", "cat 'a file.txt'")
    out = done.stdout
    assert field(out, "network") == (
        "  network:   off: no check or rule behind this decision allows the network"
    )
    assert str(project.resolve()) in field(out, "writable")
    assert str(project.parent / "home/.ssh") in out
    assert "processes" in field(out, "limits")
    argv = shlex.split(field(out, "bwrap").split(":", 1)[1])
    assert argv[-3:] == ["bash", "-c", "cat 'a file.txt'"]
    assert "<mask>/dir" in argv


def test_the_printed_argv_is_what_runs(project: Path, tmp_path: Path) -> None:
    (project / "hello.txt").write_text("hi from the workspace\n")
    argv = sandbox_of(project, "cat hello.txt && cat ~/.ssh/id_ed25519")["sandbox"]["bwrap"]
    masks = tmp_path / "masks"
    (masks / "dir").mkdir(parents=True)
    (masks / "file").write_text("")
    os.chmod(masks / "dir", 0)
    os.chmod(masks / "file", 0)
    session_tmp = tmp_path / "session-tmp"
    session_tmp.mkdir()
    runnable = [
        a.replace("<mask>", str(masks)).replace("<session-tmp>", str(session_tmp)) for a in argv
    ]
    env = dict(os.environ, HOME=str(project.parent / "home"))
    done = subprocess.run(runnable, capture_output=True, text=True, timeout=60, env=env)
    assert "hi from the workspace" in done.stdout
    assert "PRIVATE" not in done.stdout
    assert "Permission denied" in done.stderr


def test_a_denied_command_never_runs_and_gets_no_boundary(project: Path) -> None:
    found = sandbox_of(project, "rm -rf /")
    assert found["tier"] == "deny"
    assert found["sandbox"] == {
        "runs": "never",
        "network": False,
        "network_why": "a rule denies the command: it never runs",
    }


def test_without_bwrap_it_still_shows_what_would_run(project: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    (bare / "git").symlink_to("/usr/bin/git")
    done = cockpit(project, "--sandbox", "git", "fetch", path=str(bare))
    assert done.returncode == 0, done.stderr
    assert field(done.stdout, "bwrap").startswith("  bwrap:     bwrap --new-session")


def test_a_workspace_rule_with_network_true_shows_up(project: Path) -> None:
    rules = project / ".cockpit/rules"
    rules.mkdir(parents=True)
    (rules / "team.yaml").write_text(
        "rules:\n  - id: wiki-sync\n    program: wikisync\n    tier: 2\n"
        "    network: true\n    justification: pushes docs to the wiki\n"
    )
    found = sandbox_of(project, "wikisync docs")
    assert found["sandbox"]["network_why"] == "wiki-sync allows it for this command"
    assert str(project.resolve() / ".cockpit") in found["sandbox"]["read_only"]


def test_hidden_characters_are_shown_not_sent_to_the_terminal(project: Path) -> None:
    done = cockpit(project, "--sandbox", "echo \x1b[2J")
    assert "\x1b" not in done.stdout
    assert "\\x1b" in field(done.stdout, "bwrap") or "\\e" in field(done.stdout, "bwrap")
