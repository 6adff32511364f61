"""Which boundary a failed command ran into, read from its own output (Linux has no
kernel feed of sandbox denials): so the model is told, not left guessing."""

from __future__ import annotations

from cockpit.sandbox.boundary import BlockedBy, Boundary

_READ_ONLY = ("read-only file system",)
_DENIED = ("permission denied", "operation not permitted")
_NETWORK = (
    "network is unreachable",
    "connection refused",
    "couldn't connect to server",
    "failed to connect to",
    "could not resolve host",
    "temporary failure in name resolution",
    "name or service not known",
    "cannot assign requested address",
)
_BUSY = "device or resource busy"
_MEMORY = ("memoryerror", "cannot allocate memory", "out of memory", "bad_alloc")
_FORK = ("resource temporarily unavailable", "cannot fork", "retry: no child processes")


def recognise(exit_code: int, output: str, boundary: Boundary) -> BlockedBy | None:
    """The boundary the output names, for a command that failed; None when it is not one."""
    text = output.lower()
    if any(k in text for k in _FORK):
        return BlockedBy.PROCESSES  # even when the last command of a fork bomb exited 0
    if exit_code == 0:
        return None
    if any(k in text for k in _READ_ONLY):
        return BlockedBy.READ_ONLY
    if _BUSY in text and _names_a_read_only_path(text, boundary):
        return BlockedBy.READ_ONLY  # a rename over a read-only bind (`git config`)
    if any(k in text for k in _DENIED) and _names_a_masked_path(text, boundary):
        return BlockedBy.MASKED
    if any(k in text for k in _MEMORY) or (exit_code in (137, -9) and "killed" in text):
        return BlockedBy.MEMORY
    if not boundary.network and any(k in text for k in _NETWORK):
        return BlockedBy.NETWORK
    return None


def _names_a_masked_path(text: str, boundary: Boundary) -> bool:
    """A denied line naming a masked path: whole, relative to the workspace (`cat .env`),
    or from the home folder (`~/.ssh/id_ed25519`)."""
    for line in text.splitlines():
        if not any(k in line for k in _DENIED):
            continue
        for path in boundary.masked:
            names = {str(path).lower()}
            for base, prefix in ((boundary.workspace, ""), (boundary.home, "~/")):
                if path.is_relative_to(base):
                    names.add(prefix + str(path.relative_to(base)).lower())
            if any(name and name in line for name in names):
                return True
    return False


def _names_a_read_only_path(text: str, boundary: Boundary) -> bool:
    for path in boundary.read_only:
        names = {str(path).lower()}
        if path.is_relative_to(boundary.workspace):
            names.add(str(path.relative_to(boundary.workspace)).lower())
        if any(name in text for name in names):
            return True
    return False
