"""Real git repositories for the worktree tests, and the real `cockpit worktrees` CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "tester",
    "GIT_AUTHOR_EMAIL": "tester@localhost",
    "GIT_COMMITTER_NAME": "tester",
    "GIT_COMMITTER_EMAIL": "tester@localhost",
}


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(cwd), *args], capture_output=True, text=True, env=GIT_ENV
    )
    assert out.returncode == 0, f"git {' '.join(args)}: {out.stderr}"
    return out.stdout.strip()


def make_repo(root: Path, files: dict[str, str] | None = None) -> Path:
    """A repository at ``root`` with one commit of ``files`` (default: one README)."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    for name, text in (files or {"README.md": "hello\n"}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the start")
    return root.resolve()


def commit(cwd: Path, name: str, text: str, message: str) -> str:
    (cwd / name).parent.mkdir(parents=True, exist_ok=True)
    (cwd / name).write_text(text)
    git(cwd, "add", name)
    git(cwd, "commit", "-q", "-m", message)
    return git(cwd, "rev-parse", "HEAD")


def cockpit(
    cwd: Path, *args: str, stdin: int | None = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    """``python -m cockpit ARGS`` in ``cwd``, as a user runs it (no terminal unless given)."""
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *args],
        cwd=cwd,
        stdin=stdin,
        capture_output=True,
        text=True,
        env=GIT_ENV,
        timeout=60,
    )
