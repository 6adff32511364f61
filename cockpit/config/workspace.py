"""Where things live: the workspace, its `.cockpit/` folder and the built-in data folders.

Nothing here runs at import time; the CLI builds a `Workspace` and passes it in.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.config.yaml_source import YamlSource
from cockpit.errors import ConfigError

if TYPE_CHECKING:
    import yaml

Sections = dict[str, tuple["yaml.Node", "yaml.Node"]]

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # cockpit/, data beside it


def builtin_dir(name: str) -> Path:
    """The built-in data folder `name` (`agents`, `rules`, `sessions` or `teams`).

    An installed wheel carries them under `cockpit/_builtin/`; a source checkout has them
    beside the package.
    """
    installed = _PACKAGE_DIR / "_builtin" / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / name


def read_config(path: Path) -> tuple[YamlSource, Sections]:
    """``.cockpit/config.yaml``'s top-level sections, each part of cockpit reading its own
    (none when the file is missing or empty).

    Raises:
        ConfigError: the file cannot be read or is not YAML; the message names file:line.
    """
    src = YamlSource(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return src, {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}:1: cannot read: {exc}") from exc
    root = src.parse(text)
    return src, ({} if root is None else src.mapping(root, "config.yaml"))


def cockpit_command() -> str:
    """How to run this cockpit from the user's shell, for commands cockpit prints: plain
    `cockpit` when that is this program, else its full path (`make demo` runs the venv's),
    else `python -m cockpit` with this interpreter."""
    program = sys.argv[0] if sys.argv else ""
    if program and os.path.basename(program) == "cockpit" and os.path.isfile(program):
        found = shutil.which("cockpit")
        if found is not None and os.path.realpath(found) == os.path.realpath(program):
            return "cockpit"
        return shlex.quote(os.path.abspath(program))
    return f"{shlex.quote(sys.executable)} -m cockpit"


def find_workspace_root(start: Path) -> Path:
    """The git top-level containing `start`, or `start` itself outside git."""
    start = start.resolve()
    try:
        out = subprocess.run(
            ["git", "-C", str(start), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return start
    if out.returncode == 0 and out.stdout.strip():
        return Path(out.stdout.strip()).resolve()
    return start


@dataclass(frozen=True)
class Workspace:
    """A user's repository and the cockpit folders inside it."""

    root: Path

    @classmethod
    def discover(cls, start: Path | None = None) -> Workspace:
        return cls(find_workspace_root(start or Path.cwd()))

    @property
    def cockpit_dir(self) -> Path:
        return self.root / ".cockpit"

    @property
    def sessions_dir(self) -> Path:
        return self.cockpit_dir / "sessions"

    @property
    def agents_dir(self) -> Path:
        return self.cockpit_dir / "agents"

    @property
    def rules_dir(self) -> Path:
        return self.cockpit_dir / "rules"

    @property
    def config_file(self) -> Path:
        return self.cockpit_dir / "config.yaml"
