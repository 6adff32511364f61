"""The screen against the hostile corpus: the approval prompt shows the spoofed command as
bash gets it (escapes visible, `[bold]` literal), and nothing the terminal would act on
reaches it from the prompt, a pane's transcript, a header or the replay screen."""

from __future__ import annotations

import json
from pathlib import Path

from cockpit.safe_text import hidden_characters, visible
from cockpit.session.kinds import AgentStatusChanged, TaskUpdated
from cockpit.ui.app import CockpitApp
from cockpit.ui.transcript import Transcript
from tests.hostile import FAKE_LINE, HOSTILE, SPOOF, assert_shown, everything
from tests.ui._replay import replaying, shown
from tests.ui._screen import screen_text
from tests.ui._session import make_app, make_workspace, prepare, stop, wait_for_prompt
from tests.waiting import wait_until

COMMAND = f"{SPOOF}\necho '{HOSTILE['markup']}'\n\tprintf 'tab'  "
"""The spoof, a line of markup and a tab-indented line with trailing spaces."""


def _script() -> str:
    turns = [
        {"text": everything(), "calls": [{"bash": {"command": COMMAND}}]},
        {"text": "Done."},
    ]
    return json.dumps({"agents": {"builder": turns}})  # JSON is YAML: escapes as \u001b


def transcript(app: CockpitApp) -> Transcript:
    pane = app.main.pane("builder")
    assert pane is not None
    return pane.transcript


async def test_the_prompt_shows_the_spoofed_command_as_bash_gets_it(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, _script(), agents=["builder"])
    app = make_app(prepared)
    async with app.run_test(size=(160, 50)) as pilot:
        try:
            prompt = await wait_for_prompt(pilot)
            assert prompt.request.command == COMMAND  # nothing trimmed on the way
            command = str(prompt.query_one("#approval-command-text").render())
            assert command.split("\n") == [
                "rm -rf build #\\x1b]0;pwned\\x07\\x1b[2K\\x1b[1A\\x1b[2Kgit status (read-only)",
                "echo '[bold]big[/bold] [/] [$error]red[/]'",  # markup shown, not read
                "\\tprintf 'tab'  ",
            ]
            why = str(prompt.query_one("#approval-why").render())
            assert "the command contains control or invisible characters (\\x1b at line 1, " in why
            drawn = screen_text(app)  # every cell the terminal is sent
            assert not hidden_characters(drawn, layout=True)
            assert "rm -rf build #\\x1b]0;pwned\\x07\\x1b[2K" in drawn
            await pilot.press("escape")
            await wait_until(
                lambda: not app.supervisor.pending, what="the denial", pause=pilot.pause
            )
            # the pane: the model's text and the call, every payload shown escaped
            await wait_until(lambda: "denied by human" in transcript(app).text, pause=pilot.pause)
            text = transcript(app).text
            assert_shown(text, forged=True)
            assert f"[T3] $ {visible(SPOOF)}" in text
            # a line the model wrote that reads like cockpit's own keeps the model's colour
            forged = [style for _, style, line in transcript(app)._lines if FAKE_LINE in line]
            assert forged and set(forged) == {"text"}
            assert not hidden_characters(screen_text(app), layout=True)
        finally:
            await stop(app)


async def test_the_header_shows_hostile_status_and_task_escaped(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, _script(), agents=["builder"])
    app = make_app(prepared)
    clipboard, title = HOSTILE["osc-52-clipboard"], HOSTILE["bidi-rlo"]
    async with app.run_test(size=(200, 40)) as pilot:
        try:
            await wait_for_prompt(pilot)
            await pilot.press("escape")
            await app.supervisor.record(TaskUpdated(task=title, status="doing"), agent="builder")
            await app.supervisor.record(
                AgentStatusChanged(status="failed", detail=clipboard), agent="builder"
            )
            pane = app.main.pane("builder")
            assert pane is not None
            header = pane.query_one(".pane-header")
            await wait_until(lambda: visible(clipboard) in str(header.render()), pause=pilot.pause)
            assert_shown(str(header.render()), [clipboard, title], lines=False)
            assert not hidden_characters(screen_text(app), layout=True)
        finally:
            await stop(app)


async def test_the_replay_screen_shows_a_hostile_log_escaped(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, _script(), agents=["builder"], keep_alive=False)
    app = make_app(prepared)
    async with app.run_test(size=(160, 50)) as pilot:
        try:
            await wait_for_prompt(pilot)
            await pilot.press("escape")
            await wait_until(
                lambda: "Done." in transcript(app).text, what="the end", pause=pilot.pause
            )
        finally:
            await stop(app)
    async with replaying(prepared.log.path, speed=1000.0) as (replay, pilot):
        await pilot.press("end")
        await wait_until(lambda: shown(replay) == replay.main.frame.total, pause=pilot.pause)  # type: ignore[union-attr]
        pane = replay.main.pane("builder")
        assert pane is not None
        assert_shown(pane.transcript.text, forged=True)
        forged = [style for _, style, line in pane.transcript._lines if FAKE_LINE in line]
        assert forged and set(forged) == {"text"}
        assert not hidden_characters(screen_text(replay), layout=True)
