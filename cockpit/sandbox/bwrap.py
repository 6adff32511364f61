"""The bubblewrap argument list: the whole boundary in one function, so the note and
`cockpit sandbox check --args` can print exactly what runs.

Order matters (later mounts win): the root read-only, fresh /dev, /proc and /tmp, then the
writable roots, then the read-only paths inside them, then the masks over everything.
"""

from __future__ import annotations

from pathlib import Path

from cockpit.sandbox.boundary import Boundary

LIMITS_PRELUDE = 'ulimit -u "$1" -v "$2" || exit 126; shift 2; exec "$@"'
"""Run first inside the sandbox: the process and memory limits, then the command itself
(set inside the new user namespace, so the process count is the sandbox's alone)."""


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
    args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for root in (boundary.workspace, *boundary.writable):
        args += ["--bind", str(root), str(root)]
    for path in boundary.read_only:
        args += ["--ro-bind", str(path), str(path)]
    for path in boundary.masked:
        mask = mask_dir / ("dir" if path.is_dir() else "file")
        args += ["--ro-bind", str(mask), str(path)]
    limits = boundary.limits
    args += ["--chdir", str(cwd), "--", "bash", "-c", LIMITS_PRELUDE, "cockpit-sandbox"]
    args += [str(limits.processes), str(max(limits.memory_bytes // 1024, 1)), *argv]
    return args
