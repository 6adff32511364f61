"""Worktrees on the screen: the top line says where agents work, the conflict radar shows
on both agents' headers and in the plan view, the diff key shows an agent's worktree
against the base with its code coloured, and the replay shows the same."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.style import Style
from textual.pilot import Pilot

from cockpit.replay.player import Player
from cockpit.session.kinds import RadarOverlap
from cockpit.session.status import AgentStatus
from cockpit.ui.app import CockpitApp
from cockpit.ui.changes_view import ChangesScreen
from cockpit.ui.dialogs import HelpScreen
from cockpit.ui.diff_view import DiffTranscript
from cockpit.ui.plan_view import PlanView
from cockpit.ui.replay import ReplayApp
from tests.ui._replay import shown
from tests.ui._session import caught_up, events, make_app, make_workspace, prepare, stop
from tests.waiting import wait_until

WAITING = """\
agents:
  builder:
    - calls:
        - bash: {command: "rm -rf build"}
    - text: "Done."
"""

AGENT = """---
name: {name}
description: builds {name}
tools: [bash, read_file, write_file, edit_file, list_files]
scope: ["src/**"]
---
You build {name}.
"""

SAME_FILE = """\
agents:
  builder:
    - calls:
        - write_file: {path: src/a.py, content: "def greet():\\n    return 'hello'\\n"}
    - text: "Done."
  builder2:
    - calls:
        - write_file: {path: src/a.py, content: "def greet():\\n    return 'bonjour'\\n"}
    - text: "Done."
"""

NEW_FILE = """\
agents:
  builder:
    - calls:
        - write_file:
            path: src/app.py
            content: "def greet(name):\\n    return 'hello ' + name  # friendly\\n"
    - text: "Done."
"""


def status_line(app: CockpitApp) -> str:
    return str(app.main.query_one("#status").render())


def header(app: CockpitApp, agent: str) -> str:
    pane = app.main.pane(agent)
    assert pane is not None
    return str(pane.query_one(".pane-header").render())


def done(app: CockpitApp, agent: str) -> bool:
    state = app.state.state.agents.get(agent)
    return caught_up(app) and state is not None and state.status == AgentStatus.DONE


def two_builders(root: Path) -> None:
    agents = root / ".cockpit" / "agents"
    agents.mkdir(parents=True)
    for name in ("builder", "builder2"):
        (agents / f"{name}.md").write_text(AGENT.format(name=name), encoding="utf-8")


def head(root: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.parametrize("shared_tree", [False, True])
async def test_the_top_line_says_where_agents_work_at_80x24(
    tmp_path: Path, shared_tree: bool
) -> None:
    """With the UNSANDBOXED badge and an agent waiting, the line still fits 80 columns and
    says worktrees (or shared tree); help gives the details (the shared tree's reason)."""
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, WAITING, agents=["builder"], no_sandbox=True, shared_tree=shared_tree)
    app = make_app(prepared)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            await wait_until(
                lambda: "1 waiting" in status_line(app), what="the waiting count", pause=pilot.pause
            )
            line = status_line(app)
            # what 80 columns show: all but the tokens and cost, which come last
            shown = line[: line.rindex(" · ", 0, line.rindex(" tok"))]
            assert cell_len(shown) <= 78  # the line has a column of padding each side
            assert "UNSANDBOXED" in shown and "⚠ 1 waiting for you (w)" in shown
            if shared_tree:
                assert " · shared" in shown and "wt" not in shown
            else:
                assert " · ⎇ wt · " in shown and "shared" not in shown
            app.main.post_message(app.main.HelpWanted())
            await wait_until(lambda: isinstance(app.screen, HelpScreen), pause=pilot.pause)
            said = " ".join(str(s.render()) for s in app.screen.query("Static"))
            if shared_tree:
                assert "Shared tree: --shared-tree: every agent works in this folder" in said
            else:
                assert f"from the base {head(root)[:12]}" in said
        finally:
            await stop(app)


async def test_the_base_sha_shows_when_the_line_has_room(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, WAITING, agents=["builder"], shared_tree=False)
    app = make_app(prepared)
    async with app.run_test(size=(160, 30)) as pilot:
        try:
            await wait_until(lambda: "1 waiting" in status_line(app), pause=pilot.pause)
            assert f"⎇ worktrees {head(root)[:7]}" in status_line(app)
        finally:
            await stop(app)


async def test_two_agents_writing_one_file_show_the_conflict_on_both_panes_and_the_plan(
    tmp_path: Path,
) -> None:
    root = make_workspace(tmp_path / "shop")
    two_builders(root)
    prepared = prepare(
        root, SAME_FILE, agents=["builder", "builder2"], keep_alive=False, shared_tree=False
    )
    app = make_app(prepared)
    async with app.run_test(size=(140, 36)) as pilot:
        try:
            await wait_until(
                lambda: "✖ conflicts with builder2: src/a.py" in header(app, "builder"),
                what="the radar on builder's header",
                pause=pilot.pause,
                timeout=30,
            )
            assert "✖ conflicts with builder: src/a.py" in header(app, "builder2")
            radar = str(app.main.query_one(PlanView).query_one("#plan-radar").render())
            assert "Conflict radar" in radar
            assert "✖ builder ↔ builder2 conflict" in radar and "src/a.py" in radar
            logged = events(prepared, RadarOverlap.kind)
            assert logged and logged[-1]["data"]["paths"] == ["src/a.py"]
            # the user's checkout never saw either file
            assert not (root / "src" / "a.py").exists()
        finally:
            await stop(app)


def _row_styles(transcript: DiffTranscript, line: str) -> list[tuple[str, Style | None]]:
    """The drawn segments of the row showing ``line`` (no wrapping at this width)."""
    lines = transcript.text.split("\n")
    strip = transcript.render_line(lines.index(line) - int(transcript.scroll_offset.y))
    return [(segment.text, segment.style) for segment in strip if segment.text.strip()]


async def _diff_page(pilot: Pilot[Any]) -> ChangesScreen:
    await pilot.press("d")
    app = pilot.app
    await wait_until(lambda: isinstance(app.screen, ChangesScreen), pause=pilot.pause)
    screen = app.screen
    assert isinstance(screen, ChangesScreen)
    await pilot.pause()
    return screen


def _check_coloured(screen: ChangesScreen) -> None:
    transcript = screen.query_one(DiffTranscript)
    text = transcript.text
    assert "src/app.py" in text
    assert "new file mode" in text
    line = "+def greet(name):"
    assert line in text.split("\n")
    segments = _row_styles(transcript, line)
    by_text = {t.strip(): style for t, style in segments}
    keyword, name = by_text["def"], by_text["greet"]
    assert keyword is not None and name is not None
    # the code is coloured by its kind, over the added line's background
    assert keyword.color != name.color
    assert keyword.bgcolor is not None and keyword.bgcolor == name.bgcolor
    segments = _row_styles(transcript, "+    return 'hello ' + name  # friendly")
    comment = next(s for t, s in segments if "# friendly" in t)
    string = next(s for t, s in segments if t == "hello ")
    assert comment is not None and string is not None and comment.color != string.color
    assert transcript.highlighted_blocks == 1


async def test_the_diff_of_an_agent_in_a_worktree_is_its_work_against_the_base_coloured(
    tmp_path: Path,
) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, NEW_FILE, agents=["builder"], shared_tree=False)
    app = make_app(prepared)
    async with app.run_test(size=(140, 36)) as pilot:
        try:
            await wait_until(lambda: done(app, "builder"), what="builder done", pause=pilot.pause)
            screen = await _diff_page(pilot)
            title = str(screen.query_one("#details-title").render())
            branch = f"cockpit/{prepared.session}/builder"
            base = head(root)[:7]
            assert title == f"builder's worktree against the base {base} (branch {branch})"
            _check_coloured(screen)
            # untracked in the worktree, and nowhere in the user's checkout
            assert not (root / "src" / "app.py").exists()
        finally:
            await stop(app)
    log = prepared.log.path
    player = Player.open(log)
    replay = ReplayApp(player)
    try:
        async with replay.run_test(size=(140, 36)) as pilot:
            await wait_until(lambda: shown(replay) is not None, pause=pilot.pause)
            await pilot.press("end")
            await wait_until(lambda: shown(replay) == player.total, pause=pilot.pause)
            assert "⎇ worktrees" in str(replay.main.query_one("#status").render())
            replay.main.focus_agent("builder")
            screen = await _diff_page(pilot)
            title = str(screen.query_one("#details-title").render())
            assert title.startswith("builder's worktree as it is now, against the base")
            _check_coloured(screen)
    finally:
        player.close()


def replay_header(app: ReplayApp, agent: str) -> str:
    pane = app.main.pane(agent)
    assert pane is not None
    return str(pane.query_one(".pane-header").render())


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


async def test_the_replay_folds_the_radar_from_before_its_tail_and_says_where_the_work_went(
    tmp_path: Path,
) -> None:
    root = make_workspace(tmp_path / "shop")
    two_builders(root)
    prepared = prepare(
        root, SAME_FILE, agents=["builder", "builder2"], keep_alive=False, shared_tree=False
    )
    app = make_app(prepared)
    async with app.run_test(size=(140, 36)) as pilot:
        try:
            await wait_until(
                lambda: "✖ conflicts" in header(app, "builder"), pause=pilot.pause, timeout=30
            )
        finally:
            await stop(app)
    player = Player.open(prepared.log.path)
    replay = ReplayApp(player, tail=1)  # the radar's events come before what is drawn
    session = prepared.session
    try:
        async with replay.run_test(size=(140, 36)) as pilot:
            await wait_until(lambda: shown(replay) is not None, pause=pilot.pause)
            await pilot.press("end")
            await wait_until(lambda: shown(replay) == player.total, pause=pilot.pause)
            assert "✖ conflicts with builder2: src/a.py" in replay_header(replay, "builder")
            assert "✖ conflicts with builder: src/a.py" in replay_header(replay, "builder2")
            plan = str(replay.main.query_one(PlanView).query_one("#plan-radar").render())
            assert "✖ builder ↔ builder2 conflict" in plan and "src/a.py" in plan
            await pilot.press("home")
            await wait_until(lambda: shown(replay) == 0, pause=pilot.pause)
            assert "conflicts" not in replay_header(replay, "builder")
            await pilot.press("end")
            await wait_until(lambda: shown(replay) == player.total, pause=pilot.pause)
            # the worktree removed: its branch as it is now (the work was never committed)
            git(
                root,
                "worktree",
                "remove",
                "--force",
                "--force",
                f".cockpit/worktrees/{session}/builder",
            )
            replay.main.focus_agent("builder")
            screen = await _diff_page(pilot)
            title = str(screen.query_one("#details-title").render())
            assert title == (
                f"builder's branch cockpit/{session}/builder as it is now, against the base "
                f"{head(root)[:7]}"
            )
            assert "has changed no file" in screen.query_one(DiffTranscript).text
            await pilot.press("escape")
            await wait_until(lambda: replay.screen is replay.main, pause=pilot.pause)
            # the branch deleted too: the page says why there is nothing to show
            git(root, "branch", "-D", f"cockpit/{session}/builder")
            screen = await _diff_page(pilot)
            said = screen.query_one(DiffTranscript).text
            assert f"its branch cockpit/{session}/builder no longer exists" in said
            assert "merged and cleaned up, or discarded" in said
    finally:
        player.close()
