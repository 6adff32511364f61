"""Where secrets live on disk, in one list: the policy (reading one is tier 3) and the
safeguard (a snapshot never copies one that git does not already hold) both use it.

A snapshot is a copy of the workspace in git's objects, where no redaction applies: what
it must never hold is named here by path, the way git itself would match it.
"""

from __future__ import annotations

import fnmatch
import re

CREDENTIAL_NAMES: tuple[str, ...] = (
    ".ssh",
    ".aws",
    ".gnupg",
    ".netrc",
    ".git-credentials",
    ".pgpass",
    ".kube",
    ".azure",
    ".docker/config.json",
    ".config/gcloud",
    ".config/gh",
    ".config/cockpit",  # cockpit's own log key and anchors
    "id_rsa",
    "id_ed25519",
    "id_ecdsa",
)
"""Files and folders (at any depth) that hold credentials."""
ENV_FILES: tuple[str, ...] = (".env", ".env.*")
"""Dotenv files (at any depth): a project's secrets, by convention."""
COCKPIT_DIR = ".cockpit"
"""cockpit's own folder (logs, heads, artifacts, rules, config, worktrees), at any depth."""

CREDENTIAL_HINT = re.compile(
    r"(?:^|/)(?:" + "|".join(re.escape(name) for name in CREDENTIAL_NAMES) + r")(?:/|$)"
)
"""A path that names a credential file or folder."""


def is_secret_path(path: str) -> bool:
    """Whether a workspace path (``/``-separated) is, or is inside, a credential or
    dotenv file or folder."""
    if CREDENTIAL_HINT.search(path):
        return True
    return any(fnmatch.fnmatchcase(part, env) for part in path.split("/") for env in ENV_FILES)


def is_cockpit_path(path: str) -> bool:
    """Whether a workspace path is inside a ``.cockpit/`` folder, at any depth."""
    return COCKPIT_DIR in path.split("/")[:-1]


def out_of_snapshot_ignores() -> tuple[str, ...]:
    """The same paths as gitignore patterns, relative to the repository's top. None ends
    in `/`: git would have to stat every path to match a folder-only pattern."""
    names = (COCKPIT_DIR, *ENV_FILES, *CREDENTIAL_NAMES)
    return tuple(name if "/" not in name else f"**/{name}" for name in names)
