"""A session the user chose to run without the sandbox says so on the top line, for as
long as it runs; a sandboxed one does not."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from cockpit.supervisor.launch import prepare_new
from cockpit.ui.app import CockpitApp
from tests.ui._session import launch_options, make_app, make_workspace, stop
from tests.waiting import wait_until

SCRIPT = """\
agents:
  builder:
    - calls:
        - bash: {command: "echo hello"}
    - text: "Done."
"""


@pytest.mark.parametrize("no_sandbox", [True, False])
async def test_the_top_line_says_unsandboxed_only_when_it_is(
    tmp_path: Path, no_sandbox: bool
) -> None:
    root = make_workspace(tmp_path / "shop")
    script = tmp_path / "script.yaml"
    script.write_text(textwrap.dedent(SCRIPT))
    options = dataclasses.replace(
        launch_options(root, agents=["builder"]), script=script, no_sandbox=no_sandbox
    )
    prepared = prepare_new(options)
    app: CockpitApp = make_app(prepared)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            status = lambda: str(app.main.query_one("#status").render())  # noqa: E731
            await wait_until(lambda: "agents" in status(), "the top line", pause=pilot.pause)
            assert ("UNSANDBOXED" in status()) is no_sandbox
        finally:
            await stop(app)
