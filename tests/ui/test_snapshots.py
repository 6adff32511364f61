"""Snapshots of the key screens: three agents, a zoomed pane, the approval prompt, at
130x36 and at the sizes people use (80x24, 100x30).

The sessions are real (scripted backend, explicit token counts) in a workspace without
git, so nothing in the render varies from run to run: no time, no path, no session id,
no snapshot hash. Accept a deliberate change with `pytest --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

import cockpit
from cockpit.agent.runtime import ApprovalRequest
from cockpit.policy.model import Decision, RuleRef
from cockpit.ui.app import CockpitApp
from cockpit.ui.approval import ApprovalScreen, GrantOffer
from cockpit.ui.plan_view import PlanView
from cockpit.ui.transcript import Transcript
from tests.ui._session import caught_up, make_app, make_workspace, prepare
from tests.waiting import steady, wait_until

Snap = Callable[..., bool]
SIZE = (130, 36)
SMALL_SIZES = [(80, 24), (100, 30)]

PLAN = """\
# textstats

## Phase 1: The answer
- [ ] Check the plan covers the goal @planner
- [ ] Compute the answer @builder
- [ ] Review the answer @reviewer
"""

SCRIPT = """\
agents:
  planner:
    - usage: {input_tokens: 1500, output_tokens: 60}
      text: "Reading the plan before anyone builds on it."
      calls:
        - read_file: {path: plan.md}
    - usage: {input_tokens: 1800, output_tokens: 40}
      text: "It covers the goal."
      calls:
        - update_task: {task: "Check the plan covers the goal", status: done, note: "no gaps"}
    - usage: {input_tokens: 1900, output_tokens: 20}
      text: "Done: no gaps found."
  builder:
    - usage: {input_tokens: 2100, output_tokens: 90}
      text: "Computing the answer the slow way."
      calls:
        - bash: {command: 'python3 -c "print(6 * 7)"'}
    - usage: {input_tokens: 2300, output_tokens: 50}
      text: "It is 42."
      calls:
        - update_task: {task: "Compute the answer", status: done, note: "42, printed by python3"}
    - usage: {input_tokens: 2400, output_tokens: 30}
      text: "Done."
  reviewer:
    - usage: {input_tokens: 1700, output_tokens: 70}
      text: "Looking at the workspace."
      calls:
        - bash: {command: "ls"}
    - usage: {input_tokens: 1900, output_tokens: 60}
      text: "The answer is not committed anywhere I can review."
      calls:
        - report_blocked: {reason: "Nothing to review yet: tell me where the answer lives."}
"""


@pytest.fixture(autouse=True)
def _pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin what could vary between machines: the time zone and the version."""
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setattr(cockpit, "__version__", "0.0.0")


@pytest.fixture
def session_app(tmp_path: Path) -> Iterator[CockpitApp]:
    root = make_workspace(tmp_path / "textstats", plan=PLAN, git=False)
    # Unsandboxed: the three agents' commands then finish as fast as the screen's own work,
    # so their events reach the panes in one order; the top line shows the badge it wears.
    prepared = prepare(root, SCRIPT, keep_alive=False, no_sandbox=True)
    # Outside git on purpose (no snapshot hash to vary): the start warning that says so
    # would float over the panes for a few seconds; test_live_screen covers how it shows.
    assert [n for n in prepared.notices if "is not a git repository" in n]
    prepared.notices.clear()
    app = make_app(prepared)
    yield app
    prepared.log.close()


async def settle(pilot: Pilot[Any]) -> None:
    """Every agent final, every report drawn, the plan view read again."""
    app = pilot.app
    assert isinstance(app, CockpitApp)
    await wait_until(
        lambda: app.started and app.supervisor.all_final and caught_up(app),
        what="the agents to finish and the screen to take in every event",
        pause=pilot.pause,
    )
    app.main.query_one(PlanView).refresh_plan()
    app.main.focus_agent("planner")
    transcripts = list(app.main.query(Transcript))
    await wait_until(
        lambda: all(t.scroll_y >= t.max_scroll_y for t in transcripts),
        what="every pane to show its newest line",
        pause=pilot.pause,
    )
    await steady(pilot)


def test_main_screen_with_three_agents(snap_compare: Snap, session_app: CockpitApp) -> None:
    assert snap_compare(session_app, terminal_size=SIZE, run_before=settle)


def test_zoomed_pane(snap_compare: Snap, session_app: CockpitApp) -> None:
    async def zoom_builder(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        session_app.main.focus_agent("builder")
        await pilot.press("z")
        await steady(pilot)

    assert snap_compare(session_app, terminal_size=SIZE, run_before=zoom_builder)


class PromptHost(App[None]):
    """A bare host for the prompt: a multi-line command, two reasons, two rules."""

    def on_mount(self) -> None:
        request = ApprovalRequest(
            agent="builder",
            call="c-7",
            tool="bash",
            command="rm -rf build dist \\\n  ~/.cache/textstats",
            cwd="/home/dev/textstats",
            decision=Decision(
                3,
                (
                    "recursive deletion: rm -rf build dist ~/.cache/textstats",
                    "deletes outside the workspace: ~/.cache/textstats",
                ),
                (
                    RuleRef("builtin:rm-recursive", "rules/default.yaml:32"),
                    RuleRef("builtin:write-outside", "rules/default.yaml:51"),
                ),
            ),
            action=None,
        )
        offer = GrantOffer(
            None, "the risk is not the program itself: deletes outside the workspace"
        )
        self.push_screen(ApprovalScreen(request, offer, position=(1, 2), grace_s=0.0))


def test_approval_prompt(snap_compare: Snap) -> None:
    async def armed(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, ApprovalScreen)
        await wait_until(lambda: screen.armed and screen.focused is not None, pause=pilot.pause)

    assert snap_compare(PromptHost(), terminal_size=(100, 32), run_before=armed)


@pytest.mark.parametrize("size", SMALL_SIZES, ids=["80x24", "100x30"])
def test_main_screen_at_the_sizes_people_use(
    snap_compare: Snap, session_app: CockpitApp, size: tuple[int, int]
) -> None:
    assert snap_compare(session_app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SMALL_SIZES, ids=["80x24", "100x30"])
def test_approval_prompt_at_the_sizes_people_use(snap_compare: Snap, size: tuple[int, int]) -> None:
    async def armed(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, ApprovalScreen)
        await wait_until(lambda: screen.armed and screen.focused is not None, pause=pilot.pause)

    assert snap_compare(PromptHost(), terminal_size=size, run_before=armed)


class LongPromptHost(App[None]):
    """A prompt that cannot fit 80x24 whole: a 20-line command, five reasons."""

    def on_mount(self) -> None:
        command = "\n".join(f"rm -rf /srv/cache/part-{n} && echo part {n} gone" for n in range(20))
        request = ApprovalRequest(
            agent="builder",
            call="c-8",
            tool="bash",
            command=command,
            cwd="/home/dev/textstats",
            decision=Decision(
                3,
                tuple(f"deletes outside the workspace: /srv/cache/part-{n}" for n in range(5)),
                (RuleRef("builtin:rm-recursive", "rules/default.yaml:32"),),
            ),
            action=None,
        )
        offer = GrantOffer("rm -rf … (rules: builtin:rm-recursive)")
        self.push_screen(ApprovalScreen(request, offer, grace_s=0.0))


def test_a_long_prompt_at_80x24_keeps_its_buttons(snap_compare: Snap) -> None:
    async def armed(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, ApprovalScreen)
        await wait_until(lambda: screen.armed and screen.focused is not None, pause=pilot.pause)

    assert snap_compare(LongPromptHost(), terminal_size=(80, 24), run_before=armed)
