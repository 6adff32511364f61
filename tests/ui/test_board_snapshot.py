"""A snapshot of the plan view of an ordered plan at 80x24: phases with their gates, each
task's state on one line cut at the edge, what a pending task waits for, a blocked task
and whom it went to; the header counts the blocked task as waiting for the human.

The session is real (scripted backend) in a workspace without git, so nothing in the
render varies from run to run: #schema is done before it starts, so #api is handed over
with the builder's first message (a task handed over later, as a message, may land before
or after the agent's previous turn ends: the session's own race, not the screen's). Accept
a deliberate change with `pytest --snapshot-update`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

import cockpit
from cockpit.config.settings import OrchestrationSettings, Settings
from cockpit.supervisor.launch import prepare_new
from cockpit.ui.app import CockpitApp
from cockpit.ui.plan_view import PlanView
from cockpit.ui.transcript import Transcript
from tests.ui._session import caught_up, events, launch_options, make_app, make_workspace
from tests.waiting import steady, wait_until

Snap = Callable[..., bool]

PLAN = """\
# Shop

## Phase 1: Build the backend and its endpoints
gate: true
- [x] #schema Create the schema for orders and customers @builder
      verify: test -f schema.sql
- [ ] #api Build the endpoint that lists the orders @builder
      after: #schema

## Phase 2: Ship
- [ ] #ship Ship it @builder
"""

SCRIPT = """\
agents:
  builder:
    - usage: {input_tokens: 2200, output_tokens: 30}
      text: >-
        The endpoint lists orders, but the plan does not say whose. All of them? A
        customer's own? Their company's? Their team's? Only the open ones? Only this
        year's? Only the paid ones? Only those shipped? Only those returned? Each
        answer needs another query, other tests and another page; some need an index
        the schema does not have yet, and one needs the customers table to say which
        company a customer belongs to, which it does not. Whoever owns the product
        decides this, not the builder. I will not guess, and I will not build all of
        them: asking, and waiting for the answer before I write a line of the api.
      calls:
        - report_blocked: {reason: "Which orders may a customer see?"}
"""


@pytest.fixture(autouse=True)
def _pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setattr(cockpit, "__version__", "0.0.0")


@pytest.fixture
def board_app(tmp_path: Path) -> Iterator[CockpitApp]:
    root = make_workspace(tmp_path / "shop", plan=PLAN, git=False)
    script = tmp_path / "script.yaml"
    script.write_text(SCRIPT)
    no_lead = dataclasses.replace(Settings(), orchestration=OrchestrationSettings(lead=None))
    options = launch_options(root, agents=["builder"])
    prepared = prepare_new(
        dataclasses.replace(options, script=script, no_sandbox=True, settings=no_lead)
    )
    prepared.notices.clear()  # outside git on purpose: its warning would float over the view
    app = make_app(prepared)
    yield app
    prepared.log.close()


async def blocked(pilot: Pilot[Any]) -> None:
    """The builder blocked, the item waiting for the human, the plan view shown."""
    app = pilot.app
    assert isinstance(app, CockpitApp)
    await wait_until(
        lambda: bool(app.supervisor.blocked) and caught_up(app),
        what="the task blocked and the screen caught up",
        pause=pilot.pause,
        detail=lambda: "\n".join(
            f"{e['agent']} {e['kind']} {str(e['data'])[:140]}" for e in events(app.prepared)
        ),
    )
    await pilot.press("t")  # at 80 columns the plan view is a key away
    view = app.main.query_one(PlanView)
    await wait_until(
        lambda: "#api blocked" in str(view.query_one("#plan-tasks").render()),
        what="the board drawn",
        pause=pilot.pause,
    )
    transcripts = list(app.main.query(Transcript))
    for transcript in transcripts:  # its thumb's place depends on that race too
        transcript.styles.scrollbar_size_vertical = 0
    await wait_until(
        lambda: all(t.scroll_y >= t.max_scroll_y for t in transcripts),
        what="the pane to show its newest line",
        pause=pilot.pause,
    )
    await steady(pilot)


def test_the_plan_view_of_an_ordered_plan_at_80x24(
    snap_compare: Snap, board_app: CockpitApp
) -> None:
    assert snap_compare(board_app, terminal_size=(80, 24), run_before=blocked)
