"""Bringing the integration branch into the user's branch when it is not a fast-forward:
a real merge commit in the user's checkout, or, on a conflict, an aborted merge and the
checkout as it was. And nothing to bring in is said, not done."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cockpit.supervisor.merge_bring import BringInRefused, bring_in, prepare_bring_in
from tests.cli.merge_sessions import Agent, make_session, merge_cli
from tests.worktrees.repos import commit, git


def _merged(root: Path, *agents: Agent) -> None:
    make_session(root, *agents)
    done = merge_cli(root)
    assert done.returncode == 0, done.stderr


def test_a_diverged_branch_gets_a_real_merge_commit(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _merged(root, Agent("builder", {"src/app.py": "APP = 1\n"}))
    mine = commit(root, "notes.txt", "mine\n", "my own work meanwhile")

    plan = asyncio.run(prepare_bring_in(root, "s1", ["builder"]))

    assert plan.fast_forward is False and plan.target == "main"
    assert plan.files == ("src/app.py",)
    assert "src/app.py" in plan.summary()[1]
    brought = asyncio.run(bring_in(plan, "human"))
    assert brought.fast_forward is False and brought.before == mine
    parents = git(root, "rev-list", "--parents", "-n1", "HEAD").split()[1:]
    assert parents == [mine, plan.tip]
    assert (root / "src/app.py").read_text() == "APP = 1\n"
    assert (root / "notes.txt").read_text() == "mine\n"


def test_a_conflicting_bring_in_is_aborted_and_the_checkout_is_as_it_was(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    _merged(root, Agent("builder", {"README.md": "theirs\n"}))
    mine = commit(root, "README.md", "mine\n", "my own readme")
    plan = asyncio.run(prepare_bring_in(root, "s1", ["builder"]))

    with pytest.raises(BringInRefused) as refused:
        asyncio.run(bring_in(plan, "human"))

    assert str(refused.value) == (
        "not brought in: conflicts in README.md; the merge was aborted and main is as it was"
    )
    assert git(root, "rev-parse", "HEAD") == mine
    assert git(root, "status", "--porcelain") == ""
    assert (root / "README.md").read_text() == "mine\n"


def test_an_untracked_file_in_the_way_of_a_fast_forward_is_said_in_one_line(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    _merged(root, Agent("builder", {"src/app.py": "APP = 1\n"}))
    plan = asyncio.run(prepare_bring_in(root, "s1", ["builder"]))
    (root / "src").mkdir()
    (root / "src/app.py").write_text("my scratch\n")  # appeared after the summary

    with pytest.raises(BringInRefused) as refused:
        asyncio.run(bring_in(plan, "human"))

    assert str(refused.value).startswith("git refused to fast-forward over local files")
    assert "\n" not in str(refused.value)
    assert (root / "src/app.py").read_text() == "my scratch\n"


def test_nothing_to_bring_in_is_said(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _merged(root, Agent("builder", {"src/app.py": "APP = 1\n"}))
    git(root, "merge", "--ff-only", "-q", "cockpit/s1/integration")

    with pytest.raises(BringInRefused, match="nothing to bring in: main already has"):
        asyncio.run(prepare_bring_in(root, "s1", ["builder"]))
    again = merge_cli(root, "--bring-in", "--yes")
    assert again.returncode == 0 and "nothing to bring in" in again.stdout
