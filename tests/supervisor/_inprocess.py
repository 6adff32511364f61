"""Run a real session in-process: real log, policy, git, plan watcher; scripted model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cockpit.agent.backends.scripted import ScriptedBackend
from cockpit.config.workspace import Workspace
from cockpit.session.chain import read_events
from cockpit.supervisor.launch import LaunchOptions, Prepared, prepare_new
from tests.supervisor.conftest import clean_env


async def start(root: Path, script: str, agents: list[str], **options: Any) -> Prepared:
    """A session in ``root``; its agents share the tree unless ``shared_tree=False``."""
    options.setdefault("shared_tree", True)
    path = root.parent / "script.yaml"
    path.write_text(script)
    prepared = prepare_new(
        LaunchOptions(
            workspace=Workspace(root),
            agents=agents,
            script=path,
            env=clean_env(),
            **options,
        )
    )
    await prepared.supervisor.start(prepared.setups, prepared.kickoff, started=prepared.started)
    return prepared


def backend(prepared: Prepared, agent: str) -> ScriptedBackend:
    found = next(s.backend for s in prepared.setups if s.definition.name == agent)
    assert isinstance(found, ScriptedBackend)
    return found


def logged(prepared: Prepared, kind: str | None = None) -> list[dict[str, Any]]:
    events = [
        {"kind": e.kind, "agent": e.agent, "call": e.call, "data": e.data}
        for e in read_events(prepared.log.path)
    ]
    return [e for e in events if kind is None or e["kind"] == kind]


def last_request_text(prepared: Prepared, agent: str) -> str:
    return json.dumps(backend(prepared, agent).requests[-1].messages)


async def finish(prepared: Prepared) -> dict[str, str]:
    statuses = await prepared.supervisor.stop("test over")
    prepared.log.close()
    return statuses
