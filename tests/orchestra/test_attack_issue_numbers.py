"""Attack (the grammar, as people write plans): task lists that start each task with the
issue it fixes (`- [ ] #12 Fix the login crash`, GitHub's own task-list habit) are read as
`#id`s. A plan that worked yesterday (every task handed at once) becomes an ordered plan
run one task at a time, and two tasks for the same issue are a "duplicate id" problem.
"Everything is optional: today's plans keep working unchanged" does not hold for them."""

from __future__ import annotations

from pathlib import Path

from cockpit.plan.document import Plan
from cockpit.plan.order import plan_problems

TODAY = """# Bugs

- [ ] #12 Fix the login crash @builder
- [ ] #12 Add a test for the login crash @builder
- [ ] #31 Make the footer readable @designer
"""


def test_a_plan_of_issue_numbers_is_not_turned_into_an_ordered_plan() -> None:
    plan = Plan.parse(TODAY, Path("plan.md"))
    assert not plan.ordered, (
        "a plan whose only 'order mark' is an issue number is scheduled one task at a time"
    )
    assert not any("already the id" in p.message for p in plan_problems(plan)), (
        "two tasks about the same issue are reported as a duplicate id"
    )
