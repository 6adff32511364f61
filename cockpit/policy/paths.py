"""Where a path really points: resolved against the cwd and the workspace, symlinks followed.

`os.path.realpath` costs an lstat per component from `/` every time; here the workspace
root is resolved once and only the components below a known-real prefix are looked at, so
classifying `cat src/app.py` costs two lstat calls.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

MAX_SYMLINKS = 40

# Targets that are not files: writing to them changes nothing on disk.
HARMLESS_TARGETS = frozenset(
    {
        "/dev/null",
        "/dev/zero",
        "/dev/stdin",
        "/dev/stdout",
        "/dev/stderr",
        "/dev/tty",
        "/dev/random",
        "/dev/urandom",
    }
)
_HARMLESS_PREFIXES = ("/dev/fd/", "/proc/self/fd/")


class PathContext:
    """The workspace root, the home directory and the temp directory, all resolved once."""

    __slots__ = ("home", "home_display", "keys", "plan", "root", "root_lexical", "tmp")

    def __init__(
        self,
        root: Path,
        home: Path,
        temp_dir: Path | None = None,
        plan: Path | None = None,
        keys: Path | None = None,
    ) -> None:
        self.root_lexical = os.path.normpath(os.path.abspath(root))
        self.root = os.path.realpath(self.root_lexical)
        self.home = os.path.realpath(os.path.abspath(home))
        self.home_display = os.path.normpath(os.path.abspath(home))
        self.tmp = os.path.realpath(temp_dir if temp_dir is not None else tempfile.gettempdir())
        self.plan = ""
        self.set_plan(plan if plan is not None else Path(self.root_lexical) / "plan.md")
        self.keys = os.path.realpath(keys) if keys is not None else ""

    def set_plan(self, plan: Path) -> None:
        """The session's plan (the human's: agents change it only through update_task),
        where it really is."""
        self.plan = self.real(os.path.normpath(os.path.abspath(plan))) or ""

    def holds_plan(self, real: str, recursive: bool) -> bool:
        """Whether a write or delete of ``real`` (a tree, when ``recursive``) reaches the plan."""
        plan = self.plan
        if not plan:
            return False
        if real == plan or (recursive and plan.startswith(real.rstrip("/") + "/")):
            return True
        try:  # a hard link is the plan under another name: writing it writes the plan
            return os.path.samefile(real, plan)
        except (OSError, ValueError):  # missing, unreadable, or a NUL in the name
            return False

    def holds_keys(self, real: str, recursive: bool) -> bool:
        """Whether reaching ``real`` (a tree, when ``recursive``) reaches cockpit's log key
        and anchors, wherever ``XDG_CONFIG_HOME`` put them."""
        keys = self.keys
        if not keys:
            return False
        return (
            real == keys
            or real.startswith(keys + "/")
            or (recursive and keys.startswith(real.rstrip("/") + "/"))
        )

    def absolute(self, text: str, tilde: bool, cwd: str | None) -> str | None:
        """The lexical absolute form of `text` (`~` expanded); None when it depends on an
        unknown cwd or another user's home."""
        if tilde:
            if text == "~" or text.startswith("~/"):
                text = self.home_display + text[1:]
            else:
                return None
        if text.startswith("/"):
            return text
        if cwd is None:
            return None
        if not text:
            return cwd
        return cwd + "/" + text

    def real(self, path: str) -> str | None:
        """`path` (absolute) with every symlink followed; None on a symlink loop."""
        return self.resolve(path)[0]

    def resolve(self, path: str) -> tuple[str | None, int]:
        """`path` (absolute) with every symlink followed, and the file mode of what it
        points to (0 when nothing is there yet); (None, 0) on a symlink loop."""
        root = self.root_lexical
        if path == root or path.startswith(root + "/"):
            resolved = self.root
            rest = path[len(root) + 1 :]
        elif self.root != root and (path == self.root or path.startswith(self.root + "/")):
            resolved = self.root
            rest = path[len(self.root) + 1 :]
        else:
            resolved = "/"
            rest = path
        mode = stat.S_IFDIR  # the root and `/` are directories
        parts = rest.split("/")
        parts.reverse()  # a stack: pop() takes the next component
        links = 0
        lstat = os.lstat
        while parts:
            part = parts.pop()
            if not part or part == ".":
                continue
            if part == "..":
                resolved = os.path.dirname(resolved) or "/"
                mode = stat.S_IFDIR
                continue
            candidate = resolved + part if resolved == "/" else resolved + "/" + part
            try:
                mode = lstat(candidate).st_mode
            except (OSError, ValueError):
                # Nothing there (yet): what follows cannot be a symlink either.
                parts.reverse()
                tail = "/" + "/".join(parts) if parts else ""
                return os.path.normpath(candidate + tail), 0
            if stat.S_ISLNK(mode):
                links += 1
                if links > MAX_SYMLINKS:
                    return None, 0
                try:
                    target = os.readlink(candidate)
                except OSError:
                    return None, 0
                if target.startswith("/"):
                    resolved = "/"
                parts.extend(reversed(target.split("/")))
            else:
                resolved = candidate
        return resolved, mode

    def inside(self, real: str) -> bool:
        root = self.root
        return real == root or real.startswith(root + "/")

    def in_temp(self, real: str) -> bool:
        return real.startswith(self.tmp + "/")

    def display(self, real: str) -> str:
        """A short form for reasons: relative inside the workspace, `~/...` under home."""
        if self.inside(real):
            rel = real[len(self.root) + 1 :]
            return rel or "."
        if real.startswith(self.home + "/"):
            return "~/" + real[len(self.home) + 1 :]
        return real


def harmless_target(path: str) -> bool:
    return path in HARMLESS_TARGETS or path.startswith(_HARMLESS_PREFIXES)


def exists(real: str) -> bool:
    return os.path.lexists(real)
