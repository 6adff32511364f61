"""A workspace and a fake home with the shapes the policy cares about: source files,
credentials, shell rc files, symlinks that lead out of the workspace, and a git repository
with one configured remote (`origin`)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from cockpit.policy.engine import Policy


@dataclass(frozen=True)
class Sandbox:
    root: Path
    home: Path
    policy: Policy


def make_sandbox(base: Path) -> Sandbox:
    root = base / "work"
    home = base / "home"
    for directory in ("src", "tests", "docs", "build", "scripts", ".cockpit/rules", ".claude"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    files = {
        "README.md": "# demo\n",
        "src/app.py": "print('app')\n",
        "src/util.py": "X = 1\n",
        "tests/test_app.py": "def test(): pass\n",
        "docs/guide.md": "guide\n",
        "package.json": '{"name": "demo"}\n',
        "Makefile": "test:\n\ttrue\n",
        "scripts/build.sh": "echo build\n",
        "list.txt": "a\nb\n",
        "fix.diff": "",
        "build/out.o": "",
        ".gitignore": "build/\n",
    }
    for name, text in files.items():
        (root / name).write_text(text)
    for directory in (".ssh", ".aws", ".config/gcloud"):
        (home / directory).mkdir(parents=True, exist_ok=True)
    (home / ".ssh/id_rsa").write_text("PRIVATE\n")
    (home / ".aws/credentials").write_text("[default]\n")
    (home / ".netrc").write_text("machine x\n")
    (home / ".bashrc").write_text("# rc\n")
    (root / "link-to-ssh").symlink_to(home / ".ssh")
    (root / "creds").symlink_to(home / ".aws/credentials")
    (root / "outside").symlink_to(base)
    (base / "tmp").mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    remote = ["git", "-C", str(root), "remote", "add", "origin", "https://example.invalid/d.git"]
    subprocess.run(remote, check=True)
    return Sandbox(root, home, Policy.load(root, home=home, temp_dir=base / "tmp"))


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    return make_sandbox(tmp_path_factory.mktemp("policy"))
