"""One stream of session updates: what the screen and the terminal are told, in order."""

from __future__ import annotations

from pathlib import Path

from cockpit.config.workspace import Workspace
from cockpit.session.chain import read_events
from cockpit.supervisor.launch import LaunchOptions, prepare_new
from cockpit.supervisor.updates import ApprovalAsked, Logged, SessionUpdate, StreamChunk
from tests.supervisor._inprocess import finish
from tests.supervisor.conftest import clean_env
from tests.waiting import wait_until

SCRIPT = """
agents:
  builder:
    - text: "Clearing the build directory."
      calls:
        - bash: {command: "mkdir -p build && rm -rf build"}
    - text: "Done."
"""


async def test_one_subscription_tells_events_output_and_questions_in_order(
    workspace: Path,
) -> None:
    script = workspace.parent / "script.yaml"
    script.write_text(SCRIPT)
    prepared = prepare_new(
        LaunchOptions(
            shared_tree=True,
            workspace=Workspace(workspace),
            agents=["builder"],
            script=script,
            env=clean_env(),
        )
    )
    sup = prepared.supervisor
    updates: list[SessionUpdate] = []
    sup.subscribe(updates.append)
    await sup.start(prepared.setups, prepared.kickoff, started=prepared.started)
    try:
        await wait_until(lambda: any(isinstance(u, ApprovalAsked) for u in updates))
        asked = next(u for u in updates if isinstance(u, ApprovalAsked))
        assert asked.pending.request.command == "mkdir -p build && rm -rf build"
        await sup.resolve(asked.pending.request.call, True, "human")
        await sup.wait()
    finally:
        await finish(prepared)

    # Every logged event, once, in the log's order (what `run` prints line by line).
    logged = [u.event for u in updates if isinstance(u, Logged)]
    assert [e.seq for e in logged] == [e.seq for e in read_events(prepared.log.path)]
    # The question comes right after its request is logged, and before its answer.
    kinds = [
        u.event.kind if isinstance(u, Logged) else type(u).__name__
        for u in updates
        if not isinstance(u, StreamChunk)
    ]
    at = kinds.index("ApprovalAsked")
    assert kinds[at - 1] == "approval.requested"
    assert kinds.index("approval.resolved") > at
    # The model's words stream before the message that logs them.
    streamed = "".join(u.text for u in updates if isinstance(u, StreamChunk) and u.kind == "text")
    assert "Clearing the build directory." in streamed
    first_chunk = next(i for i, u in enumerate(updates) if isinstance(u, StreamChunk))
    assert first_chunk < next(
        i
        for i, u in enumerate(updates)
        if isinstance(u, Logged) and u.event.kind == "approval.requested"
    )
