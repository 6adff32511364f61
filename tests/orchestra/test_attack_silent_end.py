"""Attack (as a new user): `cockpit init --team trio`, a plan whose first phase's gate
fails, `cockpit run --headless`. The gate goes to the lead, which cannot fix it, then to
the human; the next phase's task never starts. The run prints "builder: done",
"planner: done" and exits 0: a script or CI job sees success while the work is stuck
behind a gate that waits for the human, and nothing on stderr says so."""

from __future__ import annotations

from pathlib import Path

from tests.supervisor.conftest import cockpit

PLAN = """# Plan

## Phase 1: Build
gate: test -f release-notes.txt
- [ ] #build Write app.txt @builder
      verify: test -f app.txt

## Phase 2: Ship
- [ ] #ship Write ship.txt @builder
      verify: test -f ship.txt
"""

SCRIPT = """
agents:
  builder:
    - calls:
        - write_file: {path: app.txt, content: "app\\n"}
        - update_task: {task: build, status: done}
    - text: "Built."
  planner:
    - text: "Nothing to plan."
    - text: "I cannot fix a gate."
"""


def test_a_headless_run_stuck_behind_a_failed_gate_says_so_and_fails(workspace: Path) -> None:
    made = cockpit(workspace, "init", "--team", "trio", "--force")
    assert made.returncode == 0, made.stderr
    (workspace / "plan.md").write_text(PLAN)
    script = workspace.parent / "script.yaml"
    script.write_text(SCRIPT)
    ran = cockpit(
        workspace, "run", "--headless", "--script", str(script), "--agents", "builder,planner"
    )
    assert "FAILED" in ran.stdout  # the gate did fail
    assert not (workspace / "ship.txt").exists()
    assert ran.returncode != 0, f"exit 0 with #ship never started:\n{ran.stderr}"
    assert "ship" in ran.stderr or "gate" in ran.stderr, ran.stderr
