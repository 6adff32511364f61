"""Git, run as a subprocess, failing closed: a git that errors is a `WorktreeError` naming
the command and git's own line, never a guess that lets a removal through."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from cockpit.errors import CockpitError

_INHERITED_GIT = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX")
"""Set by a hook or a wrapper, these would point every command at another repository."""


class WorktreeError(CockpitError):
    """An agent's worktree cannot be made, read or removed; the message says which and why."""


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED_GIT}
    env["GIT_OPTIONAL_LOCKS"] = "0"  # reading state must not take the index lock from an agent
    env["LC_ALL"] = "C"
    return env


def git(
    cwd: Path, *args: str, check: bool = True, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``git -C cwd ARGS``; with ``check``, a non-zero exit raises `WorktreeError`."""
    try:
        out = subprocess.run(
            ["git", "-C", str(cwd), *args],
            **({"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}),
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            env=git_env(),
            check=False,
        )
    except OSError as exc:
        raise WorktreeError(f"cannot run git: {exc}") from exc
    if check and out.returncode != 0:
        raise WorktreeError(f"git {' '.join(args[:2])} failed: {last_line(out.stderr)}")
    return out


def output(cwd: Path, *args: str) -> str:
    return git(cwd, *args).stdout


def z_list(text: str) -> list[str]:
    """The entries of a ``-z`` listing."""
    return [entry for entry in text.split("\0") if entry]


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def ref_sha(cwd: Path, ref: str) -> str | None:
    """The commit ``ref`` names, or None when there is no such ref."""
    out = git(cwd, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if out.returncode == 0:
        return out.stdout.strip()
    if out.returncode == 1 and not out.stderr.strip():
        return None
    raise WorktreeError(f"git rev-parse {ref} failed: {last_line(out.stderr)}")
