"""A ceremony killed between two steps and run again merges every branch exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.merge.ceremony import Outcome, Queued, run_ceremony
from cockpit.merge.names import agent_branch, integration_branch
from cockpit.session.kinds import MergeAdvanced, MergeChecked
from tests.merge.crashing_ceremony import AGENTS
from tests.merge.repos import (
    SESSION,
    Recorder,
    agent_worktree,
    checkout_fingerprint,
    commit_in,
    git,
    make_repo,
    merge_parents,
    passes,
)

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize(
    ("kind", "nth", "when", "merged_before_crash"),
    [
        (MergeAdvanced.kind, 1, "after", 1),  # the first merge advanced and was logged
        (MergeAdvanced.kind, 2, "before", 2),  # the branch moved, the log never heard of it
        (MergeChecked.kind, 2, "after", 1),  # a merge commit checked, never advanced
    ],
)
async def test_a_rerun_after_a_crash_merges_nothing_twice(
    tmp_path: Path, kind: str, nth: int, when: str, merged_before_crash: int
) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"README.md": "hello\n"})
    heads = [
        commit_in(agent_worktree(repo, agent, base), {f"{agent}.txt": f"{agent}\n"})
        for agent in AGENTS
    ]
    checkout = checkout_fingerprint(repo)
    log = tmp_path / "steps.jsonl"

    argv = [str(repo), base, str(log), kind, str(nth), when]
    crashed = subprocess.run(
        [sys.executable, "-m", "tests.merge.crashing_ceremony", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    integration = integration_branch(SESSION)
    assert merge_parents(repo, integration) == heads[:merged_before_crash]
    logged = [json.loads(line)["kind"] for line in log.read_text().splitlines()]
    assert logged[-1] == kind if when == "after" else logged[-1] != kind

    record = Recorder()
    queue = [Queued(a, agent_branch(SESSION, a)) for a in AGENTS]
    again = await run_ceremony(repo, base, integration, queue, passes, record)

    assert merge_parents(repo, integration) == heads  # each branch once, in queue order
    outcomes = [r.outcome for r in again.results]
    assert outcomes == [Outcome.ALREADY_MERGED] * merged_before_crash + [Outcome.MERGED] * (
        3 - merged_before_crash
    )
    assert len(record.of(MergeAdvanced)) == 3 - merged_before_crash
    assert sorted(git(repo, "ls-tree", "--name-only", integration).split()) == [
        "README.md",
        "builder.txt",
        "tester.txt",
        "writer.txt",
    ]
    assert checkout_fingerprint(repo) == checkout
