"""A ceremony's steps, appended to a real session log, read back by `cockpit log show`
step by step, with the SHAs each one moved the integration branch between."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cockpit.merge.ceremony import Queued, run_ceremony
from cockpit.merge.names import agent_branch, integration_branch
from cockpit.session.kinds import EventBody
from cockpit.session.log import SessionLog
from tests.merge.repos import SESSION, agent_worktree, commit_in, git, make_repo, passes


async def test_cockpit_log_show_prints_the_ceremony(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"app.txt": "one\n"})
    commit_in(agent_worktree(repo, "builder", base), {"app.txt": "builder\n"})
    commit_in(agent_worktree(repo, "fixer", base), {"app.txt": "fixer\n"})
    path = tmp_path / "sessions" / f"{SESSION}.jsonl"
    with SessionLog.create(path, SESSION) as log:

        def record(body: EventBody) -> None:
            log.append(body.kind, body.data())

        queue = [Queued(a, agent_branch(SESSION, a)) for a in ("builder", "fixer")]
        result = await run_ceremony(repo, base, integration_branch(SESSION), queue, passes, record)

    shown = subprocess.run(
        [sys.executable, "-m", "cockpit", "log", "show", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    merged = git(repo, "rev-parse", integration_branch(SESSION)).strip()
    assert merged == result.after
    steps = [line.split(" | ")[3:5] for line in shown if " | " in line]
    assert steps == [
        [
            "merge into cockpit/s1/integration",
            f"queue: cockpit/s1/builder, cockpit/s1/fixer onto {base[:12]}",
        ],
        ["check merge of cockpit/s1/builder", f"passed on {merged[:12]}"],
        ["merge cockpit/s1/builder", f"advanced {base[:12]} -> {merged[:12]}"],
        ["merge cockpit/s1/fixer", f"CONFLICT in app.txt onto {merged[:12]}"],
        [
            "merge cockpit/s1/fixer",
            "skipped (conflict): cockpit/s1/fixer conflicts with the integration branch"
            " in: app.txt",
        ],
    ]
