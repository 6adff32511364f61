"""When a command runs into the sandbox: what the model is told, and what the human may
be offered (one re-run with the boundary widened). The model never asks for it and never
gets it by itself: only the human's yes at the tier-3 prompt widens a boundary."""

from __future__ import annotations

import os
import re
from pathlib import Path

from cockpit.policy.model import Decision, RuleRef, Tier
from cockpit.sandbox.boundary import BlockedBy, Widening

_EXPLAINED = {
    BlockedBy.READ_ONLY: (
        "the sandbox lets commands write only inside the workspace, and not to git's "
        "control files, .cockpit/, .claude/, .codex/ or .gemini/ there"
    ),
    BlockedBy.MASKED: (
        "that path is masked by the sandbox (credentials and secrets are not readable by "
        "agents' commands)"
    ),
    BlockedBy.NETWORK: "commands run without the network unless the human allows that command",
    BlockedBy.PROCESSES: "the command reached the sandbox's process limit",
    BlockedBy.OUTPUT: "the command reached the sandbox's output limit",
    BlockedBy.TIMEOUT: "the command reached its time limit",
    BlockedBy.GIT_CONTROL: (
        "it changed files at the top of .git that make git read another configuration "
        "(they can make anyone's next git run a program); cockpit undid those changes"
    ),
    BlockedBy.MEMORY: "the command reached the sandbox's memory limit",
}

_PATH = re.compile(r"""(?<![\w.~-])/[^\s'"‘’`:,()\[\]]+""")


def explanation(blocked: BlockedBy) -> str:
    """The note appended to the tool result: which boundary, and what the model may do."""
    return (
        f"[blocked by the sandbox ({blocked}): {_EXPLAINED[blocked]}. You cannot change "
        "the sandbox; choose another way, or use report_blocked to tell the human what "
        "you need.]"
    )


def written_path(output: str) -> Path | None:
    """The path a read-only-filesystem error names, before the words (`touch: cannot
    touch '/x': Read-only file system`) or after them (Python's `[Errno 30] Read-only
    file system: '/x'`)."""
    for line in output.splitlines():
        if "read-only file system" in line.lower():
            found = _PATH.search(line)
            if found:
                return Path(found.group(0))
    return None


def offer(
    blocked: BlockedBy,
    output: str,
    had: Widening,
    workspace: Path,
    home: Path,
    masked: tuple[Path, ...],
) -> Widening | None:
    """What the human may allow for one re-run, or None when nothing should be offered:
    the network, or the one folder outside the workspace the command tried to write (see
    `widenable`). What the output names is only what the program printed: the prompt says
    so, and a folder that runs code by itself is never offered."""
    if blocked is BlockedBy.NETWORK and not had.network:
        return Widening(network=True)
    if blocked is not BlockedBy.READ_ONLY:
        return None
    path = written_path(output)
    if path is None:
        return None
    real = Path(os.path.realpath(path))
    target = real if real.is_dir() else real.parent
    if not widenable(target, workspace, home, masked) or target in had.writable:
        return None
    return Widening(writable=(target,))


_RUNS_BY_ITSELF = (
    ".local/bin", "bin", ".config", ".local/share/applications", ".profile.d", ".bashrc.d",
    ".ssh", ".gnupg", ".git", ".cockpit",
)  # fmt: skip
"""Folders under the home where a file runs, or decides what runs, by itself (autostart,
systemd units, the shell's PATH, git's config): never one a yes makes writable."""


def widenable(target: Path, workspace: Path, home: Path, masked: tuple[Path, ...]) -> bool:
    """A folder outside the workspace a human may make writable for one command: an
    existing folder that is not a system root, not the home folder or a folder that runs
    code by itself, not masked, and not the workspace (whose protected files stay so)."""
    root = Path(os.path.realpath(workspace))
    home = Path(os.path.realpath(home))
    if not target.is_dir() or target == root or root in target.parents:
        return False
    if len(target.parts) <= 2 or target == home or target in home.parents:
        return False  # `/etc`, `/usr`, the home folder: not "one path"
    for name in _RUNS_BY_ITSELF:
        folder = home / name
        if target == folder or folder in target.parents:
            return False
    return not any(m == target or target in m.parents or m in target.parents for m in masked)


def rerun_decision(blocked: BlockedBy, wider: Widening, detail: str = "") -> Decision:
    """The tier-3 question put to the human for a widened re-run (the prompt's sandbox
    line says what a yes widens)."""
    said = f": {detail}" if detail else ""
    return Decision(
        tier=Tier.ASK,
        reasons=(f"it ran, and its output says the sandbox stopped it ({blocked}){said}",),
        rules=(RuleRef(f"sandbox:{blocked.name.lower().replace('_', '-')}", "sandbox"),),
    )
