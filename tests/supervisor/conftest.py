"""A real git workspace and helpers to run cockpit as a user would: a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("def greet():\n    return 'hello'\n")
    (root / "plan.md").write_text("# Demo\n\n## Phase 1\n- [ ] Make greet friendlier @builder\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.email=t@t", "-c", "user.name=t", "add", "-A")
    git(root, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init")
    return root


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ANTHROPIC_", "COCKPIT_")) and k != "PYTEST_CURRENT_TEST"
    }
    env["PYTHONPATH"] = str(REPO)
    env.update(extra or {})
    return env


def cockpit(
    root: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
    worktrees: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``cockpit *args`` in ``root``. A `run` here has its agents share the tree (what these
    tests are about is not isolation) unless ``worktrees``: tests/supervisor/
    test_worktree_sessions.py is where agents get a worktree each."""
    if args[:1] == ("run",) and not worktrees:
        args = ("run", "--shared-tree", *args[1:])
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *args],
        cwd=root,
        env=clean_env(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def session_log(root: Path) -> Path:
    logs = sorted((root / ".cockpit" / "sessions").glob("*.jsonl"))
    assert logs, "no session log was written"
    return logs[-1]


def events(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def of_kind(evs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in evs if e["kind"] == kind]
