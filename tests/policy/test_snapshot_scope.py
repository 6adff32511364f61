"""What a snapshot holds and a rollback touches: never `.cockpit/` (logs, heads, artifacts,
rules, config), never a secret git does not already track, never `.git/`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from cockpit.safeguard.snapshots import REF_PREFIX, Safeguard

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}
COCKPIT_FILES = {
    ".cockpit/sessions/s1.jsonl": '{"seq":0}\n',
    ".cockpit/sessions/s1.head": '{"seq":0}\n',
    ".cockpit/sessions/s1/c-1.out": "artifact\n",
    ".cockpit/rules/team.yaml": "rules: []\n",
    ".cockpit/config.toml": "[ui]\n",
    ".cockpit/agents/helper.md": "---\nname: helper\n---\n",
    "pkg/.cockpit/sessions/nested.jsonl": "{}\n",
}
SECRET_FILES = {
    ".env": "MY_API_KEY=sk-live-123456\n",
    "svc/.env.production": "DB_PASSWORD=hunter22\n",
    ".ssh/id_ed25519": "PRIVATE\n",
    "deploy/.aws/credentials": "[default]\n",
    ".netrc": "machine x password y\n",
    "keys/id_rsa": "PRIVATE\n",
}


def git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        env=env or ENV,
        check=True,
    )
    return out.stdout


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def contents(root: Path, names: object) -> dict[str, bytes | None]:
    return {
        str(n): (root / str(n)).read_bytes() if (root / str(n)).exists() else None
        for n in names  # type: ignore[attr-defined]
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root, {"app.py": "print(1)\n", ".gitignore": "*.log\n"})
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    write(root, COCKPIT_FILES)
    write(root, SECRET_FILES)
    write(root, {"notes.md": "untracked notes\n"})
    return root


def tree_files(root: Path, commit: str) -> list[str]:
    return git(root, "ls-tree", "-r", "--name-only", commit).split()


def test_a_snapshot_holds_neither_cockpit_files_nor_untracked_secrets(repo: Path) -> None:
    snap = Safeguard(repo, "s1").snapshot("tier 2")
    assert snap is not None
    files = tree_files(repo, snap.commit)
    assert sorted(files) == [".gitignore", "app.py", "notes.md"]


def test_no_log_and_no_untracked_secret_is_ever_stored_in_git_objects(repo: Path) -> None:
    """Git objects are world-readable where the log is 0600: not even an unreferenced blob."""
    guard = Safeguard(repo, "s1")
    guard.snapshot("first")
    write(repo, {".env": "MY_API_KEY=second-value\n", "app.py": "print(2)\n"})
    guard.snapshot("second")
    for name in [*COCKPIT_FILES, *SECRET_FILES]:
        blob = git(repo, "hash-object", "--", name).strip()
        stored = subprocess.run(["git", "-C", str(repo), "cat-file", "-e", blob], check=False)
        assert stored.returncode != 0, f"{name} is in .git/objects"


def test_a_secret_the_project_tracks_is_in_the_snapshot_as_it_is_now(repo: Path) -> None:
    write(repo, {"config/.env.example": "API_KEY=\n"})
    git(repo, "add", "config/.env.example")
    git(repo, "commit", "-q", "-m", "example env")
    guard = Safeguard(repo, "s1")
    guard.snapshot("first")
    write(repo, {"config/.env.example": "API_KEY=\nOTHER=\n"})
    snap = guard.snapshot("second")
    assert snap is not None
    assert "config/.env.example" in tree_files(repo, snap.commit)
    assert git(repo, "show", f"{snap.commit}:config/.env.example") == "API_KEY=\nOTHER=\n"
    assert ".env" not in tree_files(repo, snap.commit)


def test_git_status_no_longer_shows_cockpit_and_the_exclude_line_is_added_once(
    repo: Path,
) -> None:
    assert "?? .cockpit/" in git(repo, "status", "--porcelain")
    Safeguard(repo, "s1").snapshot("one")
    Safeguard(repo, "s2").snapshot("two")
    Safeguard(repo, "s1").snapshot("resumed")
    exclude = (repo / ".git/info/exclude").read_text()
    assert exclude.splitlines().count("/.cockpit") == 1
    assert exclude.count("# added by cockpit") == 1
    assert ".cockpit" not in git(repo, "status", "--porcelain")
    assert not (repo / ".gitignore").read_text().count("cockpit")


def test_a_worktree_adds_the_line_to_the_shared_exclude_file(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "side", str(other))
    write(other, {".cockpit/sessions/w.jsonl": "{}\n"})
    Safeguard(other, "w1").snapshot("in a worktree")
    Safeguard(repo, "s1").snapshot("in the main tree")
    assert (repo / ".git/info/exclude").read_text().splitlines().count("/.cockpit") == 1
    assert ".cockpit" not in git(other, "status", "--porcelain")


def test_rollback_leaves_cockpit_files_and_secrets_exactly_as_they_are(repo: Path) -> None:
    guard = Safeguard(repo, "s1")
    snap = guard.snapshot("before the agent")
    assert snap is not None
    # Since then: the agent edits code, the log grows, rules and secrets change, a new
    # session's log and a new .env appear.
    write(repo, {"app.py": "print(2)\n", "new.py": "x = 1\n"})
    write(repo, {name: text + "more\n" for name, text in COCKPIT_FILES.items()})
    write(repo, {".cockpit/sessions/s2.jsonl": "{}\n", "web/.env": "TOKEN=abcdef\n"})
    write(repo, {".env": "MY_API_KEY=rotated-999\n"})
    (repo / ".netrc").unlink()
    guarded = [*COCKPIT_FILES, *SECRET_FILES, ".cockpit/sessions/s2.jsonl", "web/.env"]
    before = contents(repo, guarded)
    result = guard.rollback(snap.ref)
    assert sorted(result.restored) == ["app.py"]
    assert sorted(result.removed) == ["new.py"]
    assert contents(repo, guarded) == before
    assert (repo / "app.py").read_text() == "print(1)\n"


def test_rollback_to_a_snapshot_that_holds_cockpit_files_leaves_them_alone(repo: Path) -> None:
    """Snapshots taken by an older cockpit hold `.cockpit/` and `.env`: rolling back to one
    must still not restore an old log over the current one nor delete another's."""
    (repo / ".cockpit/sessions/later.jsonl").unlink(missing_ok=True)
    env = {**ENV, "GIT_INDEX_FILE": str(repo / ".git" / "old-index")}
    git(repo, "add", "--all", "--", ":/", env=env)
    tree = git(repo, "write-tree", env=env).strip()
    commit = git(repo, "commit-tree", tree, "-m", "cockpit snapshot (old): old", env=env).strip()
    git(repo, "update-ref", f"{REF_PREFIX}/old/1", commit)
    assert ".cockpit/sessions/s1.jsonl" in tree_files(repo, commit)
    write(repo, {".cockpit/sessions/s1.jsonl": '{"seq":0}\n{"seq":1}\n'})
    write(repo, {".cockpit/sessions/later.jsonl": "{}\n", ".env": "MY_API_KEY=new-value\n"})
    (repo / ".cockpit/rules/team.yaml").unlink()
    write(repo, {"app.py": "print(3)\n"})
    guarded = [*COCKPIT_FILES, *SECRET_FILES, ".cockpit/sessions/later.jsonl"]
    before = contents(repo, guarded)
    guard = Safeguard(repo, "manual")
    _, restored, removed = guard.plan("old/1")
    assert (restored, removed) == (["app.py"], [])
    guard.rollback("old/1")
    assert contents(repo, guarded) == before
    assert (repo / "app.py").read_text() == "print(1)\n"
