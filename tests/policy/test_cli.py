"""`cockpit check`, `cockpit rules` and `cockpit rollback`, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.safeguard.snapshots import Safeguard

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def cockpit(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src/app.py").write_text("print(1)\n")
    (root / "build").mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "."], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", "x"], check=True, env=ENV)
    return root


def test_check_prints_tier_reasons_and_rules(repo: Path) -> None:
    out = cockpit(repo, "check", "rm -rf build && git status")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "tier 3"
    assert "  reason: recursive deletion: rm -rf build" in lines
    assert any(
        line.startswith("  rule:   builtin:rm-recursive (rules/default.yaml:") for line in lines
    )
    assert any("builtin:git-read" in line for line in lines)


def test_check_json_and_cwd(repo: Path, tmp_path: Path) -> None:
    out = cockpit(
        tmp_path, "check", "--json", "--cwd", str(repo / "src"), "--", "echo", "x", ">", "app.py"
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["command"] == "echo x > app.py"
    assert data["tier"] == 2
    assert any("app.py" in r for r in data["reasons"])
    assert {"id": "builtin:modify-file", "source": data["rules"][0]["source"]} in data["rules"]


def test_check_stdin_jsonl_streams_and_survives_bad_lines(repo: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "check", "--stdin-jsonl", "--cwd", str(repo)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        # One line in, one line out, before the next line is even written.
        proc.stdin.write(json.dumps({"command": "git status"}) + "\n")
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())
        assert first == {
            "command": "git status",
            "tier": 1,
            "reasons": ["read-only git status: git status"],
            "rules": [{"id": "builtin:git-read", "source": first["rules"][0]["source"]}],
        }
        proc.stdin.write("this is not json\n")
        proc.stdin.write("\n")
        proc.stdin.write(json.dumps(["git status"]) + "\n")
        proc.stdin.write(json.dumps({"command": "ls", "cwd": 7}) + "\n")
        proc.stdin.write(json.dumps({"command": "rm app.py", "cwd": "src"}) + "\n")
        proc.stdin.write(json.dumps({"command": "curl x | sh"}) + "\n")
        proc.stdin.close()
        rest = [json.loads(line) for line in proc.stdout.read().splitlines()]
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == 0
    assert rest[0] == {"line": 2, "error": rest[0]["error"]}
    assert rest[0]["error"].startswith("invalid JSON")
    assert rest[1] == {"line": 4, "error": 'expected an object with a "command" string'}
    assert rest[2]["line"] == 5 and "cwd" in rest[2]["error"]
    assert rest[3]["command"] == "rm app.py" and rest[3]["tier"] == 2
    assert rest[4]["tier"] == 3
    assert len(rest) == 5


def test_check_without_a_command_is_one_clear_line(repo: Path) -> None:
    out = cockpit(repo, "check")
    assert out.returncode == 2
    assert out.stderr == "cockpit: check needs a COMMAND (or --stdin-jsonl)\n"


def test_a_bad_rule_file_is_one_line_with_file_and_line(repo: Path) -> None:
    rules = repo / ".cockpit/rules"
    rules.mkdir(parents=True)
    (rules / "team.yaml").write_text(
        "rules:\n  - id: a\n    program: npm\n    tier: five\n    justification: x\n"
    )
    out = cockpit(repo, "check", "ls")
    assert out.returncode == 2
    assert out.stderr == (
        "cockpit: .cockpit/rules/team.yaml:4: tier must be 1, 2, 3 or deny, not 'five'\n"
    )
    assert "Traceback" not in out.stderr


def test_rules_lists_effective_rules_with_sources(repo: Path) -> None:
    rules = repo / ".cockpit/rules"
    rules.mkdir(parents=True)
    (rules / "team.yaml").write_text(
        "rules:\n  - id: no-deploy\n    program: make\n    args: [deploy]\n    tier: deny\n"
        "    justification: deploys go through CI\n"
    )
    out = cockpit(repo, "rules")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("files: rules/default.yaml, .cockpit/rules/team.yaml\n")
    lines = out.stdout.splitlines()
    assert any("builtin:rm-recursive" in line and "rules/default.yaml:" in line for line in lines)
    deploy = next(line for line in lines if line.strip().startswith("no-deploy"))
    assert "deny" in deploy and ".cockpit/rules/team.yaml:2" in deploy
    assert "deploys go through CI" in deploy
    data = json.loads(cockpit(repo, "rules", "--json").stdout)
    assert {
        "id": "no-deploy",
        "tier": "deny",
        "network": False,
        "source": ".cockpit/rules/team.yaml:2",
        "kind": "command",
        "match": "make deploy …",
        "justification": "deploys go through CI",
    } in data["rules"]
    assert len(data["checks"]) > 40
    fetch = next(c for c in data["checks"] if c["id"] == "builtin:git-fetch")
    assert (fetch["tier"], fetch["network"]) == (2, True)
    assert any("builtin:git-fetch" in line and "(gets the network)" in line for line in lines)


def test_rollback_refuses_without_a_terminal_and_restores_with_yes(repo: Path) -> None:
    snap = Safeguard(repo, "cli").snapshot("before edit")
    assert snap is not None
    (repo / "src/app.py").write_text("broken\n")

    listing = cockpit(repo, "rollback", "--list")
    assert f"{snap.ref}  {snap.commit[:12]}  before edit" in listing.stdout

    refused = cockpit(repo, "rollback", snap.ref)
    assert refused.returncode == 2
    assert refused.stderr == (
        "cockpit: refusing to roll back without confirmation: run it in a terminal or pass --yes\n"
    )
    assert (repo / "src/app.py").read_text() == "broken\n"

    done = cockpit(repo, "rollback", "--yes", "cli/1")
    assert done.returncode == 0, done.stderr
    assert "restore src/app.py" in done.stdout
    assert "undo with: cockpit rollback refs/cockpit/snapshots/cli/2" in done.stdout
    assert (repo / "src/app.py").read_text() == "print(1)\n"

    again = cockpit(repo, "rollback", "--yes", "cli/1")
    assert "already matches" in again.stdout


def test_rollback_asks_on_the_terminal(repo: Path) -> None:
    pty = pytest.importorskip("pty")
    snap = Safeguard(repo, "tty").snapshot("x")
    assert snap is not None
    (repo / "src/app.py").write_text("broken\n")
    for answer, expected in (("n", "broken\n"), ("y", "print(1)\n")):
        master, slave = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "cockpit", "rollback", snap.ref],
            cwd=repo,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=ENV,
        )
        os.close(slave)
        output = b""
        while b"[y/N]" not in output:
            output += os.read(master, 1024)
        os.write(master, answer.encode() + b"\n")
        proc.wait(timeout=60)
        os.close(master)
        assert (repo / "src/app.py").read_text() == expected
        assert proc.returncode == (1 if answer == "n" else 0)


def test_rollback_of_an_unknown_snapshot_is_one_line(repo: Path) -> None:
    out = cockpit(repo, "rollback", "--yes", "nope/3")
    assert out.returncode == 2
    assert out.stderr == "cockpit: no snapshot 'nope/3' (see `cockpit rollback --list`)\n"
