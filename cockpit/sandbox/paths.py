"""Which paths a boundary masks or keeps read-only: the built-in `rules/sandbox.yaml`, a
workspace's `.cockpit/sandbox.yaml` added to it, and cockpit's own config folder."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cockpit.config.user import config_dir
from cockpit.config.workspace import builtin_dir
from cockpit.errors import ConfigError
from cockpit.sandbox.boundary import Boundary, Limits

SANDBOX_RULES = "sandbox.yaml"
_SCAN_DEPTH = 3
_PRUNED = frozenset({".git", "node_modules", ".venv", "venv", "dist", "build", "__pycache__"})


@dataclass(frozen=True)
class SandboxLists:
    """The three lists of `rules/sandbox.yaml`, after a workspace's additions."""

    masked_home: tuple[str, ...]
    masked_workspace: tuple[str, ...]
    read_only_workspace: tuple[str, ...]

    def extended(self, other: SandboxLists) -> SandboxLists:
        return SandboxLists(
            self.masked_home + other.masked_home,
            self.masked_workspace + other.masked_workspace,
            self.read_only_workspace + other.read_only_workspace,
        )


def _strings(data: Mapping[str, Any], section: str, key: str, source: Path) -> tuple[str, ...]:
    part = data.get(section) or {}
    if not isinstance(part, dict):
        raise ConfigError(f"{source}: '{section}' must be a mapping")
    items = part.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
        raise ConfigError(f"{source}: '{section}.{key}' must be a list of paths")
    bad = [i for i in items if Path(i).is_absolute() or ".." in Path(i).parts]
    if bad:
        raise ConfigError(f"{source}: '{section}.{key}' names {bad[0]!r}: use a relative path")
    return tuple(items)


def read_lists(path: Path) -> SandboxLists:
    """One sandbox file's lists (empty when the file is missing)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return SandboxLists((), (), ())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}".splitlines()[0]) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with 'masked' and 'read_only'")
    return SandboxLists(
        _strings(data, "masked", "home", path),
        _strings(data, "masked", "workspace", path),
        _strings(data, "read_only", "workspace", path),
    )


def effective_lists(workspace: Path) -> SandboxLists:
    builtin = read_lists(builtin_dir("rules") / SANDBOX_RULES)
    return builtin.extended(read_lists(workspace / ".cockpit" / SANDBOX_RULES))


def _matches_in(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    """Files and folders under `root` (a few levels, skipping build and vendor folders)
    whose name matches a pattern."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)
        dirs[:] = [] if depth >= _SCAN_DEPTH else [d for d in dirs if d not in _PRUNED]
        for name in [*files, *dirs]:
            if any(fnmatch.fnmatchcase(name, p) for p in patterns):
                found.append(Path(folder) / name)
    return sorted(found)


def masked_paths(workspace: Path, home: Path, env: Mapping[str, str]) -> tuple[Path, ...]:
    """Existing paths no sandboxed command may read."""
    lists = effective_lists(workspace)
    candidates = [home / p for p in lists.masked_home]
    candidates.append(config_dir(env))
    candidates += _matches_in(workspace, lists.masked_workspace)
    return tuple(p for p in dict.fromkeys(candidates) if os.path.lexists(p))


def read_only_paths(workspace: Path) -> tuple[Path, ...]:
    """Existing paths inside the workspace no sandboxed command may change."""
    lists = effective_lists(workspace)
    paths = [workspace / p for p in lists.read_only_workspace]
    git = workspace / ".git"
    if git.is_file():  # a worktree's `.git` names its gitdir: the pointer itself is control
        paths.append(git)
    return tuple(p for p in paths if os.path.lexists(p))


def workspace_boundary(
    workspace: Path,
    env: Mapping[str, str],
    *,
    network: bool = False,
    writable: tuple[Path, ...] = (),
    limits: Limits | None = None,
) -> Boundary:
    """The boundary an agent's command gets in `workspace`: the built-in lists plus the
    workspace's, widened only by what the caller passes (a human's answer)."""
    root = workspace.resolve()
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    return Boundary(
        workspace=root,
        home=home,
        network=network,
        writable=writable,
        read_only=read_only_paths(root),
        masked=masked_paths(root, home, env),
        limits=limits or Limits(),
    )
