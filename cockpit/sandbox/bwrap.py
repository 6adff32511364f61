"""The bubblewrap argument list: the whole boundary in one function, so the note and
`cockpit sandbox check --args` can print exactly what runs.

Order matters (later mounts win): the root read-only, fresh /dev, /proc and /tmp, then the
writable roots, then the read-only paths inside them, then the masks over everything.
A read-only folder that does not exist yet gets an empty read-only tmpfs: bwrap makes the
mount point through the writable workspace bind, so that empty folder stays on disk after
the call, and nothing can be created inside it (`mkdir .claude && echo x >
.claude/settings.json` fails on "Read-only file system").
"""

from __future__ import annotations

import os
from pathlib import Path

from cockpit.sandbox.boundary import Boundary

_RUN_KEPT = ("/run/systemd/resolve", "/run/resolvconf", "/run/NetworkManager")
"""Where /etc/resolv.conf may point: kept (read-only) for a command given the network."""

LIMITS_PRELUDE = 'ulimit -u "$1" -d "$2" || exit 126; shift 2; exec "$@"'
"""Run first inside the sandbox: the process and memory limits, then the command itself
(set inside the new user namespace, so the process count is the sandbox's alone).

Memory is capped per process with `ulimit -d` (RLIMIT_DATA: the writable private memory a
process maps), not `ulimit -v` (address space): V8/node, WebAssembly, the JVM and Go
reserve gigabytes of address space they never touch, and fail at start under `-v` (node's
`new WebAssembly.Memory` does under 4 GiB). Where a writable memory cgroup exists, the call
is also capped as a whole (`cgroup.limits`). ASan's shadow memory counts as data: a
sanitised build needs a larger limit."""


def bwrap_args(
    boundary: Boundary,
    argv: list[str],
    cwd: Path,
    mask_dir: Path,
    bwrap: str = "bwrap",
) -> list[str]:
    """The full argv for running `argv` in `cwd` inside `boundary`.

    `mask_dir` holds `file` and `dir`, both mode 000: bound over a masked path they make
    it unreadable with "Permission denied" (an empty file would look like a real one).
    """
    args = [
        bwrap,
        "--new-session",  # no TIOCSTI into the user's terminal (CVE-2017-5226)
        "--die-with-parent",
        "--unshare-user",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
    ]
    if not boundary.network:
        args.append("--unshare-net")
    args += ["--cap-drop", "ALL"]
    args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    args += ["--bind", str(boundary.tmp), "/tmp"] if boundary.tmp else ["--tmpfs", "/tmp"]
    # Sockets with a path outside /tmp (the session bus under /run/user, docker.sock, an
    # agent socket) would reach the host through the read-only root: /run is emptied,
    # keeping only what name resolution needs once a command has the network.
    if os.path.isdir("/run") and not os.path.islink("/run"):
        args += ["--tmpfs", "/run"]
        for kept in _RUN_KEPT:
            if boundary.network and os.path.isdir(kept):
                args += ["--ro-bind", kept, kept]
    for root in (boundary.workspace, *boundary.writable):
        args += ["--bind", str(root), str(root)]
    git = boundary.workspace / ".git"
    if git.is_dir() and not git.is_symlink():
        # A mount point of its own: `.git` cannot be renamed away and replaced by one
        # whose config runs programs the next time anyone's git reads it.
        args += ["--bind", str(git), str(git)]
    for path in boundary.read_only:
        if os.path.lexists(path):
            args += ["--ro-bind", str(path), str(path)]
        else:
            args += ["--tmpfs", str(path), "--remount-ro", str(path)]
    for source, seen in boundary.overlays:
        if os.path.isfile(seen) and not os.path.islink(seen) and os.path.isfile(source):
            args += ["--ro-bind", str(source), str(seen)]
    for path in boundary.masked:
        mask = mask_dir / ("dir" if path.is_dir() else "file")
        args += ["--ro-bind", str(mask), str(path)]
    limits = boundary.limits
    args += ["--chdir", str(cwd), "--", "bash", "-c", LIMITS_PRELUDE, "cockpit-sandbox"]
    args += [str(limits.processes), str(max(limits.memory_bytes // 1024, 1)), *argv]
    return args
