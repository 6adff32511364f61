"""`cockpit run --headless` with an ordered plan: a task that goes up to the human prints
one clear line (task, why) and the run ends with exit 1 while it is still blocked; the
task board's moves print one line each."""

from __future__ import annotations

import json
from pathlib import Path

from cockpit.cli.headless import blocked_line
from cockpit.session.kinds import TaskEscalated
from tests.supervisor.conftest import cockpit, git

PLAN = """\
# Shop

## Phase 1: Build
gate: true
- [ ] #page Write the page @builder
"""

SCRIPT = {
    "agents": {
        "builder": [
            {"calls": [{"report_blocked": {"reason": "The page needs a design nobody wrote."}}]},
        ],
        "planner": [
            {"calls": [{"report_blocked": {"reason": "I cannot design pages."}}]},
        ],
    }
}


def _workspace(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "plan.md").write_text(PLAN)
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.email=t@t", "-c", "user.name=t", "add", "-A")
    git(root, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init")
    return root


def test_a_task_blocked_for_the_human_is_said_and_the_run_exits_1(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    script = tmp_path / "script.yaml"
    script.write_text(json.dumps(SCRIPT))
    done = cockpit(root, "run", "--headless", "--agents", "builder", "--script", str(script))
    said = [line for line in done.stderr.splitlines() if "BLOCKED, needs you" in line]
    assert said == [
        "cockpit: BLOCKED, needs you: task #page: planner (the lead) could not resolve it: "
        "I cannot design pages (it was blocked: The page needs a design nobody wrote)"
    ], done.stderr
    assert "cockpit: still blocked, waiting for you: #page" in done.stderr
    assert done.returncode == 1, done.stderr
    # The board's moves, one line each (as `cockpit log show` prints them).
    board = [line for line in done.stdout.splitlines() if "task #page" in line]
    assert any("-> IN_PROGRESS" in line for line in board), done.stdout
    assert any("-> BLOCKED" in line for line in board), done.stdout
    assert any("escalated to planner" in line for line in board), done.stdout
    assert any("escalated to human" in line for line in board), done.stdout
    assert any(
        "phase 'Phase 1: Build'" in line and "OPENED" in line for line in done.stdout.splitlines()
    )


def test_the_blocked_line_names_a_gate_and_the_report() -> None:
    gate = TaskEscalated(task="gate:Build", to="human", reason="make test failed (exit 2)")
    assert blocked_line(gate) == (
        "BLOCKED, needs you: the gate of 'Build': make test failed (exit 2)"
    )
    task = TaskEscalated(task="api", to="human", reason="stuck", report="/w/BLOCKER_REPORT.md")
    assert blocked_line(task) == (
        "BLOCKED, needs you: task #api: stuck (report: /w/BLOCKER_REPORT.md)"
    )


GATED = """\
# Shop

## Phase 1: Build
gate: test -f approved.txt
- [ ] #page Write the page @builder

## Phase 2: Ship
- [ ] #ship Ship it @builder
"""

WRITES_THE_PAGE = {
    "agents": {
        "builder": [
            {
                "calls": [
                    {"write_file": {"path": "page.html", "content": "<p>hi</p>\n"}},
                    {"update_task": {"task": "page", "status": "done"}},
                ]
            },
            {"text": "Page done."},
        ],
    }
}


def test_a_failed_gate_with_no_lead_ends_the_run_with_exit_1(tmp_path: Path) -> None:
    """Every agent finished, but the gate failed and waits for the human: not a success."""
    root = _workspace(tmp_path)
    (root / "plan.md").write_text(GATED)
    (root / ".cockpit").mkdir()
    (root / ".cockpit" / "config.yaml").write_text('orchestration:\n  lead: ""\n')
    script = tmp_path / "script.yaml"
    script.write_text(json.dumps(WRITES_THE_PAGE))
    done = cockpit(root, "run", "--headless", "--agents", "builder", "--script", str(script))
    said = [line for line in done.stderr.splitlines() if "BLOCKED, needs you" in line]
    assert len(said) == 1 and "the gate of 'Phase 1: Build'" in said[0], done.stderr
    assert done.returncode == 1, (done.stdout, done.stderr)
