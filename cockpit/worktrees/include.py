"""`.worktreeinclude`: the gitignored files a project needs in every new worktree (a local
config, a license file, generated keys for tests), copied in as Claude Code, agent-deck and
ccmanager do.

The file sits at the repository's top and uses gitignore patterns. A file is copied only
when it matches a pattern *and* git ignores it: a tracked file is already in the checkout.
Never copied, whatever the patterns say: dotenv files (``.env``, ``.env.local``, ``.envrc``:
``.env*``), the credential files the policy treats as secrets, and cockpit's own
``.cockpit/`` (its logs, and the other agents' worktrees: no nested forest). An existing
file in the worktree is never overwritten.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.safeguard.secret_paths import is_cockpit_path, is_secret_path
from cockpit.worktrees.git import WorktreeError, git, last_line, output, z_list

INCLUDE_FILE = ".worktreeinclude"


@dataclass(frozen=True)
class Included:
    """What `.worktreeinclude` brought into a worktree, and what it named but cockpit
    refused to copy (a secret)."""

    copied: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def never_copied(path: str) -> bool:
    parts = path.split("/")
    return (
        is_secret_path(path)
        or is_cockpit_path(path)
        or parts[0] == ".cockpit"
        or any(part.startswith(".env") for part in parts)
    )


def included_files(top: Path) -> tuple[list[str], list[str]]:
    """The ignored files `.worktreeinclude` names (relative to ``top``), and the ones
    among them that are never copied."""
    spec = top / INCLUDE_FILE
    if not spec.is_file():
        return [], []
    candidates = z_list(
        output(top, "ls-files", "-z", "--others", "--ignored", f"--exclude-from={spec}")
    )
    if not candidates:
        return [], []
    checked = git(top, "check-ignore", "-z", "--stdin", check=False, stdin="\0".join(candidates))
    if checked.returncode not in (0, 1):
        raise WorktreeError(f"git check-ignore failed: {last_line(checked.stderr)}")
    ignored = sorted(set(z_list(checked.stdout)))
    refused = [p for p in ignored if never_copied(p)]
    return [p for p in ignored if not never_copied(p)], refused


def copy_included(top: Path, tree: Path) -> Included:
    """Copy the files `.worktreeinclude` names from ``top`` into the new worktree ``tree``."""
    wanted, refused = included_files(top)
    copied: list[str] = []
    for rel in wanted:
        src, dst = top / rel, tree / rel
        if os.path.lexists(dst):
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        elif src.is_file():
            shutil.copy2(src, dst)
        else:
            continue
        copied.append(rel)
    return Included(copied, refused)
