"""diff_plans: what changed, and which agents need to hear about it."""

from __future__ import annotations

from pathlib import Path

from cockpit.plan.diff import diff_plans
from cockpit.plan.document import Plan

AGENTS = ("builder", "planner", "reviewer")
BASE = """# Project
Shared notes.

## Phase 1
- [ ] Login @builder
      verify: pytest
- [ ] Schema @planner
- [ ] Review @reviewer
"""


def plan(text: str) -> Plan:
    return Plan.parse(text, Path("plan.md"))


def test_unchanged_plan_is_an_empty_diff() -> None:
    diff = diff_plans(plan(BASE), plan(BASE))
    assert diff.empty
    assert diff.text == ""
    assert diff.affected(AGENTS) == set()


def test_status_change_affects_only_the_owner() -> None:
    new = BASE.replace("      verify: pytest\n", "      verify: pytest\n      status: doing\n")
    diff = diff_plans(plan(BASE), plan(new))
    assert not diff.shared_changed
    assert [(old.status, now.status) for old, now in diff.changed] == [("todo", "doing")]
    assert diff.affected(AGENTS) == {"builder"}
    assert [task.title for task in diff.for_agent("builder")] == ["Login"]
    assert "+      status: doing" in diff.text


def test_verify_change_affects_the_owner() -> None:
    diff = diff_plans(plan(BASE), plan(BASE.replace("verify: pytest", "verify: pytest -x")))
    assert diff.affected(AGENTS) == {"builder"}
    assert diff.changed[0][1].verify == ("pytest -x",)


def test_reassignment_affects_old_and_new_owner() -> None:
    diff = diff_plans(plan(BASE), plan(BASE.replace("Schema @planner", "Schema @builder")))
    assert diff.affected(AGENTS) == {"planner", "builder"}
    assert [task.title for task in diff.taken_from("planner")] == ["Schema"]
    assert [task.owner for task in diff.given_to("builder")] == ["builder"]
    assert diff.taken_from("builder") == [] and diff.given_to("planner") == []


def test_added_and_removed_tasks() -> None:
    new = BASE.replace("- [ ] Review @reviewer\n", "- [ ] Deploy @builder\n")
    diff = diff_plans(plan(BASE), plan(new))
    assert [task.title for task in diff.added] == ["Deploy"]
    assert [task.title for task in diff.removed] == ["Review"]
    assert diff.affected(AGENTS) == {"builder", "reviewer"}
    assert [task.title for task in diff.taken_from("reviewer")] == ["Review"]
    assert [task.title for task in diff.given_to("builder")] == ["Deploy"]
    assert "-- [ ] Review @reviewer\n+- [ ] Deploy @builder\n" in diff.text


def test_shared_text_change_affects_every_agent() -> None:
    diff = diff_plans(plan(BASE), plan(BASE.replace("Shared notes.", "Use Postgres, not SQLite.")))
    assert diff.shared_changed
    assert not (diff.added or diff.removed or diff.changed)
    assert diff.affected(AGENTS) == set(AGENTS)
    assert diff.affected(["builder"]) == {"builder"}


def test_renamed_phase_changes_ids_and_shared_text() -> None:
    diff = diff_plans(plan(BASE), plan(BASE.replace("## Phase 1", "## Sprint 1")))
    assert diff.shared_changed
    assert len(diff.added) == len(diff.removed) == 3
    assert diff.affected(AGENTS) == set(AGENTS)


def test_unowned_task_change_affects_every_agent() -> None:
    diff = diff_plans(plan(BASE), plan(BASE + "- [ ] Anyone's job\n"))
    assert diff.unowned_changed and not diff.shared_changed
    assert diff.affected(AGENTS) == set(AGENTS)


def test_owner_that_is_no_agent_is_not_affected() -> None:
    diff = diff_plans(plan(BASE), plan(BASE + "- [ ] Haunt @ghost\n"))
    assert diff.owners == {"ghost"}
    assert diff.affected(AGENTS) == set()


def test_moving_a_task_without_changing_it_is_no_task_change() -> None:
    moved = BASE.replace("- [ ] Schema @planner\n", "").replace(
        "- [ ] Review @reviewer\n", "- [ ] Review @reviewer\n- [ ] Schema @planner\n"
    )
    diff = diff_plans(plan(BASE), plan(moved))
    assert not (diff.added or diff.removed or diff.changed or diff.shared_changed)
    assert diff.text != ""


def test_line_ending_only_change_is_reported_in_text_but_affects_nobody() -> None:
    diff = diff_plans(plan(BASE), plan(BASE.replace("\n", "\r\n")))
    assert diff.empty
    assert diff.text == "(only line endings or the final newline changed)\n"
    assert diff.old_digest != diff.new_digest


def test_diff_text_is_a_unified_diff_named_after_the_file() -> None:
    old = Plan.parse(BASE, Path("/work/plan.md"))
    new = Plan.parse(BASE.replace("Login", "Sign-in"), Path("/work/plan.md"))
    text = diff_plans(old, new).text
    assert text.startswith("--- a/plan.md\n+++ b/plan.md\n@@ ")
    assert "-- [ ] Login @builder\n+- [ ] Sign-in @builder\n" in text
