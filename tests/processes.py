"""Finding a test's processes on this machine. A sandboxed command's own pids are its
namespace's, so a test finds what it started by a word only it uses."""

from __future__ import annotations

from pathlib import Path


def _command_lines() -> list[tuple[int, bytes]]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            found.append((int(proc.name), (proc / "cmdline").read_bytes()))
        except OSError:
            continue  # gone while we looked
    return found


def with_arg(arg: str) -> list[int]:
    """The pids of live processes with ``arg`` as one of their arguments."""
    return [pid for pid, line in _command_lines() if arg.encode() in line.split(b"\0")]


def with_text(token: str) -> list[int]:
    """The pids of live processes whose command line contains ``token`` anywhere."""
    return [pid for pid, line in _command_lines() if token.encode() in line]
