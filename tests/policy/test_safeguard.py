"""Tier-2 snapshots in real git repositories: nothing the user sees changes, and rollback
brings back modified, deleted and untracked files."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cockpit.errors import SafeguardError
from cockpit.safeguard.snapshots import Safeguard, Snapshot

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(root: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, env=ENV, check=True
    )
    return out.stdout


def state(root: Path) -> dict[str, object]:
    """Everything a snapshot must not touch."""
    files = {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }
    return {
        "files": files,
        "index": git(root, "ls-files", "-s"),
        "status": git(root, "status", "--porcelain", "--untracked-files=all"),
        "stash": git(root, "stash", "list"),
        "stash_ref": git(root, "rev-parse", "--verify", "-q", "refs/stash"),
        "head": git(root, "rev-parse", "HEAD"),
        "branch": git(root, "symbolic-ref", "HEAD"),
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / ".gitignore").write_text("ignored.log\n")
    (root / "tracked.txt").write_text("v1\n")
    (root / "gone.txt").write_text("keep me\n")
    (root / "src").mkdir()
    (root / "src/app.py").write_text("print(1)\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    # A stash entry, then a staged change, an unstaged change and untracked files.
    (root / "tracked.txt").write_text("stashed\n")
    git(root, "stash", "-q")
    (root / "src/app.py").write_text("print(2)\n")
    git(root, "add", "src/app.py")
    (root / "tracked.txt").write_text("v2 unstaged\n")
    (root / "notes.md").write_text("untracked notes\n")
    (root / "src/new.py").write_text("new = True\n")
    (root / "ignored.log").write_text("noise\n")
    return root


def test_snapshot_leaves_tree_index_and_stash_alone(repo: Path) -> None:
    before = state(repo)
    snap = Safeguard(repo, "s1").snapshot("before sed -i")
    assert snap is not None
    assert state(repo) == before
    assert snap.ref == "refs/cockpit/snapshots/s1/1"
    assert git(repo, "rev-parse", snap.ref).strip() == snap.commit
    tree = git(repo, "ls-tree", "-r", "--name-only", snap.commit).split()
    assert {"tracked.txt", "gone.txt", "notes.md", "src/app.py", "src/new.py"} <= set(tree)
    assert "ignored.log" not in tree
    assert git(repo, "show", f"{snap.commit}:tracked.txt") == "v2 unstaged\n"
    assert git(repo, "show", f"{snap.commit}:notes.md") == "untracked notes\n"
    assert git(repo, "rev-parse", f"{snap.commit}^") == before["head"]
    assert "before sed -i" in git(repo, "log", "-1", "--format=%s", snap.commit)


def test_snapshots_are_numbered_per_session(repo: Path) -> None:
    guard = Safeguard(repo, "s2")
    first, second = guard.snapshot("a"), guard.snapshot("b")
    other = Safeguard(repo, "s3").snapshot("c")
    assert first and second and other
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert [s.reason for s in guard.snapshots()] == ["a", "b"]
    assert {s.session for s in guard.all_snapshots()} == {"s2", "s3"}


def test_rollback_restores_modified_deleted_and_untracked_files(repo: Path) -> None:
    guard = Safeguard(repo, "s4")
    snap = guard.snapshot("before the agent's edits")
    assert snap is not None
    index_before = git(repo, "ls-files", "-s")
    stash_before = git(repo, "stash", "list")
    (repo / "tracked.txt").write_text("agent rewrote this\n")
    (repo / "gone.txt").unlink()
    (repo / "notes.md").unlink()
    (repo / "src/new.py").write_text("new = False\n")
    (repo / "src/extra").mkdir()
    (repo / "src/extra/created.py").write_text("x\n")

    result = guard.rollback(snap.ref)

    assert (repo / "tracked.txt").read_text() == "v2 unstaged\n"
    assert (repo / "gone.txt").read_text() == "keep me\n"
    assert (repo / "notes.md").read_text() == "untracked notes\n"
    assert (repo / "src/new.py").read_text() == "new = True\n"
    assert not (repo / "src/extra").exists()
    assert (repo / "ignored.log").read_text() == "noise\n"
    assert sorted(result.restored) == ["gone.txt", "notes.md", "src/new.py", "tracked.txt"]
    assert result.removed == ("src/extra/created.py",)
    assert git(repo, "ls-files", "-s") == index_before
    assert git(repo, "stash", "list") == stash_before
    # The rollback can itself be undone.
    assert result.safety is not None
    guard.rollback(result.safety.ref)
    assert (repo / "tracked.txt").read_text() == "agent rewrote this\n"
    assert (repo / "src/extra/created.py").exists()
    assert not (repo / "gone.txt").exists()


def test_rollback_accepts_short_refs_and_reports_nothing_to_do(repo: Path) -> None:
    guard = Safeguard(repo, "s5")
    snap = guard.snapshot("x")
    assert snap is not None
    assert guard.resolve("s5/1") == snap
    assert guard.resolve("1") == snap
    result = guard.rollback("s5/1")
    assert result.unchanged and result.safety is None
    with pytest.raises(SafeguardError, match="no snapshot 's5/9'"):
        guard.rollback("s5/9")


def test_snapshot_in_an_empty_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("a\n")
    snap = Safeguard(tmp_path, "s6").snapshot("first")
    assert snap is not None
    assert git(tmp_path, "ls-tree", "-r", "--name-only", snap.commit).split() == ["a.txt"]
    assert git(tmp_path, "status", "--porcelain") == "?? a.txt\n"


def test_without_git_it_warns_once_and_carries_on(tmp_path: Path) -> None:
    warnings: list[str] = []
    guard = Safeguard(tmp_path, "s7", warn=warnings.append)
    assert guard.snapshot("a") is None
    assert guard.snapshot("b") is None
    assert guard.snapshots() == []
    assert len(warnings) == 1 and "not a git repository" in warnings[0]
    with pytest.raises(SafeguardError, match="not a git repository"):
        guard.rollback("s7/1")


@pytest.mark.parametrize("session", ["", "../x", "a b", "x.lock", ".hidden", "a..b"])
def test_session_names_must_be_valid_ref_parts(tmp_path: Path, session: str) -> None:
    with pytest.raises(SafeguardError, match="invalid session name"):
        Safeguard(tmp_path, session)


def test_agents_snapshotting_at_once_get_one_numbered_snapshot_each(repo: Path) -> None:
    guard = Safeguard(repo, "s-threads")
    before = state(repo)
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(guard.snapshot, f"agent {i}") for i in range(16)]
        snaps = [f.result(timeout=60) for f in futures]  # a deadlock fails here, not hangs
    numbers = sorted(s.number for s in snaps if s is not None)
    assert numbers == list(range(1, 17))
    assert [s.number for s in guard.snapshots()] == numbers
    assert state(repo) == before


# -- the session index -----------------------------------------------------------------


def fresh_tree(root: Path) -> str:
    """What a snapshot must hold, found the slow way and trusting no stat data at all: an
    empty index, `git add --all` (every file hashed), then the ignored files the real
    index tracks (`git add -f` ones), as a copy of the real index would keep them.

    (A copied index carries the real one's stat data, which a copy made with a new
    modification time can make look fresh while a same-size file changed in the same
    clock tick: an oracle must not share the shortcut it checks.)"""
    run = ["git", "-C", str(root)]
    tracked_ignored = subprocess.run(
        [*run, "ls-files", "-z", "--cached", "--ignored", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    forced = [p for p in tracked_ignored if p and os.path.lexists(root / p)]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**ENV, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        steps = [["add", "--all", "--", ":/"]]
        if forced:
            steps.append(["add", "-f", "--", *forced])
        for args in steps:
            out = subprocess.run([*run, *args], capture_output=True, text=True, env=env)
            assert out.returncode == 0, out.stderr
        # Out of every snapshot: `.cockpit/` always, secrets unless the real index has them.
        held = subprocess.run(
            [*run, "ls-files", "-z"], capture_output=True, text=True, env=env, check=True
        ).stdout.split("\0")
        tracked = set(git(root, "ls-files", "-z").split("\0"))
        out_of_scope = [
            p
            for p in held
            if p and (".cockpit" in p.split("/")[:-1] or (_secret(p) and p not in tracked))
        ]
        if out_of_scope:
            subprocess.run([*run, "rm", "-q", "--cached", "--", *out_of_scope], env=env, check=True)
        out = subprocess.run([*run, "write-tree"], capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()


def _secret(path: str) -> bool:
    """The test's own reading of "a credential or dotenv file"."""
    parts = path.split("/")
    names = {".ssh", ".aws", ".netrc", ".git-credentials", "id_rsa", "id_ed25519"}
    return any(p == ".env" or p.startswith(".env.") or p in names for p in parts)


def tree_of(root: Path, snap: Snapshot | None) -> str:
    assert snap is not None
    return git(root, "rev-parse", f"{snap.commit}^{{tree}}").strip()


def files_in(root: Path, tree: str) -> list[str]:
    return git(root, "ls-tree", "-r", "--name-only", tree).split()


def session_index(root: Path, session: str) -> Path:
    return root / ".git" / "cockpit" / "snapshot-index" / session


def _nothing(root: Path) -> None:
    del root


def _write(root: Path, name: str, text: str = "x\n") -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)


def _ignore(root: Path, *names: str) -> None:
    with (root / ".gitignore").open("a") as f:
        f.write("".join(f"{name}\n" for name in names))


def _file_to_folder(root: Path) -> None:
    (root / "shape").unlink()
    _write(root, "shape/inside.md", "now a folder\n")


def _folder_to_file(root: Path) -> None:
    shutil.rmtree(root / "block")
    _write(root, "block", "now a file\n")


def _nested_ignore_with_negation(root: Path) -> None:
    _write(root, "src/cache/a.bin")
    _write(root, "src/cache/keep.bin")
    _write(root, "src/.gitignore", "*.bin\n!keep.bin\n")


def _untrack_and_ignore(root: Path) -> None:
    git(root, "rm", "-q", "--cached", "tracked.txt")
    _ignore(root, "tracked.txt")


def _commit_meanwhile(root: Path) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the user commits")
    _write(root, "after-commit.txt")


def _symlink_and_mode(root: Path) -> None:
    (root / "link").symlink_to("tracked.txt")
    (root / "src" / "app.py").chmod(0o755)


def _own_excludes(root: Path) -> None:
    """A `core.excludesFile` of the user's (snapshots read their own excludes file)."""
    excludes = root.parent / "my-excludes"
    excludes.write_text("*.tmp\n")
    git(root, "config", "core.excludesFile", str(excludes))


Mutation = Callable[[Path], None]
MUTATIONS: dict[str, tuple[Mutation, Mutation]] = {
    # name: (what is there before the snapshot it is compared with, the change)
    "edit, same size": (_nothing, lambda root: _write(root, "tracked.txt", "v3 unstaged\n")),
    "delete tracked": (_nothing, lambda root: (root / "gone.txt").unlink()),
    "delete untracked": (_nothing, lambda root: (root / "notes.md").unlink()),
    "new untracked in a new folder": (_nothing, lambda root: _write(root, "docs/guide.md")),
    "file to folder": (lambda root: _write(root, "shape"), _file_to_folder),
    "folder to file": (lambda root: _write(root, "block/a/b.txt"), _folder_to_file),
    "gitignore now ignores an included file": (
        lambda root: _write(root, "later-ignored.txt"),
        lambda root: _ignore(root, "later-ignored.txt"),
    ),
    "nested gitignore with a negation": (_nothing, _nested_ignore_with_negation),
    "real index: git add -f an ignored file": (
        lambda root: (_ignore(root, "forced.log"), _write(root, "forced.log")),
        lambda root: git(root, "add", "-f", "forced.log"),
    ),
    "gitignore stops ignoring": (_nothing, lambda root: _write(root, ".gitignore", "")),
    "real index: untracked and ignored": (_nothing, _untrack_and_ignore),
    "a commit meanwhile": (_nothing, _commit_meanwhile),
    "symlink and executable bit": (_nothing, _symlink_and_mode),
    "cockpit's own files, at any depth": (
        lambda root: _write(root, ".cockpit/sessions/s1.jsonl", "{}\n"),
        lambda root: (
            _write(root, ".cockpit/sessions/s1.head", "{}\n"),
            _write(root, "sub/.cockpit/sessions/s2.jsonl", "{}\n"),
        ),
    ),
    "cockpit's rules tracked by git": (
        lambda root: (_write(root, ".cockpit/rules/team.yaml", "rules: []\n"), _track(root)),
        lambda root: _write(root, ".cockpit/rules/team.yaml", "rules: [edited]\n"),
    ),
    "untracked secrets": (
        lambda root: _write(root, ".env", "MY_API_KEY=one\n"),
        lambda root: (
            _write(root, "svc/.env.local", "TOKEN=two\n"),
            _write(root, "home/.ssh/id_rsa", "KEY\n"),
            _write(root, ".env", "MY_API_KEY=changed\n"),
        ),
    ),
    "the user's own excludes file": (
        _own_excludes,
        lambda root: (_write(root, "scratch.tmp"), _write(root, "keep.txt")),
    ),
    "a tracked .env": (
        lambda root: (_write(root, "web/.env.example", "KEY=\n"), _track(root)),
        lambda root: _write(root, "web/.env.example", "KEY=placeholder\n"),
    ),
}


def _track(root: Path) -> None:
    git(root, "add", "-f", "-A")
    git(root, "commit", "-q", "-m", "tracked by the project")


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_a_later_snapshot_holds_exactly_the_working_tree(repo: Path, mutation: str) -> None:
    prepare, change = MUTATIONS[mutation]
    prepare(repo)
    guard = Safeguard(repo, "exact")
    first = guard.snapshot("session start")
    assert tree_of(repo, first) == fresh_tree(repo)
    change(repo)
    before = state(repo)
    later = guard.snapshot("after the change")
    assert tree_of(repo, later) == fresh_tree(repo)
    assert state(repo) == before
    assert guard.current_tree() == fresh_tree(repo)


def test_one_session_through_every_change_in_turn(repo: Path) -> None:
    guard = Safeguard(repo, "sequence")
    for name, (prepare, change) in MUTATIONS.items():
        prepare(repo)
        assert tree_of(repo, guard.snapshot(f"before: {name}")) == fresh_tree(repo), name
        change(repo)
        assert tree_of(repo, guard.snapshot(name)) == fresh_tree(repo), name


def test_the_index_is_kept_in_the_git_dir_and_reused_on_resume(repo: Path) -> None:
    guard = Safeguard(repo, "kept")
    first = guard.snapshot("start")
    index = session_index(repo, "kept")
    assert index.is_file()
    assert not any("cockpit" in line for line in git(repo, "status", "--porcelain").splitlines())
    (repo / "notes.md").write_text("edited while the session was away\n")
    resumed = Safeguard(repo, "kept")  # a new process on the same session
    again = resumed.snapshot("after resume")
    assert again is not None and first is not None
    assert again.number == first.number + 1
    assert tree_of(repo, again) == fresh_tree(repo)


def test_an_edit_the_stat_data_cannot_see_is_still_caught(repo: Path) -> None:
    """Git trusts stat data only for entries older than the index file that holds them
    (its racy-entry check). The session index is seeded from the real index with its
    modification time, so an edit that left size and mtime alone is still read."""
    git(repo, "config", "core.trustctime", "false")
    when = 1_600_000_000 * 10**9
    (repo / "gone.txt").write_text("same size 1\n")
    os.utime(repo / "gone.txt", ns=(when, when))
    git(repo, "add", "gone.txt")
    os.utime(repo / ".git" / "index", ns=(when, when))  # written in that same second
    (repo / "gone.txt").write_text("same size 2\n")
    os.utime(repo / "gone.txt", ns=(when, when))
    snap = Safeguard(repo, "racy").snapshot("start")
    assert snap is not None
    assert git(repo, "show", f"{snap.commit}:gone.txt") == "same size 2\n"


def test_an_untracked_file_is_read_once_per_session(repo: Path) -> None:
    """The session index keeps the stat data of untracked files, as git's index does for
    tracked ones: a file whose stat data did not change is not read again. Shown here by
    changing one's bytes behind git's back (same size, same mtime; ctime not trusted)."""
    git(repo, "config", "core.trustctime", "false")
    big = repo / "dataset.bin"
    big.write_bytes(b"A" * 4096)
    os.utime(big, ns=(1_600_000_000 * 10**9, 1_600_000_000 * 10**9))  # long before the index
    guard = Safeguard(repo, "once")
    first = guard.snapshot("start")
    with big.open("r+b") as f:
        f.write(b"B" * 4096)
    os.utime(big, ns=(1_600_000_000 * 10**9, 1_600_000_000 * 10**9))
    second = guard.snapshot("next")
    assert first is not None and second is not None
    blob = git(repo, "rev-parse", f"{second.commit}:dataset.bin").strip()
    assert blob == git(repo, "rev-parse", f"{first.commit}:dataset.bin").strip()
    # A new session reads it afresh.
    third = Safeguard(repo, "other").snapshot("start")
    assert third is not None
    assert git(repo, "show", f"{third.commit}:dataset.bin") == "B" * 4096


@pytest.mark.parametrize("damage", ["garbage", "stale lock", "another state"])
def test_a_damaged_or_stale_index_still_gives_the_exact_tree(repo: Path, damage: str) -> None:
    guard = Safeguard(repo, "crashed")
    guard.snapshot("before the crash")
    index = session_index(repo, "crashed")
    if damage == "garbage":
        index.write_bytes(b"DIRC not really an index")
    elif damage == "stale lock":
        index.with_name("crashed.lock").write_bytes(b"")
    else:  # entries the working tree no longer has, an ignored file, a file since changed
        env = {**ENV, "GIT_INDEX_FILE": str(index)}
        (repo / "temp.txt").write_text("temporary\n")
        for args in (["add", "-f", "ignored.log", "temp.txt"],):
            subprocess.run(["git", "-C", str(repo), *args], env=env, check=True)
        (repo / "temp.txt").unlink()
        (repo / "src/new.py").write_text("changed after the index was written\n")
    resumed = Safeguard(repo, "crashed")
    assert tree_of(repo, resumed.snapshot("after the crash")) == fresh_tree(repo)
    assert not index.with_name("crashed.lock").exists()


def test_old_sessions_indexes_are_removed_but_the_last_few_kept(repo: Path) -> None:
    folder = session_index(repo, "x").parent
    folder.mkdir(parents=True)
    for age, name in enumerate(["s-new", "s-newer", "s-old", "s-older", "s-oldest"]):
        path = folder / name
        path.write_bytes(b"")
        os.utime(path, (1_700_000_000 - age * 1000, 1_700_000_000 - age * 1000))
    os.utime(folder / "s-newer", (1_700_000_100, 1_700_000_100))
    (folder / ".s-oldest.123.new").write_bytes(b"")  # a copy a crash left half-made
    Safeguard(repo, "today").snapshot("start")
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == ["s-new", "s-newer", "s-old", "today"]


def test_reading_the_tree_and_snapshots_from_threads_stay_exact(repo: Path) -> None:
    guard = Safeguard(repo, "threads-tree")
    guard.snapshot("start")
    (repo / "notes.md").write_text("changed before the agents start\n")
    expected = fresh_tree(repo)
    with ThreadPoolExecutor(max_workers=6) as pool:
        trees = [pool.submit(guard.current_tree) for _ in range(6)]
        snaps = [pool.submit(guard.snapshot, f"agent {i}") for i in range(6)]
        assert {t.result(timeout=60) for t in trees} == {expected}
        assert {tree_of(repo, s.result(timeout=60)) for s in snaps} == {expected}


def test_rollback_through_the_session_index_then_snapshots_stay_exact(repo: Path) -> None:
    guard = Safeguard(repo, "back")
    snap = guard.snapshot("before the agent")
    assert snap is not None
    (repo / "tracked.txt").write_text("agent\n")
    (repo / "src" / "made.py").write_text("made\n")
    guard.snapshot("midway")
    (repo / "notes.md").unlink()
    result = guard.rollback(snap.ref)
    assert (repo / "tracked.txt").read_text() == "v2 unstaged\n"
    assert (repo / "notes.md").read_text() == "untracked notes\n"
    assert not (repo / "src" / "made.py").exists()
    assert result.safety is not None
    assert "src/made.py" in files_in(repo, tree_of(repo, result.safety))
    assert guard.current_tree() == fresh_tree(repo) == tree_of(repo, snap)
    assert tree_of(repo, guard.snapshot("after rollback")) == fresh_tree(repo)
