"""A `cockpit merge` killed mid-ceremony (SIGKILL, right after its first merge advanced the
integration branch) and run again: the second run finishes the ceremony, each branch is
merged exactly once, and the log, both runs in one hash chain, audits clean."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from cockpit.session.chain import read_events
from cockpit.supervisor.ceremony import unfinished_ceremony
from tests.cli.merge_sessions import Agent, cockpit_cli, kinds_of, make_session, merge_cli
from tests.waiting import wait_until_sync
from tests.worktrees.repos import GIT_ENV, git

INTEGRATION = "cockpit/s1/integration"


def test_a_ceremony_killed_after_its_first_merge_is_finished_by_the_next_run(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    flag = tmp_path / "go"
    # The second merge's check waits for the flag: the first run is killed while it waits.
    hold = f"until test -e {flag}; do sleep 0.05; done"
    trees = make_session(
        root,
        Agent("builder", {"src/app.py": "APP = 1\n"}),
        Agent("tester", {"tests/t.py": "T = 1\n"}, verify=hold),
    )
    log = root / ".cockpit/sessions/s1.jsonl"
    first = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "merge"],
        cwd=root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**GIT_ENV, "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"]},
        start_new_session=True,
    )
    try:
        wait_until_sync(
            lambda: '"kind":"merge.advanced"' in log.read_text(),
            "the first merge.advanced in the log",
            timeout=60,
        )
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        flag.touch()  # the check the kill orphaned ends too
    cut_short = [k for k, _a, _d in kinds_of(root)]
    assert cut_short.count("merge.advanced") == 1 and "merge.finished" not in cut_short
    assert unfinished_ceremony(read_events(log)) is not None
    try:
        again = merge_cli(root)

        assert again.returncode == 0, again.stderr
        events = kinds_of(root)
        advanced = [d["branch"] for k, _a, d in events if k == "merge.advanced"]
        assert advanced == ["cockpit/s1/builder", "cockpit/s1/tester"]
        skipped = [d["reason"] for k, _a, d in events if k == "merge.skipped"]
        assert skipped == ["already merged"]
        assert unfinished_ceremony(read_events(log)) is None
        merges = git(root, "rev-list", "--merges", f"{trees.base}..{INTEGRATION}").split()
        assert len(merges) == 2, "a branch was merged twice"
        assert git(root, "show", f"{INTEGRATION}:tests/t.py") == "T = 1"
        audited = cockpit_cli(root, "audit", str(log))
        assert audited.returncode == 0, audited.stdout
        # the killed run's check worktree is gone too: the next ceremony swept it
        assert "cockpit-check-" not in git(root, "worktree", "list", "--porcelain")
    finally:
        _remove_orphaned_check_trees(root)


def _remove_orphaned_check_trees(root: Path) -> None:
    """The killed run's throwaway worktree (its cleanup never ran)."""
    listing = git(root, "worktree", "list", "--porcelain")
    for line in listing.splitlines():
        path = line.removeprefix("worktree ")
        if line.startswith("worktree ") and "cockpit-check-" in path:
            # killed mid-`worktree add`: it may be locked, or have no `.git` file yet
            shutil.rmtree(Path(path).parent, ignore_errors=True)
            git(root, "worktree", "prune")
