"""Git as the merge package runs it: plumbing commands in a subprocess, never the user's
checkout or index, and any failure an error (fail closed: what git could not tell us is
never read as "nothing changed" or "no conflict")."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path

from cockpit.errors import CockpitError

IDENTITY = {
    "GIT_AUTHOR_NAME": "cockpit",
    "GIT_AUTHOR_EMAIL": "cockpit@localhost",
    "GIT_COMMITTER_NAME": "cockpit",
    "GIT_COMMITTER_EMAIL": "cockpit@localhost",
}
"""Who records a merge commit: cockpit made it, the branches' commits keep their authors."""

ZERO = "0" * 40
"""The old value `update-ref` takes to mean "the ref must not exist yet"."""


class MergeError(CockpitError):
    """Git failed while cockpit read or merged a branch: nothing is merged on a guess."""


class GitOutcome:
    """What one git command printed, and its exit code (for the commands whose code means
    something other than failure: `merge-tree` exits 1 on a conflict)."""

    __slots__ = ("code", "err", "out")

    def __init__(self, code: int, out: bytes, err: bytes) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def text(self) -> str:
        return self.out.decode("utf-8", "surrogateescape")


async def git_outcome(
    repo: Path, *args: str, env: Mapping[str, str] | None = None, ok: tuple[int, ...] = (0,)
) -> GitOutcome:
    """Run ``git -C repo ARGS``; an exit code outside ``ok`` is a `MergeError`."""
    full = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
    try:
        proc = await asyncio.create_subprocess_exec(
            "git",
            "-C",
            str(repo),
            # An agent's worktree is where this runs: nothing it could have configured
            # runs a program of its own here (its config files are read-only to it too).
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.hooksPath=/dev/null",
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=full,
        )
        out, err = await proc.communicate()
    except OSError as exc:
        raise MergeError(f"cannot run git in {repo}: {exc.strerror or exc}") from exc
    code = proc.returncode if proc.returncode is not None else -1
    if code not in ok:
        said = [line for line in err.decode("utf-8", "replace").strip().splitlines() if line]
        # git's own verdict ("fatal: Unable to create '.../index.lock': File exists."), not
        # its advice after it ("... remove the file manually to continue.").
        verdicts = [line for line in said if line.startswith(("fatal:", "error:"))]
        why = (verdicts or said or [f"exit {code}"])[0 if verdicts else -1]
        raise MergeError(f"git {_subcommand(args)} failed in {repo}: {why}")
    return GitOutcome(code, out, err)


async def git(repo: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """The output of ``git -C repo ARGS``, which must succeed."""
    return (await git_outcome(repo, *args, env=env)).text


def nul_split(text: str) -> list[str]:
    """The fields of a ``-z`` output."""
    return [p for p in text.split("\0") if p]


def _subcommand(args: tuple[str, ...]) -> str:
    """The git command run, past its ``-c name=value`` options: ``commit``, not ``-c``."""
    rest = list(args)
    while len(rest) > 1 and rest[0] == "-c":
        rest = rest[2:]
    return rest[0] if rest else "?"
