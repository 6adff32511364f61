"""Keep `.cockpit/` out of `git status`, without touching the user's `.gitignore`.

The line goes into `info/exclude` of the repository's common git directory (every worktree
reads that one), once: cockpit looks for it before adding it, so a second session, a
resume or another worktree adds nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

COMMENT = "# added by cockpit: its session logs, rules and worktrees stay out of git status"


def exclude_line(top: Path, workspace_root: Path) -> str:
    """The pattern for the workspace's `.cockpit/`, anchored at the repository's top.

    Without a trailing slash: a folder-only pattern makes git stat every path it checks
    against the excludes (`ls-files --ignored` went from 5 to 38 ms on 20k files), and no
    file of that name sits beside the folder anyway."""
    try:
        rel = Path(os.path.relpath(workspace_root.resolve(), top.resolve())).as_posix()
    except ValueError:
        rel = "."
    prefix = "" if rel in (".", "") or rel.startswith("..") else f"/{rel}"
    return f"{prefix}/.cockpit"


def keep_out_of_status(common_dir: Path, top: Path, workspace_root: Path) -> bool:
    """Add the workspace's `.cockpit/` to ``common_dir/info/exclude`` unless it is there.
    Whether the file changed; an unwritable one is left as it is (nothing depends on it)."""
    return exclude(common_dir, exclude_line(top, workspace_root), COMMENT)


REPORT_COMMENT = "# added by cockpit: a blocked task's report is a note for you, not the project's"


def exclude(common_dir: Path, line: str, comment: str) -> bool:
    """Add ``line`` (with ``comment`` above it) to ``common_dir/info/exclude`` unless it is
    there; whether the file changed."""
    path = common_dir / "info" / "exclude"
    try:
        existing = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        existing = ""
    except OSError:
        return False
    if line in (entry.strip() for entry in existing.splitlines()):
        return False
    lead = "\n" if existing and not existing.endswith("\n") else ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(f"{lead}{comment}\n{line}\n")
    except OSError:
        return False
    return True
