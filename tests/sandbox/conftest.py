"""Real bubblewrap, real processes: a workspace, a home and an outside folder under
/var/tmp (the sandbox's /tmp is fresh, so a path under /tmp would hide a leak)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cockpit.sandbox.boundary import Boundary, Limits, Outcome
from cockpit.sandbox.local import LocalBwrap
from cockpit.sandbox.paths import workspace_boundary

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


@dataclass
class Sandbox:
    """A workspace (a git repo), a home with credentials, and a folder outside both."""

    executor: LocalBwrap
    workspace: Path
    home: Path
    outside: Path
    xdg: Path

    @property
    def env(self) -> dict[str, str]:
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.xdg),
            "LANG": "C.UTF-8",
            **GIT_ENV,
        }

    def boundary(self, *, network: bool = False, limits: Limits | None = None) -> Boundary:
        return workspace_boundary(self.workspace, self.env, network=network, limits=limits)

    def sh(self, command: str, boundary: Boundary | None = None) -> Outcome:
        return self.executor.run(
            ["bash", "-c", command],
            cwd=self.workspace,
            env=self.env,
            boundary=boundary or self.boundary(),
        )


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    base = Path(tempfile.mkdtemp(prefix="cockpit-sandbox-test-", dir="/var/tmp"))
    workspace, home, outside, xdg = (base / n for n in ("workspace", "home", "outside", "xdg"))
    for folder in (workspace, home, outside, xdg / "cockpit"):
        folder.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    (workspace / "README").write_text("hello\n")
    subprocess.run(["git", "-C", str(workspace), "add", "README"], check=True)
    subprocess.run(
        ["git", "-C", str(workspace), "commit", "-qm", "first"],
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), **GIT_ENV},
    )
    executor = LocalBwrap()
    try:
        yield Sandbox(executor, workspace, home, outside, xdg)
    finally:
        executor.close()
        shutil.rmtree(base, ignore_errors=True)
