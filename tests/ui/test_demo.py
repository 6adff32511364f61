"""`cockpit demo`: its script still fits its project and still shows every tier."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from cockpit.cli.demo import REVIEWER_ANSWER, demo_dir, write_script
from cockpit.session.audit import audit

REPO = Path(__file__).resolve().parents[2]


def test_the_planners_plan_keeps_every_line_of_the_projects_plan() -> None:
    script = yaml.safe_load((demo_dir() / "script.yaml").read_text(encoding="utf-8"))
    original = (demo_dir() / "project" / "plan.md").read_text(encoding="utf-8")
    writes = [
        call["write_file"]["content"]
        for turn in script["agents"]["planner"]
        for call in turn.get("calls", [])
        if "write_file" in call
    ]
    assert writes and writes[0].startswith(original)
    assert "## Phase 2" in writes[0][len(original) :]


def test_speed_scales_every_pause_and_long_texts_stream(tmp_path: Path) -> None:
    fast = yaml.safe_load(write_script(tmp_path / "s.yaml", 0.5).read_text(encoding="utf-8"))
    slow = yaml.safe_load((demo_dir() / "script.yaml").read_text(encoding="utf-8"))
    first_fast, first_slow = fast["agents"]["planner"][0], slow["agents"]["planner"][0]
    assert first_fast["delay_s"] == first_slow["delay_s"] * 0.5
    assert first_fast["chunk_chars"] > 0 and first_fast["chunk_delay_s"] > 0


def test_headless_demo_runs_every_tier_and_leaves_a_valid_log(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cockpit",
            "demo",
            "--headless",
            "--speed",
            "0.1",
            "--dir",
            str(tmp_path / "demo"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
    )
    # as designed: every agent finished (the demo answered its reviewer in the human's place)
    assert done.returncode == 0, done.stderr[-2000:]
    for agent in ("planner", "builder", "reviewer"):
        assert f"cockpit: {agent}: done" in done.stderr
    logs = list((tmp_path / "demo" / ".cockpit" / "sessions").glob("*.jsonl"))
    assert len(logs) == 1
    found = [json.loads(line) for line in logs[0].read_text(encoding="utf-8").splitlines()]
    tiers = [e["data"]["tier"] for e in found if e["kind"] == "policy.decided"]
    assert {1, 2, 3} <= set(tiers)
    asked = [e["data"]["command"] for e in found if e["kind"] == "approval.requested"]
    assert any(c.startswith("rm -rf build") for c in asked)
    assert any(c.startswith("git push --force") for c in asked)
    assert any(c.startswith("curl ") for c in asked)
    assert any(e["kind"] == "safeguard.snapshot" and e["data"].get("ref") for e in found)
    resolved = [e["data"] for e in found if e["kind"] == "approval.resolved"]
    assert resolved and all(r["by"] == "headless" and not r["approved"] for r in resolved)
    said = [e["data"] for e in found if e["kind"] == "human.message"]
    # the demo's nudge, never passed off as the human's
    assert [s for s in said if s["by"] != "merge ceremony"] == [
        {"text": REVIEWER_ANSWER, "by": "demo"}
    ]
    # the agents worked in worktrees: phase 1's ceremony merged the builder's work and
    # woke the reviewer, whose review (and its verify) then ran on the merged work
    started = next(e["data"] for e in found if e["kind"] == "session.started")
    assert started["isolation"]["mode"] == "worktrees"
    advanced = [e for e in found if e["kind"] == "merge.advanced"]
    assert advanced and advanced[0]["agent"] == "builder"
    woken = [s for s in said if s["by"] == "merge ceremony"]
    assert woken and "merged: builder" in woken[0]["text"]
    verified = [e["data"] for e in found if e["kind"] == "task.verified"]
    assert verified and all(v["passed"] for v in verified)
    report = audit(logs[0])
    try:
        assert report.valid, report.reason
        assert report.violations == []  # headless denials and the demo's message are legitimate
    finally:
        report.close()
