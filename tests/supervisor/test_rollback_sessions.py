"""A rollback across sessions, through the real CLI: session A snapshots, session B runs,
the user rolls back to A's snapshot. The code comes back; every log, head and artifact,
the rules and the config stay byte for byte, and every log still audits."""

from __future__ import annotations

from pathlib import Path

from tests.supervisor.conftest import cockpit, events, git

SESSION_A = """
agents:
  builder:
    - calls:
        - edit_file: {path: src/app.py, old: "'hello'", new: "'hello, A'"}
        - bash: {command: "python3 -c \\"print('a' * 40000)\\""}
    - text: "A done"
"""
SESSION_B = """
agents:
  builder:
    - calls:
        - edit_file: {path: src/app.py, old: "'hello, A'", new: "'hello, B'"}
        - write_file: {path: src/extra.py, content: "EXTRA = 1\\n"}
        - bash: {command: "python3 -c \\"print('b' * 40000)\\""}
    - text: "B done"
"""
RULES = (
    "rules:\n  - id: no-deploy\n    program: make\n    args: [deploy]\n    tier: deny\n"
    "    justification: deploys go through CI\n"
)


def run_session(workspace: Path, script: Path, text: str) -> str:
    script.write_text(text)
    before = set(_logs(workspace))
    out = cockpit(workspace, "run", "--headless", "--agents", "builder", "--script", str(script))
    assert out.returncode == 0, out.stderr
    (new,) = set(_logs(workspace)) - before
    return new.stem


def _logs(workspace: Path) -> list[Path]:
    return sorted((workspace / ".cockpit" / "sessions").glob("*.jsonl"))


def cockpit_files(workspace: Path) -> dict[str, bytes]:
    folder = workspace / ".cockpit"
    return {
        str(p.relative_to(workspace)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_rollback_across_sessions_leaves_every_log_and_rule_as_it_is(
    workspace: Path, tmp_path: Path
) -> None:
    (workspace / ".cockpit" / "rules").mkdir(parents=True)
    (workspace / ".cockpit" / "rules" / "team.yaml").write_text(RULES)
    (workspace / ".cockpit" / "config.yaml").write_text("ui:\n  theme: dark\n")
    a = run_session(workspace, tmp_path / "a.yaml", SESSION_A)
    snaps_a = [
        e["data"]["ref"]
        for e in events(workspace / ".cockpit" / "sessions" / f"{a}.jsonl")
        if e["kind"] == "safeguard.snapshot" and "ref" in e["data"]
    ]
    assert len(snaps_a) >= 2  # the session start, then before each tier-2 call
    target = snaps_a[0]  # A's start
    # Between the snapshot and the rollback: the rules and config change, and session B
    # writes its own log, head and artifacts.
    (workspace / ".cockpit" / "rules" / "team.yaml").write_text(RULES + "# reviewed\n")
    (workspace / ".cockpit" / "config.yaml").write_text("ui:\n  theme: light\n")
    b = run_session(workspace, tmp_path / "b.yaml", SESSION_B)
    assert (workspace / "src/app.py").read_text() == "def greet():\n    return 'hello, B'\n"
    assert any((workspace / ".cockpit" / "sessions" / b).iterdir())  # B has artifacts
    before = cockpit_files(workspace)

    out = cockpit(workspace, "rollback", "--yes", target)
    assert out.returncode == 0, out.stderr
    assert ".cockpit" not in out.stdout

    assert (workspace / "src/app.py").read_text() == "def greet():\n    return 'hello'\n"
    assert not (workspace / "src/extra.py").exists()
    assert cockpit_files(workspace) == before
    for log in _logs(workspace):
        audit = cockpit(workspace, "audit", str(log))
        assert audit.returncode == 0, f"{log.name}: {audit.stdout}{audit.stderr}"
    # The snapshots themselves never held cockpit's files.
    for ref in snaps_a:
        assert ".cockpit" not in git(workspace, "ls-tree", "-r", "--name-only", ref)
    assert ".cockpit" not in git(workspace, "status", "--porcelain")


def test_a_session_dir_inside_the_repository_but_outside_cockpit_is_refused(
    workspace: Path, tmp_path: Path
) -> None:
    """Logs in `logs/` were copied into every snapshot, and a rollback to the first session's
    start restored its old log and deleted the second session's: such a folder is refused."""
    script = tmp_path / "a.yaml"
    script.write_text(SESSION_A)
    for where in ("logs", "src/..", str(workspace / "logs")):
        out = cockpit(
            workspace, "run", "--headless", "--agents", "builder", "--session-dir", where,
            "--script", str(script),
        )  # fmt: skip
        assert out.returncode == 2
        assert out.stderr.startswith(f"cockpit: --session-dir {where}: inside the repository")
        assert out.stderr.count("\n") == 1
    assert not (workspace / "logs").exists()
    assert not git(workspace, "for-each-ref", "refs/cockpit")  # no session began
    inside = cockpit(
        workspace, "run", "--headless", "--agents", "builder",
        "--session-dir", ".cockpit/other", "--script", str(script),
    )  # fmt: skip
    assert inside.returncode == 0, inside.stderr
    assert list((workspace / ".cockpit" / "other").glob("*.jsonl"))
