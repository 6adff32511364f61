"""A pids cgroup for one sandboxed call, where the process limit needs one.

The kernel never applies RLIMIT_NPROC to processes whose real user is root, and bwrap run
by root keeps that user: there a fork bomb is stopped only by a cgroup's `pids.max`.
For any other user the `ulimit -u` of the bwrap prelude is enough and this is not used.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

_CGROUP_ROOT = Path("/sys/fs/cgroup")
_counter = itertools.count()


def _own_pids_cgroup() -> Path | None:
    """The writable pids cgroup folder this process is in (v2 or v1), if any."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _id, controllers, path = line.split(":", 2)
        if controllers == "" and "pids" in _read(_CGROUP_ROOT / "cgroup.controllers"):
            folder = _CGROUP_ROOT / path.lstrip("/")
        elif "pids" in controllers.split(","):
            folder = _CGROUP_ROOT / "pids" / path.lstrip("/")
        else:
            continue
        if os.access(folder, os.W_OK):
            return folder
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def needed() -> bool:
    return os.geteuid() == 0


def available() -> bool:
    return _own_pids_cgroup() is not None


@contextmanager
def pids_limit(processes: int) -> Iterator[Callable[[], None] | None]:
    """A function that moves the calling process into a fresh cgroup capped at
    `processes` (for `preexec_fn`), or None where there is none to make or none needed."""
    parent = _own_pids_cgroup() if needed() else None
    if parent is None:
        yield None
        return
    folder = parent / f"cockpit-sandbox-{os.getpid()}-{next(_counter)}"
    folder.mkdir()
    try:
        (folder / "pids.max").write_text(str(processes))
        procs = str(folder / "cgroup.procs")

        def join() -> None:
            fd = os.open(procs, os.O_WRONLY)
            try:
                os.write(fd, str(os.getpid()).encode())
            finally:
                os.close(fd)

        yield join
    finally:
        _remove(folder)


def _remove(folder: Path, within_s: float = 5.0) -> None:
    """Remove the call's cgroup once the kernel has let go of its last process: a killed
    process is counted (and the folder busy) until it is reaped, after `cgroup.procs`
    already looks empty."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            folder.rmdir()
            return
        except OSError:
            if time.monotonic() >= deadline:
                return  # an empty leftover folder, harmless; the next boot clears it
            time.sleep(0.005)
