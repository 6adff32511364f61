"""The git remotes a repository's own configuration names, read from `.git/config` without
running git.

`git fetch` from one of them is the human's choice, made when the remote was configured
(agents cannot write `.git/config`: that is tier 3, and read-only in the sandbox), so a rule
may give it the network; a URL, a path or a name found nowhere is the agent's choice.
"""

from __future__ import annotations

import os
import re

MAX_CONFIG_BYTES = 1_000_000
_SECTION = re.compile(r'^\s*\[\s*remote\s+"((?:[^"\\]|\\.)*)"\s*\]', re.IGNORECASE)
_OLD_SECTION = re.compile(r"^\s*\[\s*remote\.([^\]\s]+)\s*\]", re.IGNORECASE)


def configured_remotes(directory: str, root: str) -> frozenset[str] | None:
    """The remote names of the repository `directory` is in, or None when there is no such
    repository inside the workspace `root` or its configuration cannot be read."""
    config = _config_file(directory, root)
    if config is None:
        return None
    try:
        with open(config, encoding="utf-8", errors="replace") as handle:
            text = handle.read(MAX_CONFIG_BYTES)
    except OSError:
        return None
    found: set[str] = set()
    for line in text.splitlines():
        match = _SECTION.match(line)
        if match is not None:
            found.add(re.sub(r"\\(.)", r"\1", match.group(1)))
            continue
        match = _OLD_SECTION.match(line)
        if match is not None:
            found.add(match.group(1).lower())
    return frozenset(found)


def _config_file(directory: str, root: str) -> str | None:
    """`.git/config` of the repository holding `directory`, following a worktree's or a
    submodule's `.git` file to the shared configuration."""
    real_root = os.path.realpath(root)
    here = os.path.realpath(directory)
    while True:
        if here != real_root and not here.startswith(real_root.rstrip("/") + "/"):
            return None  # a repository outside the workspace is not the human's choice
        dot_git = os.path.join(here, ".git")
        if os.path.isdir(dot_git):
            return os.path.join(dot_git, "config")
        if os.path.isfile(dot_git):
            return _linked_config(dot_git)
        if here == real_root:
            return None
        here = os.path.dirname(here)


def _linked_config(dot_git: str) -> str | None:
    try:
        with open(dot_git, encoding="utf-8") as handle:
            first = handle.readline(4096).strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not first.startswith("gitdir:"):
        return None
    git_dir = os.path.join(os.path.dirname(dot_git), first.removeprefix("gitdir:").strip())
    common = os.path.join(git_dir, "commondir")
    try:
        with open(common, encoding="utf-8") as handle:
            git_dir = os.path.join(git_dir, handle.readline(4096).strip())
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError):
        return None
    return os.path.join(os.path.normpath(git_dir), "config")
