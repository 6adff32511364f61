"""The live screen tells what happens: how long a step takes, a stall, a failure and why, a
plan change delivered, warnings from the start, an edit's diff, a call's details (Enter),
the session's grants (revocable), and `p` on an agent that has finished."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cockpit.session.kinds import (
    AgentStatusChanged,
    PlanDelivered,
    PolicyDecided,
    TaskUpdated,
    ToolFinished,
    ToolRequested,
)
from cockpit.ui import render
from cockpit.ui.app import CockpitApp
from cockpit.ui.changes_view import ChangesScreen
from cockpit.ui.dialogs import HelpScreen
from cockpit.ui.grants_screen import GrantsScreen
from cockpit.ui.live_details import LiveDetailsScreen
from cockpit.ui.replay_screen import DetailsScreen
from cockpit.ui.transcript import Transcript
from tests.ui._screen import screen_text
from tests.ui._session import (
    backend,
    caught_up,
    events,
    make_app,
    make_workspace,
    prepare,
    stop,
    wait_for_prompt,
)
from tests.waiting import wait_until

THINKING = """\
agents:
  builder:
    - delay_s: 60
      text: "A long think."
"""

TWO_CALLS = """\
agents:
  builder:
    - text: "Reading first."
      calls:
        - read_file: {path: README.md}
    - text: "Then listing."
      calls:
        - bash: {command: "ls"}
    - text: "Done."
"""


def header(app: CockpitApp, agent: str) -> str:
    pane = app.main.pane(agent)
    assert pane is not None
    return str(pane.query_one(".pane-header").render())


def status_line(app: CockpitApp) -> str:
    return str(app.main.query_one("#status").render())


def pane_text(app: CockpitApp, agent: str) -> str:
    pane = app.main.pane(agent)
    assert pane is not None
    return pane.transcript.text


class Clock:
    """A wall clock the test sets (the screen reads it once a second)."""

    def __init__(self) -> None:
        self.now: float | None = None

    def __call__(self) -> float:
        import time

        return time.time() if self.now is None else self.now


def finished(app: CockpitApp) -> bool:
    """Every agent is final and the screen has taken in all they logged."""
    return app.started and app.supervisor.all_final and caught_up(app)


def thinking_since(app: CockpitApp) -> float | None:
    agent = app.state.state.agents.get("builder")
    if agent is None or agent.status != "thinking":
        return None
    return render.epoch(agent.status_since)


async def test_the_header_shows_how_long_the_step_has_taken_and_a_stall(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, THINKING, agents=["builder"])
    clock = Clock()
    app = CockpitApp(prepared, make_app(prepared).config, env={}, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            await wait_until(
                lambda: thinking_since(app) is not None, what="thinking", pause=pilot.pause
            )
            since = thinking_since(app)
            assert since is not None
            clock.now = since + 75  # nothing is logged meanwhile: the tick redraws it
            await wait_until(lambda: "thinking 1m15s" in header(app, "builder"), pause=pilot.pause)
            assert header(app, "builder").index("thinking") < header(app, "builder").index(
                "claude"
            )  # the status before the model
            detail = "no answer from the model for 45 s"
            await app.supervisor.record(
                AgentStatusChanged(status="stalled", detail=detail), agent="builder"
            )
            clock.now = since + 80
            # The stall counts from the request it interrupts, and says why.
            await wait_until(
                lambda: f"stalled 1m20s: {detail}" in header(app, "builder"), pause=pilot.pause
            )
            assert f"… stalled: {detail}" in pane_text(app, "builder")
            assert "1 stalled" in status_line(app)
        finally:
            await stop(app)


async def test_a_failure_shows_its_reason_in_header_pane_and_status_line(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, THINKING, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            await wait_until(
                lambda: thinking_since(app) is not None, what="thinking", pause=pilot.pause
            )
            reason = "plan.md line 3: invalid UTF-8"
            await app.supervisor.record(
                AgentStatusChanged(status="failed", detail=reason), agent="builder"
            )
            await wait_until(
                lambda: f"failed: {reason}" in header(app, "builder"), pause=pilot.pause
            )
            assert f"✗ failed: {reason}" in pane_text(app, "builder")
            assert "1 blocked or failed" in status_line(app)
        finally:
            await stop(app)


async def test_header_texts_from_files_never_reach_the_terminal_raw(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, THINKING, agents=["builder"])
    app = make_app(prepared)
    osc = "\x1b]0;PWNED\x07"
    async with app.run_test(size=(160, 30)) as pilot:
        try:
            await wait_until(
                lambda: thinking_since(app) is not None, what="thinking", pause=pilot.pause
            )
            # a task title from plan.md, a failure reason quoting a file, a model id
            await app.supervisor.record(
                TaskUpdated(task=f"Fix {osc}it", status="doing"), agent="builder"
            )
            await app.supervisor.record(
                AgentStatusChanged(status="failed", detail=f"bad {osc}file"), agent="builder"
            )
            shown_osc = "\\x1b]0;PWNED\\x07"  # shown, not obeyed, not dropped
            await wait_until(
                lambda: f"failed: bad {shown_osc}file" in header(app, "builder"), pause=pilot.pause
            )
            shown = header(app, "builder")
            assert f"task: Fix {shown_osc}it" in shown
            assert "\x1b" not in shown and "\x07" not in shown
        finally:
            await stop(app)


async def test_a_delivered_plan_change_is_said_in_the_pane(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, THINKING, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            await wait_until(lambda: app.started, what="the session", pause=pilot.pause)
            await app.supervisor.record(
                PlanDelivered(digest="ab12", restarted=True), agent="builder"
            )
            await wait_until(
                lambda: "plan.md change delivered: the turn restarted" in pane_text(app, "builder"),
                pause=pilot.pause,
            )
        finally:
            await stop(app)


async def test_warnings_from_the_start_are_shown_once_and_kept_in_help(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, TWO_CALLS, agents=["builder"])
    notice = ".claude/agents/README.md:1: no front matter: skipped"
    prepared.notices.append(notice)
    app = make_app(prepared)
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            await wait_until(lambda: app.started, what="the session", pause=pilot.pause)
            assert [n.message for n in app._notifications] == [notice]
            assert "⚠ 1 warning at start (?)" in status_line(app)
            await pilot.press("question_mark")
            await wait_until(lambda: isinstance(app.screen, HelpScreen), pause=pilot.pause)
            await pilot.press("end")  # the notes close the help
            await pilot.pause()
            assert f"⚠ {notice}" in screen_text(app)
        finally:
            await stop(app)


async def test_an_agent_file_whose_error_reads_as_markup_is_shown_as_written(
    tmp_path: Path,
) -> None:
    root = make_workspace(tmp_path / "shop")
    agents = root / ".claude" / "agents"
    agents.mkdir(parents=True)
    # `[/]` would close a markup tag; the escape code would retitle the terminal
    (agents / "bad.md").write_text('---\nname: bad\nscope: "/[/]\\e]0;pwned\\a"\n---\nhi\n')
    prepared = prepare(root, TWO_CALLS, agents=["builder"])
    (notice,) = [n for n in prepared.notices if "bad.md" in n]
    app = make_app(prepared)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        try:
            await wait_until(lambda: app.started, what="the session", pause=pilot.pause)
            (shown,) = [n.message for n in app._notifications]
            assert "[/]" in shown and "\x1b" not in shown and "\x07" not in shown
            assert shown == render.clean(notice)
            # drawn as written (as markup, `[/]` broke the screen: an internal error)
            await wait_until(
                lambda: "At start" in screen_text(app), what="the toast", pause=pilot.pause
            )
            assert "'/[/]\\x1b]0;pwned\\x07'" in screen_text(app)
        finally:
            await stop(app)


async def test_help_names_keys_as_they_are_typed(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, TWO_CALLS, agents=["builder"])
    app = make_app(prepared, keymap={"zoom": "plus"})
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            await pilot.press("question_mark")
            await wait_until(lambda: isinstance(app.screen, HelpScreen), pause=pilot.pause)
            await pilot.pause()
            text = screen_text(app)
            assert "question_mark" not in text and "plus" not in text and "escape" not in text
            assert "?    " in text or "? " in text
            assert "+" in text and "zoom the selected pane" in text
            await pilot.press("end")  # the help scrolls on a short terminal
            await pilot.pause()
            assert "On a tier-3 prompt" in screen_text(app)
            assert "esc" in screen_text(app)
        finally:
            await stop(app)


async def test_p_on_an_agent_that_has_finished_says_so(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, TWO_CALLS, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            await wait_until(lambda: finished(app), what="the agent to finish", pause=pilot.pause)
            await pilot.press("p")
            await wait_until(
                lambda: bool(app._notifications), what="a word about it", pause=pilot.pause
            )
            said = [n.message for n in app._notifications]
            assert any("builder has finished (done)" in message for message in said), said
            assert not app.supervisor.runtimes["builder"].paused
            assert "pausing" not in header(app, "builder")
        finally:
            await stop(app)


async def test_enter_opens_the_last_call_and_left_the_one_before(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, TWO_CALLS, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            await wait_until(lambda: finished(app), what="the agent to finish", pause=pilot.pause)
            await pilot.press("enter")
            await wait_until(lambda: isinstance(app.screen, LiveDetailsScreen), pause=pilot.pause)
            screen = app.screen
            assert isinstance(screen, DetailsScreen)
            text = screen.query_one(Transcript).text
            assert text.count("command:\n  ls") == 1  # the page, once
            assert "exit code: 0" in text and "README.md" in text  # the listing, in full
            await pilot.press("left")
            await wait_until(
                lambda: "read_file README.md" in screen.query_one(Transcript).text,
                pause=pilot.pause,
            )
            assert "read 7 characters" in screen.query_one(Transcript).text  # its outcome
            await pilot.press("escape")
            await wait_until(lambda: app.screen is app.main, pause=pilot.pause)
        finally:
            await stop(app)


EDIT = """\
--- a/README.md
+++ b/README.md
@@ -1 +1,2 @@
-# shop
+# The shop
+Sells things.
"""


async def test_an_edit_shows_its_diff_in_the_pane_and_in_its_details(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, THINKING, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            await wait_until(lambda: app.started, what="the session", pause=pilot.pause)
            record = app.supervisor.record
            tool = ToolRequested(tool="edit_file", input={"path": "README.md"})
            await record(tool, agent="builder", call="c-90")
            decided = PolicyDecided(tier=2, reasons=["edits"])
            await record(decided, agent="builder", call="c-90")
            finished = ToolFinished(output="edited README.md", diff=EDIT)
            await record(finished, agent="builder", call="c-90")
            await wait_until(
                lambda: "+Sells things." in pane_text(app, "builder"), pause=pilot.pause
            )
            text = pane_text(app, "builder")
            assert "✓ done · +2 -1" in text and "    -# shop" in text
            await pilot.press("enter")
            await wait_until(lambda: isinstance(app.screen, LiveDetailsScreen), pause=pilot.pause)
            assert "+# The shop" in app.screen.query_one(Transcript).text
        finally:
            await stop(app)


GRANTED = """\
agents:
  builder:
    - text: "Cleaning."
      calls:
        - bash: {command: "rm -rf build"}
    - text: "Clean."
    - text: "Cleaning again."
      calls:
        - bash: {command: "rm -rf build"}
    - text: "Clean again."
"""


def asked(prepared: Any) -> int:
    return len(events(prepared, "approval.requested"))


async def test_g_lists_the_session_grants_and_revokes_one(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, GRANTED, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            await wait_for_prompt(pilot)
            await pilot.press("a")  # allow `rm -rf …` for the session
            await wait_until(
                lambda: bool(app.supervisor.policy.grants), what="the grant", pause=pilot.pause
            )
            await wait_until(
                lambda: app.supervisor.all_final, what="the first task", pause=pilot.pause
            )
            await pilot.press("g")
            await wait_until(lambda: isinstance(app.screen, GrantsScreen), pause=pilot.pause)
            await pilot.pause()
            assert "rm -rf …" in screen_text(app)
            await pilot.press("enter")  # revoke the highlighted one
            await wait_until(
                lambda: not app.supervisor.policy.grants, what="the revoke", pause=pilot.pause
            )
            revoked = events(prepared, "grant.revoked")
            assert [e["data"]["by"] for e in revoked] == ["human"]
            assert revoked[0]["data"]["pattern"] == "rm -rf …"
            assert "session grant revoked by you: rm -rf …" in pane_text(app, "builder")
            # The same command asks again.
            model = backend(prepared, "builder")
            before = asked(prepared)
            await app.supervisor.message("builder", "clean it once more")
            await wait_until(
                lambda: asked(prepared) > before, what="the second request", pause=pilot.pause
            )
            await wait_for_prompt(pilot)
            assert len(model.requests) >= 3
        finally:
            await stop(app)


async def test_g_without_grants_says_how_one_is_made(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, TWO_CALLS, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            await pilot.press("g")
            await wait_until(lambda: isinstance(app.screen, GrantsScreen), pause=pilot.pause)
            await pilot.pause()
            assert "No grants: A on a tier-3 prompt saves one" in screen_text(app)
            await pilot.press("escape")
            await wait_until(lambda: app.screen is app.main, pause=pilot.pause)
        finally:
            await stop(app)


EDITING = """\
agents:
  builder:
    - text: "Renaming the shop."
      calls:
        - edit_file: {path: README.md, old: "# shop", new: "# The shop\\nSells things."}
    - text: "Done."
"""


async def test_d_shows_the_agents_whole_diff_against_the_session_start(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, EDITING, agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            await wait_until(lambda: finished(app), what="the edit", pause=pilot.pause)
            await wait_until(
                lambda: "+Sells things." in pane_text(app, "builder"), pause=pilot.pause
            )
            (root / "notes.txt").write_text("the human's own file\n", encoding="utf-8")
            await pilot.press("d")
            await wait_until(
                lambda: isinstance(app.screen, ChangesScreen), what="the diff", pause=pilot.pause
            )
            text = app.screen.query_one(Transcript).text
            assert "1 file · +2 -1" in text
            assert "-# shop\n+# The shop\n+Sells things." in text
            assert "notes.txt" in text.split("Also changed since the start")[1]
            await pilot.press("escape")
            await wait_until(lambda: app.screen is app.main, pause=pilot.pause)
        finally:
            await stop(app)
