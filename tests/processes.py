"""Finding a test's processes on this machine. A sandboxed command's own pids are its
namespace's, so a test finds what it started by a word only it uses."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from tests.waiting import WaitTimeout, wait_until_sync


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


def left_after_call(
    find: Callable[[str], list[int]], token: str, within_s: float = 2.0
) -> list[int]:
    """What is still running a moment after a call returned: the kernel ends a namespace's
    processes as its init exits, and `/proc` can list one that is being ended a little
    longer. A process that outlived its call is still there after `within_s`."""
    with contextlib.suppress(WaitTimeout):
        wait_until_sync(
            lambda: not find(token), f"processes with {token!r} to end", timeout=within_s
        )
    return find(token)
