"""Helpers for screen tests: a real session (scripted backend) in a temporary workspace."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from cockpit.agent.backends.scripted import ScriptedBackend
from cockpit.config.workspace import Workspace
from cockpit.supervisor.launch import LaunchOptions, Prepared, prepare_new
from cockpit.ui.app import CockpitApp
from cockpit.ui.approval import ApprovalScreen
from cockpit.ui.settings import ScreenConfig
from tests.waiting import wait_until

PLAN = """\
# Plan

## Phase 1: Build
- [ ] Clean the build folder @builder
- [ ] Review the cleanup @reviewer
"""


def make_workspace(root: Path, *, plan: str = PLAN, git: bool = True) -> Path:
    """A small repository with a build/ folder and plan.md (committed when ``git``)."""
    root.mkdir(parents=True)
    (root / "plan.md").write_text(plan, encoding="utf-8")
    (root / "build").mkdir()
    (root / "build" / "out.txt").write_text("old output\n", encoding="utf-8")
    (root / "README.md").write_text("# shop\n", encoding="utf-8")
    if git:
        for command in (
            ["init", "-q"],
            ["config", "user.name", "test"],
            ["config", "user.email", "test@example.invalid"],
            ["config", "commit.gpgsign", "false"],
            ["add", "-A"],
            ["commit", "-q", "-m", "start"],
        ):
            subprocess.run(["git", "-C", str(root), *command], check=True, capture_output=True)
    return root


def prepare(
    root: Path,
    script: str,
    *,
    agents: list[str] | None = None,
    keep_alive: bool = True,
    no_sandbox: bool = False,
    shared_tree: bool = True,
) -> Prepared:
    """A new session on ``root`` playing ``script`` (YAML, dedented); its agents share the
    tree unless ``shared_tree=False``."""
    path = root.parent / f"{root.name}-script.yaml"
    path.write_text(textwrap.dedent(script), encoding="utf-8")
    options = dataclasses.replace(
        launch_options(root, agents=agents, shared_tree=shared_tree),
        script=path,
        keep_alive=keep_alive,
        no_sandbox=no_sandbox,
    )
    return prepare_new(options)


def launch_options(
    root: Path, *, agents: list[str] | None = None, shared_tree: bool = True
) -> LaunchOptions:
    """What a test session runs with (no script: resume finds the one it recorded). Its
    agents share the tree unless ``shared_tree=False`` (a worktree each)."""
    return LaunchOptions(
        workspace=Workspace(root),
        agents=agents,
        shared_tree=shared_tree,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root.parent)},
        keep_alive=True,
        session_dir=root.parent / f"{root.name}-sessions",
    )


def make_app(prepared: Prepared, **config: Any) -> CockpitApp:
    settings = {"notifications": "off", **config}
    return CockpitApp(prepared, ScreenConfig(**settings), env={})


def backend(prepared: Prepared, agent: str) -> ScriptedBackend:
    for setup in prepared.setups:
        if setup.definition.name == agent:
            assert isinstance(setup.backend, ScriptedBackend)
            return setup.backend
    raise KeyError(agent)


def events(prepared: Prepared, kind: str | None = None) -> list[dict[str, Any]]:
    """The events logged so far (optionally of one kind), as JSON objects."""
    lines = prepared.log.path.read_text(encoding="utf-8").splitlines()
    found = [json.loads(line) for line in lines if line.strip()]
    return [e for e in found if kind is None or e["kind"] == kind]


def caught_up(app: CockpitApp) -> bool:
    """The screen has taken in every event logged so far (the feed is drained)."""
    return app.state.state.last_seq + 1 >= app.prepared.log.next_seq


async def wait_for_prompt(pilot: Pilot[Any], *, armed: bool = True) -> ApprovalScreen:
    """The approval prompt once it is on screen (and, by default, past its grace period)."""
    app = pilot.app
    assert isinstance(app, CockpitApp)
    await wait_until(
        lambda: isinstance(app.screen, ApprovalScreen) and app.screen.shown_at is not None,
        what="the approval prompt",
        pause=pilot.pause,
    )
    screen = app.screen
    assert isinstance(screen, ApprovalScreen)
    if armed:
        await wait_until(lambda: screen.armed, what="the grace period to pass", pause=pilot.pause)
        await pilot.pause(0.05)
    return screen


async def stop(app: CockpitApp) -> None:
    """Stop the session a test started (idempotent) and close its log."""
    await app.supervisor.stop("test over")
    app.prepared.log.close()
