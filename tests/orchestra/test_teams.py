"""Each team `cockpit init --team NAME` writes runs end to end with the scripted backend
(tests/orchestra/teams/NAME.yaml): its phases open in order, its gates run and pass, no task
starts before what it waits for is done, a scripted failing task goes through the escape
hatch (an approach rolled back, the last one exhausted, BLOCKER_REPORT.md), is escalated to
the team's lead and then to the human, whose answer unblocks it; every task ends done, the
integration branch holds the team's work, and the session's log audits clean.

The leads' tasks change no file (their scope is the human's plan.md): they are done
without a merge. Three scheduler bugs found here keep their tests (tests/orchestra/
test_found_*): an agent with a task in a later phase held its first task's merge; a task
that changed nothing stayed in review; the human's item lost the lead's report."""

from __future__ import annotations

from pathlib import Path

from tests.orchestra._e2e import Team, assert_ran, run_team

TRIO = Team(
    "trio",
    {"build": "build.txt"},
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
    },
    failing="feature",
    answer="The check wants src/feature.py: build the feature there.",
)


async def test_echelons_runs_end_to_end(tmp_path: Path) -> None:
    assert_ran(*await run_team(tmp_path, ECHELONS), ECHELONS)


BOSS_WORKERS = Team(
    "boss-workers",
    {
        "part-1": "src/part1.py",
        "part-2": "src/part2.py",
        "part-3": "src/part3.py",
    },
    failing="part-2",
    answer="The check wants src/part2.py: write the part there.",
)


async def test_boss_workers_runs_end_to_end(tmp_path: Path) -> None:
    assert_ran(*await run_team(tmp_path, BOSS_WORKERS), BOSS_WORKERS)
