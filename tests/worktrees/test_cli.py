"""`cockpit worktrees [--json]`, `clean [--yes]` and `discard SESSION/AGENT [--yes]`, run as
a user runs them: never a removal of unmerged or dirty work without the human naming it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from cockpit.worktrees.agents import AgentWorktrees, Worktree, isolation
from cockpit.worktrees.removal import clean
from tests.worktrees.repos import cockpit, commit, git, make_repo


def session(root: Path, *agents: str, name: str = "s1") -> list[Worktree]:
    """A session's worktrees, left as a crashed or ended session leaves them."""
    trees = isolation(root, name)
    assert isinstance(trees, AgentWorktrees)
    made = [trees.attach(agent) for agent in agents]
    for agent in agents:
        trees.release(agent)
    return made


def test_the_list_shows_each_worktree_in_one_line_and_json_has_every_field(
    tmp_path: Path,
) -> None:
    root = make_repo(tmp_path / "repo")
    builder, tester = session(root, "builder", "tester")
    commit(builder.path, "c.py", "C = 1\n", "add c")
    (tester.path / "scratch.txt").write_text("x\n")

    shown = cockpit(root, "worktrees")

    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("s1/builder  head ")
    assert "1 unmerged commit, 0 dirty files  keep  .cockpit/worktrees/s1/builder" in lines[0]
    assert "0 unmerged commits, 1 dirty file  keep  .cockpit/worktrees/s1/tester" in lines[1]

    report = json.loads(cockpit(root, "worktrees", "--json").stdout)
    assert report["repository"] == str(root)
    first = report["worktrees"][0]
    assert {
        "session",
        "agent",
        "branch",
        "path",
        "exists",
        "head",
        "base",
        "integration",
        "ahead",
        "unmerged",
        "staged",
        "unstaged",
        "untracked",
        "dirty",
        "locked",
        "in_use_by",
        "safe_to_remove",
        "blockers",
    } <= set(first)
    assert first["branch"] == "cockpit/s1/builder" and first["ahead"] == 1
    assert first["unmerged"][0]["subject"] == "add c"
    assert report["worktrees"][1]["untracked"] == ["scratch.txt"]


def test_clean_removes_merged_clean_work_and_refuses_unmerged_and_untracked(
    tmp_path: Path,
) -> None:
    root = make_repo(tmp_path / "repo")
    merged, unmerged, dirty = session(root, "merged", "unmerged", "dirty")
    done = commit(merged.path, "m.py", "M = 1\n", "merged work")
    git(root, "update-ref", "refs/heads/cockpit/s1/integration", done)
    keep = commit(unmerged.path, "u.py", "U = 1\n", "unmerged work")
    (dirty.path / "draft.py").write_text("half done\n")

    out = cockpit(root, "worktrees", "clean", "--yes")

    assert out.returncode == 0, out.stderr
    assert f"kept s1/unmerged: 1 unmerged commit(s): {keep[:10]} unmerged work" in out.stdout
    assert "kept s1/dirty: untracked: draft.py" in out.stdout
    assert "removed s1/merged: worktree and branch cockpit/s1/merged" in out.stdout
    assert not merged.path.exists()
    assert git(root, "branch", "--list", "cockpit/s1/merged") == ""
    assert git(root, "rev-parse", "cockpit/s1/unmerged") == keep
    assert (unmerged.path / "u.py").is_file()
    assert (dirty.path / "draft.py").read_text() == "half done\n"
    assert git(root, "rev-parse", "cockpit/s1/integration") == done  # the result stays


def test_clean_without_yes_and_without_a_terminal_removes_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    (tree,) = session(root, "builder")
    out = cockpit(root, "worktrees", "clean")
    assert out.returncode == 2
    assert "needs --yes (no terminal to ask on)" in out.stderr
    assert "Traceback" not in out.stderr and tree.path.is_dir()


def test_clean_leaves_a_worktree_a_running_session_holds(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    (tree,) = session(root, "builder")
    reason = f"cockpit session s1 (pid {os.getppid()})"  # a process that runs: another cockpit
    git(root, "worktree", "lock", "--reason", reason, str(tree.path))
    out = cockpit(root, "worktrees", "clean", "--yes")
    assert f"kept s1/builder: in use by session s1 (pid {os.getppid()})" in out.stdout
    assert tree.path.is_dir()


def test_a_vanished_worktree_is_listed_and_its_unmerged_branch_kept_by_clean(
    tmp_path: Path,
) -> None:
    root = make_repo(tmp_path / "repo")
    (tree,) = session(root, "builder")
    keep = commit(tree.path, "c.py", "C = 1\n", "add c")
    subprocess.run(["rm", "-rf", str(tree.path)], check=True)

    listed = cockpit(root, "worktrees").stdout
    assert ".cockpit/worktrees/s1/builder (vanished)" in listed
    assert "1 unmerged commit" in listed
    cockpit(root, "worktrees", "clean", "--yes")
    assert git(root, "rev-parse", "cockpit/s1/builder") == keep

    gone = cockpit(root, "worktrees", "discard", "s1/builder", "--yes")
    assert gone.returncode == 0, gone.stderr
    assert f"  unmerged commit {keep[:10]} add c" in gone.stdout
    assert git(root, "branch", "--list", "cockpit/s1/builder") == ""
    assert len(git(root, "worktree", "list").splitlines()) == 1


def test_discard_names_the_work_and_needs_a_yes(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    (tree,) = session(root, "builder")
    sha = commit(tree.path, "c.py", "C = 1\n", "add c")
    (tree.path / "draft.py").write_text("x\n")

    refused = cockpit(root, "worktrees", "discard", "s1/builder")

    assert refused.returncode == 2
    assert f"  unmerged commit {sha[:10]} add c" in refused.stdout
    assert "  untracked file draft.py" in refused.stdout
    assert "discard 1 unmerged commit(s) and 1 dirty file(s) of s1/builder" in refused.stderr
    assert tree.path.is_dir() and git(root, "rev-parse", "cockpit/s1/builder") == sha

    done = cockpit(root, "worktrees", "discard", "s1/builder", "--yes")

    assert done.returncode == 0, done.stderr
    assert "discarded s1/builder" in done.stdout
    assert not tree.path.exists()
    assert git(root, "branch", "--list", "cockpit/s1/builder") == ""


def test_discard_asks_on_a_terminal_and_a_no_keeps_everything(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    (tree,) = session(root, "builder")
    commit(tree.path, "c.py", "C = 1\n", "add c")
    for answer, kept in (("n\n", True), ("y\n", False)):
        leader, follower = os.openpty()
        os.write(leader, answer.encode())
        try:
            out = cockpit(root, "worktrees", "discard", "s1/builder", stdin=follower)
        finally:
            os.close(follower)
            os.close(leader)
        assert "for good? [y/N]" in out.stdout
        assert tree.path.is_dir() is kept
        assert (out.returncode == 0) is not kept


def test_bad_targets_and_outside_git_are_one_line(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    missing = cockpit(root, "worktrees", "discard", "s1/nobody", "--yes")
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith("cockpit: no agent branch cockpit/s1/nobody")
    malformed = cockpit(root, "worktrees", "discard", "builder", "--yes")
    assert malformed.stderr.strip() == "cockpit: 'builder' is not SESSION/AGENT"
    plain = tmp_path / "plain"
    plain.mkdir()
    outside = cockpit(plain, "worktrees")
    assert outside.returncode == 0
    assert "is not a git repository (agents share it)" in outside.stdout
    assert json.loads(cockpit(plain, "worktrees", "--json").stdout)["worktrees"] == []


def test_a_worktree_off_its_branch_is_kept_by_clean_and_discard(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    (tree,) = session(root, "builder")
    git(tree.path, "switch", "-q", "--detach")
    commit(tree.path, "lost.py", "L = 1\n", "a commit on no branch")

    listed = cockpit(root, "worktrees").stdout
    assert ".cockpit/worktrees/s1/builder" in listed and "(vanished)" not in listed
    out = cockpit(root, "worktrees", "clean", "--yes")
    assert "kept s1/builder: its worktree is on a detached HEAD" in out.stdout
    refused = cockpit(root, "worktrees", "discard", "s1/builder", "--yes")
    assert refused.returncode == 2 and "switch it back" in refused.stderr
    assert (tree.path / "lost.py").is_file()


def test_clean_removes_only_the_worktrees_the_human_was_shown(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    shown, other = session(root, "shown", "other")
    result = clean(root, root, only={"s1/shown"})
    assert [s.label for s in result.removed] == ["s1/shown"]
    assert not shown.path.exists() and other.path.is_dir()


def test_clean_keeps_work_a_gitignore_the_agent_wrote_hides(tmp_path: Path) -> None:
    """`*` in a new src/.gitignore hides the agent's new files from git status: they are
    still work, since the repository's own checkout would not ignore them. A build
    output the checkout ignores too is not."""
    root = make_repo(tmp_path / "repo")
    (root / ".gitignore").write_text("build/\n")
    git(root, "add", ".gitignore")
    git(root, "commit", "-qm", "ignore build")
    (tree,) = session(root, "builder")
    (tree.path / "src").mkdir()
    (tree.path / "src" / ".gitignore").write_text("*\n")
    (tree.path / "src" / "important.py").write_text("KEEP = 1\n")
    (tree.path / "build").mkdir()
    (tree.path / "build" / "out.bin").write_text("x")
    out = cockpit(root, "worktrees", "clean", "--yes")
    assert out.returncode == 0, out.stderr
    assert "kept s1/builder" in out.stdout and "src/" in out.stdout
    assert "build" not in out.stdout.split("kept s1/builder", 1)[1].splitlines()[0]
    assert (tree.path / "src" / "important.py").read_text() == "KEEP = 1\n"
