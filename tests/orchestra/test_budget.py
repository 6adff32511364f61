"""The escape hatch's budget: a task's own ``iterations:``/``shifts:`` win over its agent's
file, which wins over the session's settings; a bad value in an agent file names its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.agent.definition import load_agent_file
from cockpit.config.settings import OrchestrationSettings
from cockpit.config.yaml_source import SourceError
from cockpit.plan.document import Plan
from cockpit.supervisor.schedule import Scheduler

PLAN = """## Build
- [ ] #own Its own budget @back
      iterations: 2
      shifts: 0
- [ ] #agents From the agent's file @back
- [ ] #session From the settings @front
"""


class _Host:
    def budget_of(self, agent: str) -> tuple[int | None, int | None]:
        return (7, 1) if agent == "back" else (None, None)


def test_the_task_then_the_agent_then_the_session() -> None:
    plan = Plan.parse(PLAN, Path("plan.md"))
    settings = OrchestrationSettings(iterations=4, shifts=3, stuck_repeats=5, stall_s=60)
    hatch = Scheduler(_Host(), settings, plan).hatch  # type: ignore[arg-type]
    budgets = {t.id: hatch.budget(t) for t in plan.tasks}
    assert (budgets["own"].iterations, budgets["own"].shifts) == (2, 0)
    assert (budgets["agents"].iterations, budgets["agents"].shifts) == (7, 1)
    assert (budgets["session"].iterations, budgets["session"].shifts) == (4, 3)
    assert budgets["session"].stuck_repeats == 5 and budgets["session"].stall_s == 60


def test_an_agent_file_sets_its_budget_and_a_bad_one_names_its_line(tmp_path: Path) -> None:
    good = tmp_path / "back.md"
    good.write_text("---\nname: back\niterations: 3\nshifts: 1\n---\nBuild.\n")
    agent = load_agent_file(good)
    assert (agent.iterations, agent.shifts) == (3, 1)
    bad = tmp_path / "front.md"
    bad.write_text("---\nname: front\niterations: many\n---\nBuild.\n")
    with pytest.raises(SourceError, match=r"front\.md:3: `iterations` is a whole number"):
        load_agent_file(bad)
