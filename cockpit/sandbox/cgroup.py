"""A cgroup for one sandboxed call: a process cap where RLIMIT_NPROC does not apply, and a
memory cap for the call as a whole.

The kernel never applies RLIMIT_NPROC to processes whose real user is root, and bwrap run
by root keeps that user: there a fork bomb is stopped only by a cgroup's `pids.max`.
For any other user the `ulimit -u` of the bwrap prelude is enough and no pids cgroup is made.

Memory: the prelude's `ulimit -d` caps each process; where a writable memory cgroup exists
(root, or a delegated systemd scope) the call's processes together are capped too, with
`memory.max` (v2) or `memory.limit_in_bytes` (v1). Past it the kernel's OOM killer ends a
process of the call, never the caller, which is outside the cgroup. `ulimit -v` is not used:
it counts reserved address space, which node, WebAssembly, the JVM and Go reserve by
gigabytes without using it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cockpit.sandbox.pids import alive

_CGROUP_ROOT = Path("/sys/fs/cgroup")
_counter = itertools.count()
_LIMIT_FILES = {
    "pids": ("pids.max",),
    "memory": ("memory.max", "memory.limit_in_bytes"),
}
_NO_SWAP_FILES = ("memory.swap.max", "memory.memsw.limit_in_bytes")
"""Written after the limit so swap cannot stretch it (v2: no swap; v1: memory+swap = limit);
absent where swap accounting is off, and then skipped."""


def _own_cgroup(controller: str) -> Path | None:
    """The writable cgroup folder of `controller` this process is in (v2 or v1), if any."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _id, controllers, path = line.split(":", 2)
        if controllers == "" and controller in _read(_CGROUP_ROOT / "cgroup.controllers"):
            folder = _CGROUP_ROOT / path.lstrip("/")
        elif controller in controllers.split(","):
            folder = _CGROUP_ROOT / controller / path.lstrip("/")
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
    return _own_cgroup("pids") is not None


def memory_available() -> bool:
    return _own_cgroup("memory") is not None


@contextmanager
def pids_limit(processes: int) -> Iterator[Callable[[], None] | None]:
    """A function that moves the calling process into a fresh cgroup capped at
    `processes` (for `preexec_fn`), or None where there is none to make or none needed."""
    with limits(processes, None) as join:
        yield join


@contextmanager
def limits(processes: int | None, memory_bytes: int | None) -> Iterator[Callable[[], None] | None]:
    """Like `pids_limit`, with the call's memory capped at `memory_bytes` as well where a
    memory cgroup can be made; None when no cgroup was needed or could be made."""
    wanted: dict[str, int] = {}
    if processes is not None and needed():
        wanted["pids"] = processes
    if memory_bytes is not None:
        wanted["memory"] = memory_bytes
    # A killed cockpit leaves its folders behind, and pids are reused: the name is never
    # one an earlier process could have taken.
    name = f"cockpit-sandbox-{os.getpid()}-{next(_counter)}-{secrets.token_hex(4)}"
    made: list[Path] = []
    try:
        for controller, value in wanted.items():
            parent = _own_cgroup(controller)
            if parent is None:
                continue
            _sweep_once(parent)
            folder = parent / name
            if folder not in made:  # v2: one folder holds every controller
                folder.mkdir()
                made.append(folder)
            _cap(folder, controller, value)
        if not made:
            yield None
            return
        procs = [str(folder / "cgroup.procs") for folder in made]

        def join() -> None:
            for path in procs:
                fd = os.open(path, os.O_WRONLY)
                try:
                    os.write(fd, str(os.getpid()).encode())
                finally:
                    os.close(fd)

        yield join
    finally:
        if made:  # the call has returned: its folders go when the kernel lets them
            threading.Thread(target=_remove_all, args=(made,), daemon=True).start()


_swept: set[Path] = set()


def _sweep_once(parent: Path) -> None:
    """Remove, once per process, the empty folders of cockpits that are gone (killed before
    their cleanup ran): their pid is in the name."""
    if parent in _swept:
        return
    _swept.add(parent)
    try:
        found = list(parent.glob("cockpit-sandbox-*"))
    except OSError:
        return
    for folder in found:
        pid = folder.name.removeprefix("cockpit-sandbox-").split("-", 1)[0]
        if pid.isdigit() and not alive(int(pid)):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only an empty cgroup can go: a live one stays


def _remove_all(folders: list[Path]) -> None:
    for folder in folders:
        _remove(folder)


def _cap(folder: Path, controller: str, value: int) -> None:
    """Write the limit into the first of the controller's files the folder has (a v2 folder
    without the controller enabled has none: then the prelude's ulimit is the cap)."""
    for file in _LIMIT_FILES[controller]:
        if (folder / file).exists():
            (folder / file).write_text(str(value))
            break
    else:
        return
    if controller == "memory":
        for file in _NO_SWAP_FILES:
            with contextlib.suppress(OSError):
                (folder / file).write_text("0" if file.endswith("swap.max") else str(value))


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
