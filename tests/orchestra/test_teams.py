"""Each team `cockpit init --team NAME` writes runs end to end with the scripted backend
(tests/orchestra/teams/NAME.yaml): its phases open in order, its gates run and pass, no task
starts before what it waits for is done, a scripted failing task goes through the escape
hatch (an approach rolled back, the last one exhausted, BLOCKER_REPORT.md), is escalated to
the team's lead and then to the human, whose answer unblocks it; every task ends done, the
integration branch holds the team's work, and the session's log audits clean.

Three scheduler bugs found here have their own failing tests (tests/orchestra/test_found_*):
feature and echelons stop until an agent with a task in a later phase gets its first task
merged (test_found_later_task_holds_merge; boss-workers' boss too, when its turn ends
before the ceremony looks); the leads write notes/LEAD.md until a task that changes
nothing on its branch can become done (test_found_no_work_stays_in_review); the report is
read from the lead's escalation until the human's item keeps it
(test_found_report_lost_via_lead)."""

from __future__ import annotations

from pathlib import Path

from tests.orchestra._e2e import Team, assert_ran, run_team

TRIO = Team(
    "trio",
    {"plan": "notes/planner.md", "build": "build.txt"},
    failing="build",
    answer="The check wants build.txt: write it.",
)


async def test_trio_runs_end_to_end(tmp_path: Path) -> None:
    assert_ran(*await run_team(tmp_path, TRIO), TRIO)


FEATURE = Team(
    "feature",
    {
        "ui": "docs/ui-spec.md",
        "arch": "docs/system-plan.md",
        "test-plan": "docs/test-plan.md",
        "plan-review": "docs/plan-review.md",
        "backend": "src/server.py",
        "frontend": "src/screen.py",
        "optimize": "perf/profile.txt",
        "simplify": "src/names.py",
        "tests": "tests/test_greeting.py",
        "checks": "docs/quality-report.md",
        "review": "docs/review.md",
        "docs": "docs/usage.md",
        "close": "notes/project-manager.md",
    },
    failing="backend",
    answer="The check wants src/server.py: write the server there.",
)


async def test_feature_runs_end_to_end(tmp_path: Path) -> None:
    assert_ran(*await run_team(tmp_path, FEATURE), FEATURE)


ECHELONS = Team(
    "echelons",
    {
        "infra": "src/config.py",
        "safety": "src/guards.py",
        "record-1": "docs/decisions/echelon-1.md",
        "feature": "src/feature.py",
        "record-2": "docs/decisions/echelon-2.md",
        "polish": "src/messages.py",
        "record-3": "docs/decisions/echelon-3.md",
        "close": "notes/arbiter.md",
    },
    failing="feature",
    answer="The check wants src/feature.py: build the feature there.",
)


async def test_echelons_runs_end_to_end(tmp_path: Path) -> None:
    assert_ran(*await run_team(tmp_path, ECHELONS), ECHELONS)


BOSS_WORKERS = Team(
    "boss-workers",
    {
        "plan": "notes/boss.md",
        "part-1": "src/part1.py",
        "part-2": "src/part2.py",
        "part-3": "src/part3.py",
        "accept": "notes/boss.md",
    },
    failing="part-2",
    answer="The check wants src/part2.py: write the part there.",
)


async def test_boss_workers_runs_end_to_end(tmp_path: Path) -> None:
    assert_ran(*await run_team(tmp_path, BOSS_WORKERS), BOSS_WORKERS)
