"""`cockpit merge`, run as a user runs it (`python -m cockpit merge` in a real repository
a session left behind): the finished agents' work ends on the integration branch, the
user's checkout untouched until `--bring-in`, and every step in the session's log."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cockpit.worktrees.layout import base_ref
from tests.cli.merge_sessions import (
    Agent,
    cockpit_cli,
    kinds_of,
    make_session,
    merge_cli,
    show,
)
from tests.worktrees.repos import git, make_repo

INTEGRATION = "cockpit/s1/integration"


def _checkout(root: Path) -> tuple[str, str, str, list[str]]:
    """The user's checkout as they would look at it: HEAD, index, status, files."""
    files = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.parts and ".cockpit" not in p.parts
    )
    return (
        git(root, "rev-parse", "HEAD"),
        git(root, "write-tree"),
        git(root, "status", "--porcelain"),
        files,
    )


def test_two_agents_on_different_files_both_land_and_the_checkout_waits_for_bring_in(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    make_session(
        root,
        Agent("builder", {"src/app.py": "APP = 1\n"}, scope=("src",)),
        Agent("tester", {"tests/test_app.py": "def test(): pass\n"}, scope=("tests",)),
    )
    before = _checkout(root)

    merged = merge_cli(root)

    assert merged.returncode == 0, merged.stderr
    assert show(root, f"{INTEGRATION}:src/app.py") == "APP = 1"
    assert show(root, f"{INTEGRATION}:tests/test_app.py") == "def test(): pass"
    assert _checkout(root) == before, "the ceremony touched the user's checkout"
    lines = merged.stdout.splitlines()
    assert any("commit builder's work onto cockpit/s1/builder" in line for line in lines)
    assert any("merge cockpit/s1/tester: advanced" in line for line in lines)
    kinds = [kind for kind, _agent, _data in kinds_of(root)]
    assert kinds[-1] == "merge.finished"
    assert kinds.count("merge.advanced") == 2 and kinds.count("merge.committed") == 2

    brought = merge_cli(root, "--bring-in", "--yes")

    assert brought.returncode == 0, brought.stderr
    assert "fast-forward" in brought.stdout and "merged agents: builder, tester" in brought.stdout
    assert "src/app.py" in brought.stdout  # the diff summary
    assert git(root, "rev-parse", "HEAD") == git(root, "rev-parse", INTEGRATION)
    assert (root / "src/app.py").read_text() == "APP = 1\n"
    assert git(root, "status", "--porcelain") == ""
    last_kind, _agent, data = kinds_of(root)[-1]
    assert last_kind == "merge.brought"
    assert data["fast_forward"] is True and data["target"] == "main"
    assert data["merged"] == ["builder", "tester"]


def test_finished_work_is_committed_by_cockpit_ignored_files_left_out(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    trees = make_session(
        root, Agent("builder", {"src/app.py": "APP = 1\n", "src/debug.log": "noise\n"})
    )
    worktree = root / ".cockpit/worktrees/s1/builder"

    assert merge_cli(root).returncode == 0

    assert git(worktree, "status", "--porcelain") == ""  # committed, .log still ignored
    assert (worktree / "src/debug.log").exists()
    assert git(worktree, "log", "-1", "--format=%an|%s") == (
        "cockpit|builder's work (build/builder-work), committed by cockpit for the merge ceremony"
    )
    committed = [d for k, _a, d in kinds_of(root) if k == "merge.committed"]
    assert committed[0]["files"] == ["src/app.py"]
    assert committed[0]["before"] == trees.base


def test_the_same_lines_conflict_and_the_second_agent_is_told_the_paths(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(
        root,
        Agent("builder", {"README.md": "builder's hello\n"}),
        Agent("tester", {"README.md": "tester's hello\n"}),
    )

    merged = merge_cli(root)

    assert merged.returncode == 0, merged.stderr
    assert show(root, f"{INTEGRATION}:README.md") == "builder's hello"
    events = kinds_of(root)
    conflict = [(a, d) for k, a, d in events if k == "merge.conflict"]
    assert conflict == [("tester", conflict[0][1])]
    assert conflict[0][1]["paths"] == ["README.md"]
    told = [(a, d) for k, a, d in events if k == "human.message"]
    assert [a for a, _ in told] == ["tester"]
    assert told[0][1]["by"] == "merge ceremony"
    assert "README.md" in str(told[0][1]["text"])
    assert "git rebase cockpit/s1/integration" in str(told[0][1]["text"])
    assert "told tester:" in merged.stdout

    again = merge_cli(root)  # nothing changed: the note is not given twice

    assert "tester was already told" in again.stdout
    assert [k for k, a, _d in kinds_of(root) if k == "human.message"] == ["human.message"]


def test_a_merge_failing_a_verify_is_skipped_and_the_others_merge(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    # Each verify passed alone; the second one fails once the first agent's work is in.
    make_session(
        root,
        Agent("builder", {"a.txt": "a\n"}, verify="test -e a.txt"),
        Agent("stray", {"b.txt": "b\n"}, verify="test ! -e a.txt"),
        Agent("tester", {"c.txt": "c\n"}, verify="test -e c.txt"),
    )

    merged = merge_cli(root, "--json")

    assert merged.returncode == 0, merged.stderr
    report = json.loads(merged.stdout)
    assert report["merged"] == ["builder", "tester"]
    outcomes = {r["agent"]: r["outcome"] for r in report["results"]}
    assert outcomes["stray"] == "checks failed"
    assert git(root, "ls-tree", "--name-only", INTEGRATION).split() == [
        ".gitignore",
        "README.md",
        "a.txt",
        "c.txt",
        "plan.md",
    ]
    checked = [d for k, a, d in kinds_of(root) if k == "merge.checked" and a == "tester"]
    ran = [c["command"] for c in checked[0]["commands"]]  # type: ignore[union-attr]
    assert ran == ["test -e a.txt", "test -e c.txt"], "verify broadly: the earlier merge's too"
    note = next(n for n in report["notes"] if n["agent"] == "stray")
    assert "test ! -e a.txt" in note["text"]


def test_an_untracked_file_outside_scope_quarantines_its_branch(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(
        root,
        Agent("builder", {"src/app.py": "APP = 1\n", "deploy/secret.sh": "x\n"}, scope=("src",)),
        Agent("tester", {"tests/t.py": "T = 1\n"}, scope=("tests",)),
    )

    merged = merge_cli(root)

    assert merged.returncode == 0, merged.stderr
    assert "QUARANTINED: outside its scope: deploy/secret.sh" in merged.stdout
    events = kinds_of(root)
    quarantined = [d for k, _a, d in events if k == "merge.quarantined"]
    assert quarantined[0]["paths"] == ["deploy/secret.sh"]
    assert git(root, "ls-tree", "-r", "--name-only", INTEGRATION).count("src/app.py") == 0
    told = [d["text"] for k, a, d in events if k == "human.message" and a == "builder"]
    assert "deploy/secret.sh" in str(told[0])


def test_a_running_agent_is_left_out_and_the_log_says_why(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(
        root,
        Agent("builder", {"src/app.py": "APP = 1\n"}),
        Agent("tester", {"tests/t.py": "T = 1\n"}, status="thinking"),
    )

    merged = merge_cli(root)

    assert merged.returncode == 0, merged.stderr
    started = next(d for k, _a, d in kinds_of(root) if k == "merge.started")
    assert started["queue"] == ["cockpit/s1/builder"]
    assert started["left_out"] == [
        {
            "agent": "tester",
            "verdict": "running or crashed",
            "why": "it is not done (last seen thinking)",
        }
    ]
    assert "[left out: tester (running or crashed: it is not done" in merged.stdout
    worktree = root / ".cockpit/worktrees/s1/tester"
    assert git(worktree, "status", "--porcelain") == "?? tests/"  # never committed for it


def test_bring_in_is_refused_over_local_changes_to_files_it_would_touch(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(root, Agent("builder", {"README.md": "new hello\n", "src/app.py": "A = 1\n"}))
    (root / "README.md").write_text("my own edit\n")
    head = git(root, "rev-parse", "HEAD")

    refused = merge_cli(root, "--bring-in", "--yes")

    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines() == [
        "cockpit: not brought in: your checkout has uncommitted changes to README.md, which "
        "the bring-in would change: commit or stash them first"
    ]
    assert "Traceback" not in refused.stderr
    assert git(root, "rev-parse", "HEAD") == head
    assert (root / "README.md").read_text() == "my own edit\n"
    assert "merge.brought" not in [k for k, _a, _d in kinds_of(root)]


def test_bring_in_without_a_terminal_or_yes_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(root, Agent("builder", {"src/app.py": "A = 1\n"}))
    head = git(root, "rev-parse", "HEAD")

    refused = merge_cli(root, "--bring-in")

    assert refused.returncode != 0
    assert "needs --yes (no terminal to ask on)" in refused.stderr
    assert git(root, "rev-parse", "HEAD") == head


def test_a_running_session_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(root, Agent("builder", {"src/app.py": "A = 1\n"}), release=False)

    refused = merge_cli(root)  # this test's process holds the worktree's lock, alive

    assert refused.returncode != 0
    assert refused.stderr.strip() == (
        f"cockpit: session s1 is running (session s1 (pid {os.getpid()})): press M on its "
        "screen to merge, or quit it first"
    )
    assert "merge.started" not in [k for k, _a, _d in kinds_of(root)]


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / ".cockpit").mkdir()
    outside = merge_cli(plain)
    assert outside.returncode != 0 and "is not a git repository" in outside.stderr
    assert len(outside.stderr.strip().splitlines()) == 1

    repo = make_repo(tmp_path / "repo")
    (repo / ".cockpit").mkdir()
    none = merge_cli(repo)
    assert none.returncode != 0 and "no session to merge in" in none.stderr
    missing = merge_cli(repo, "nope")
    assert missing.returncode != 0 and "no session nope in" in missing.stderr

    shared = tmp_path / "shared"
    make_session(shared, Agent("builder"))
    git(shared, "update-ref", "-d", base_ref("s1"))  # as a --shared-tree session leaves it
    said = merge_cli(shared)
    assert said.returncode != 0
    assert said.stderr.strip() == ("cockpit: session s1's agents shared one tree: nothing to merge")


def test_log_show_reads_the_whole_ceremony(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(
        root,
        Agent("builder", {"README.md": "builder's hello\n", "src/a.py": "A = 1\n"}),
        Agent("tester", {"README.md": "tester's hello\n"}),
        Agent("reviewer", {}, status="thinking"),
    )
    assert merge_cli(root).returncode == 0
    assert merge_cli(root, "--bring-in", "--yes").returncode == 0

    shown = cockpit_cli(root, "log", "show", ".cockpit/sessions/s1.jsonl")

    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    for step in (
        "commit builder's work onto cockpit/s1/builder",
        "queue: cockpit/s1/builder, cockpit/s1/tester onto",
        "| left out: reviewer (running or crashed: it is not done (last seen thinking))",
        "check merge of cockpit/s1/builder | passed on",
        "`true` (tier 1) exit 0",
        "merge cockpit/s1/builder | advanced",
        "merge cockpit/s1/tester | CONFLICT in README.md",
        "merge cockpit/s1/tester | skipped (conflict)",
        "tester | 0 | human.message | The merge ceremony left your branch",
        "merge into cockpit/s1/integration finished",
        "bring cockpit/s1/integration into main | fast-forward",
    ):
        assert step in text, f"{step!r} not in:\n{text}"
    audited = cockpit_cli(root, "audit", ".cockpit/sessions/s1.jsonl")
    assert audited.returncode == 0, audited.stdout


def test_a_tier_3_check_is_refused_without_a_terminal_even_with_yes(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(
        root,
        Agent("builder", {"src/app.py": "APP = 1\n"}),
        config="merge:\n  integration: rm -rf build\n",
    )

    merged = merge_cli(root, "--yes")

    assert merged.returncode == 0, merged.stderr
    checked = next(d for k, _a, d in kinds_of(root) if k == "merge.checked")
    assert checked["passed"] is False
    assert checked["commands"][-1] == {  # type: ignore[index]
        "command": "rm -rf build",
        "tier": 3,
        "refused": "refused: tier 3 and the human did not approve it",
    }
    assert git(root, "rev-parse", INTEGRATION) == git(root, "rev-parse", "HEAD")


def test_on_a_terminal_the_tier_3_check_and_the_bring_in_are_asked(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(
        root,
        Agent("builder", {"src/app.py": "APP = 1\n"}),
        config="merge:\n  integration: rm -rf build\n",
    )
    leader, follower = os.openpty()
    os.write(leader, b"y\ny\n")  # yes to the check, yes to the bring-in
    try:
        asked = merge_cli(root, "--bring-in", stdin=follower)
    finally:
        os.close(follower)
        os.close(leader)

    assert asked.returncode == 0, asked.stderr
    assert "run the check `rm -rf build` (tier 3: recursive deletion" in asked.stdout
    assert "bring cockpit/s1/integration into main? [y/N]" in asked.stdout
    assert git(root, "rev-parse", "HEAD") == git(root, "rev-parse", INTEGRATION)
    assert (root / "src/app.py").read_text() == "APP = 1\n"
    brought = [d for k, _a, d in kinds_of(root) if k == "merge.brought"]
    assert brought[0]["by"] == "human"
