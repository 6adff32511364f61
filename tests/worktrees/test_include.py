"""`.worktreeinclude`: the ignored files a project needs, copied into each new worktree;
never a dotenv file, a credential or cockpit's own folder; never over an existing file."""

from __future__ import annotations

from pathlib import Path

from cockpit.worktrees.agents import AgentWorktrees, isolation
from tests.worktrees.repos import git, make_repo

IGNORE = "local.cfg\n.env*\nbuild/\n*.key\n.ssh/\nbig/\ncache.db\n"


def repo_with_ignored_files(tmp_path: Path, include: str) -> Path:
    root = make_repo(tmp_path / "repo", {".gitignore": IGNORE, "tracked.cfg": "tracked\n"})
    for name in (
        "local.cfg",
        ".env",
        ".env.local",
        ".envrc",
        "build/out/app.bin",
        "keys/test.key",
        ".ssh/id_ed25519",
        "big/blob",
        "cache.db",
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"{name}\n")
    (root / ".worktreeinclude").write_text(include)
    return root


def attach(root: Path, agent: str = "builder") -> tuple[Path, list[str], list[str]]:
    trees = isolation(root, "s1")
    assert isinstance(trees, AgentWorktrees)
    tree = trees.attach(agent)
    return tree.path, tree.included.copied, tree.included.refused


def test_ignored_files_it_names_are_copied_and_nothing_else(tmp_path: Path) -> None:
    root = repo_with_ignored_files(
        tmp_path, "# what the tests need\nlocal.cfg\nbuild/\n*.key\ntracked.cfg\nmissing.txt\n"
    )
    (root / "tracked.cfg").write_text("the human's uncommitted edit\n")

    path, copied, _ = attach(root)

    assert copied == ["build/out/app.bin", "keys/test.key", "local.cfg"]
    assert (path / "local.cfg").read_text() == "local.cfg\n"
    assert (path / "build/out/app.bin").is_file()
    assert (path / "tracked.cfg").read_text() == "tracked\n"  # tracked: from the base, not copied
    assert not (path / "big").exists() and not (path / "cache.db").exists()
    assert git(path, "status", "--porcelain") == ""  # copies are ignored files: not dirty


def test_dotenv_credentials_and_cockpit_files_are_never_copied(tmp_path: Path) -> None:
    root = repo_with_ignored_files(tmp_path, ".env*\n.ssh/\n.cockpit/\n*.jsonl\nlocal.cfg\n")
    (root / ".cockpit/sessions").mkdir(parents=True)
    (root / ".cockpit/sessions/old.jsonl").write_text("{}\n")

    first, copied, refused = attach(root, "builder")
    second, _, _ = attach(root, "tester")

    assert copied == ["local.cfg"]
    assert set(refused) >= {".env", ".env.local", ".envrc", ".ssh/id_ed25519"}
    for path in (first, second):
        assert not (path / ".env").exists() and not (path / ".env.local").exists()
        assert not (path / ".envrc").exists() and not (path / ".ssh").exists()
        assert not (path / ".cockpit").exists()  # no other agent's tree nested in this one


def test_an_existing_file_in_the_worktree_is_not_overwritten(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {".gitignore": "local.cfg\n", "local.cfg.example": "x\n"})
    git(root, "rm", "-q", "--cached", ".gitignore")
    (root / ".gitignore").write_text("")  # the base tracks no ignore rule...
    git(root, "add", ".gitignore")
    (root / "local.cfg").write_text("the human's config\n")
    git(root, "add", "-f", "local.cfg")
    git(root, "commit", "-q", "-m", "local.cfg tracked at the base")
    (root / ".gitignore").write_text("local.cfg\n")
    git(root, "rm", "-q", "--cached", "local.cfg")
    (root / "local.cfg").write_text("newer, ignored now\n")
    (root / ".worktreeinclude").write_text("local.cfg\n")

    path, copied, _ = attach(root)

    assert copied == []
    assert (path / "local.cfg").read_text() == "the human's config\n"


def test_without_a_worktreeinclude_nothing_is_copied(tmp_path: Path) -> None:
    root = repo_with_ignored_files(tmp_path, "")
    (root / ".worktreeinclude").unlink()
    path, copied, refused = attach(root)
    assert copied == [] and refused == []
    assert not (path / "local.cfg").exists()
