"""The prompt for a command the sandbox stopped: it says what happened (the line that
showed the wall) and exactly what a yes widens, for that one command."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.ui._session import events, make_app, make_workspace, prepare, stop, wait_for_prompt
from tests.waiting import wait_until


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_stopped_command_is_offered_again_with_the_network(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    connect = f"import socket; socket.create_connection(('127.0.0.1', {_closed_port()}))"
    prepared = prepare(
        root,
        f"""
        agents:
          builder:
            - calls:
                - bash: {{command: "python3 -c \\"{connect}\\""}}
            - text: "Done."
        """,
        agents=["builder"],
    )
    app = make_app(prepared)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            prompt = await wait_for_prompt(pilot)
            title = str(prompt.query_one("#approval-title").render())
            why = str(prompt.query_one("#approval-why").render())
            assert "the sandbox stopped a command of builder's" in title
            assert "again with the network" in title
            assert "Connection refused" in why  # the line that showed the wall
            assert "yes runs it again with the network (this command only)" in why
            assert "A is not offered" in str(prompt.query_one("#approval-grant").render())
            await pilot.press("y")
            await wait_until(
                lambda: any(
                    e["data"].get("widened") for e in events(prepared, "approval.resolved")
                ),
                what="the widened approval on record",
                pause=pilot.pause,
            )
            (resolved,) = events(prepared, "approval.resolved")
            assert resolved["data"]["widened"] == {"network": True}
        finally:
            await stop(app)
