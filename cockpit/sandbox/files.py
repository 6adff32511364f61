"""The file tools' walls: `read_file`, `write_file` and `edit_file` run inside cockpit's own
process, not in bubblewrap, so the same boundary is checked here, in-process, against the
same roots and lists.

Symlinks are resolved at the moment of the check, in every component, and the resolved
target decides; the caller writes to the path returned, not the one the model named. Name
patterns (`.claude/`, `.env*`) apply to paths that do not exist yet, as bwrap's empty
read-only folders do. Both the path as named and as resolved must pass, so neither a link
called `.env` nor a link to one gets through.

What the file tools see that a sandboxed command does not is refused too: cockpit's own
`/proc` (its environment holds the API key), the host's `/dev` (a disk read as root
bypasses every mask) and the host's `/tmp` (the sandbox's is fresh).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cockpit.config.user import config_dir
from cockpit.errors import CockpitError
from cockpit.sandbox.boundary import BlockedBy, Boundary
from cockpit.sandbox.paths import SandboxLists, effective_lists

_HOST_ONLY = (Path("/proc"), Path("/dev"), Path("/tmp"))
"""Folders a sandboxed command sees fresh copies of, and the file tools must not see."""


class WallError(CockpitError):
    """A file tool's path is outside what the sandbox allows; the message is one line the
    model can act on."""

    def __init__(self, path: Path, blocked_by: BlockedBy, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.blocked_by = blocked_by


@dataclass(frozen=True)
class FileWalls:
    """The boundary of one agent's file tools. Cheap to build: one per tool call is fine
    (the lists are cached by the sandbox files' stat)."""

    boundary: Boundary
    lists: SandboxLists
    config: Path

    @classmethod
    def of(cls, boundary: Boundary, env: Mapping[str, str]) -> FileWalls:
        """The walls for `boundary`, with the lists and config folder `env` points at."""
        return cls(boundary, effective_lists(boundary.workspace), config_dir(env))

    def readable(self, path: Path) -> Path:
        """The resolved path to read, or WallError when the sandbox would hide it."""
        named, real = self._locate(path)
        self._check_visible(path, named, real)
        return real

    def writable(self, path: Path) -> Path:
        """The resolved path to write (new folders below it may still be missing), or
        WallError naming the wall it would cross."""
        named, real = self._locate(path)
        self._check_visible(path, named, real)
        if not any(_under(real, root) for root in self._writable_roots):
            self._refuse(
                path, named, real, BlockedBy.READ_ONLY, "outside the sandbox's writable roots"
            )
        if self._read_only(named) or self._read_only(real):
            self._refuse(path, named, real, BlockedBy.READ_ONLY, "read-only inside the workspace")
        return real

    # -- where a path is

    def _locate(self, path: Path) -> tuple[Path, Path]:
        """The path as named (absolute, `..` folded) and as it really is (symlinks in every
        component resolved now; a missing tail appended as named)."""
        text = str(path)
        if text == "~" or text.startswith("~/"):
            path = self.boundary.home / text[2:]
        absolute = path if path.is_absolute() else self.boundary.workspace / path
        return Path(os.path.normpath(absolute)), Path(os.path.realpath(absolute))

    @cached_property
    def _workspaces(self) -> tuple[Path, ...]:
        workspace = self.boundary.workspace
        return tuple(dict.fromkeys((workspace, Path(os.path.realpath(workspace)))))

    @cached_property
    def _writable_roots(self) -> tuple[Path, ...]:
        tmp = (self.boundary.tmp,) if self.boundary.tmp is not None else ()
        roots = (*self._workspaces, *self.boundary.writable, *tmp)
        return tuple(dict.fromkeys(Path(os.path.realpath(r)) for r in roots))

    @cached_property
    def _masked_roots(self) -> tuple[Path, ...]:
        home = self.boundary.home
        roots = [home / entry for entry in self.lists.masked_home]
        roots += [self.config, *self.boundary.masked]
        both = [p for r in roots for p in (r, Path(os.path.realpath(r)))]
        return tuple(dict.fromkeys(both))

    @cached_property
    def _read_only_roots(self) -> tuple[Path, ...]:
        roots = [w / entry for w in self._workspaces for entry, _ in self.lists.read_only_entries]
        roots += [p for w in self._workspaces if (p := w / ".git").is_file()]
        roots += [Path(os.path.realpath(p)) for p in self.boundary.read_only]
        return tuple(dict.fromkeys(roots))

    # -- the walls

    def _check_visible(self, asked: Path, named: Path, real: Path) -> None:
        for path in (named, real):
            if self._masked(path):
                self._refuse(asked, named, real, BlockedBy.MASKED, "masked by the sandbox")
            if self._host_only(path):
                self._refuse(asked, named, real, BlockedBy.MASKED, "not visible inside the sandbox")

    def _masked(self, path: Path) -> bool:
        if any(_under(path, root) for root in self._masked_roots):
            return True
        for workspace in self._workspaces:
            if _under(path, workspace):
                parts = path.relative_to(workspace).parts
                return any(self.lists.masks_name(part) for part in parts)
        return False

    def _host_only(self, path: Path) -> bool:
        if any(_under(path, root) for root in self._writable_roots):
            return False  # bound over the fresh /tmp, so the sandbox sees it too
        return any(_under(path, folder) for folder in _HOST_ONLY)

    def _read_only(self, path: Path) -> bool:
        return any(_under(path, root) for root in self._read_only_roots)

    def _refuse(
        self, asked: Path, named: Path, real: Path, blocked_by: BlockedBy, why: str
    ) -> None:
        message = f"{self._shown(named)}: {why}"
        if blocked_by is BlockedBy.READ_ONLY and why.startswith("outside"):
            message += " (read-only filesystem)"
        if real != named:
            message += f"; it leads to {self._shown(real)}"
        raise WallError(asked, blocked_by, message)

    def _shown(self, path: Path) -> str:
        """A path as the model would write it: workspace-relative, `~/...`, or absolute."""
        for workspace in self._workspaces:
            if _under(path, workspace) and path != workspace:
                return str(path.relative_to(workspace))
        if _under(path, self.boundary.home) and path != self.boundary.home:
            return f"~/{path.relative_to(self.boundary.home)}"
        return str(path)


def _under(path: Path, root: Path) -> bool:
    inside, top = str(path), str(root)
    return inside == top or inside.startswith(top.rstrip("/") + "/")
