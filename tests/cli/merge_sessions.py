"""Sessions as a live cockpit leaves them, for the merge ceremony's tests: a real repository,
a real worktree per agent (`isolation()` + `attach()`) with the agent's files written in
it (uncommitted, as an agent leaves them), agent files with write scopes, a plan.md with
each agent's task and ``verify:``, and a real hash-chained session log."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.session.kinds import (
    AgentStarted,
    AgentStatusChanged,
    EventBody,
    SessionStarted,
    TaskUpdated,
    TaskVerified,
)
from cockpit.session.log import SessionLog
from cockpit.worktrees.agents import AgentWorktrees, isolation
from tests.worktrees.repos import GIT_ENV, git, make_repo

SESSION = "s1"


@dataclass
class Agent:
    name: str
    files: dict[str, str] = field(default_factory=dict)
    """Written into its worktree, left uncommitted."""
    scope: tuple[str, ...] = ("**",)
    status: str = "done"
    verify: str | None = "true"
    verified: bool = True
    """A passing ``task.verified`` is in the log."""

    @property
    def task_id(self) -> str:
        return f"build/{self.name}-work"


def make_session(
    root: Path,
    *agents: Agent,
    session: str = SESSION,
    base: dict[str, str] | None = None,
    sandbox: str = "off (--no-sandbox)",
    config: str = "",
    release: bool = True,
) -> AgentWorktrees:
    """The repository at ``root`` after a session of ``agents``."""
    make_repo(root, base or {"README.md": "hello\n", ".gitignore": "*.log\n"})
    agents_dir = root / ".cockpit" / "agents"
    agents_dir.mkdir(parents=True, exist_ok=True)
    for a in agents:
        scope = ", ".join(f'"{g}"' for g in a.scope)
        (agents_dir / f"{a.name}.md").write_text(
            f"---\nname: {a.name}\ndescription: test agent {a.name}\n"
            f"tools: [bash, write_file]\nscope: [{scope}]\n---\nYou build.\n"
        )
    if config:
        (root / ".cockpit" / "config.yaml").write_text(config)
    plan = ["# Build", ""]
    for a in agents:
        plan.append(f"- [x] {a.name} work @{a.name}")
        if a.verify is not None:
            plan.append(f"  verify: {a.verify}")
    (root / "plan.md").write_text("\n".join(plan) + "\n")
    git(root, "add", "plan.md")
    git(root, "commit", "-q", "-m", "the plan")
    trees = isolation(root, session)
    assert isinstance(trees, AgentWorktrees)
    for a in agents:
        made = trees.attach(a.name)
        for name, text in a.files.items():
            (made.path / name).parent.mkdir(parents=True, exist_ok=True)
            (made.path / name).write_text(text)
        if release:
            trees.release(a.name)
    write_log(root, session, agents, sandbox)
    return trees


def write_log(root: Path, session: str, agents: tuple[Agent, ...], sandbox: str) -> Path:
    path = root / ".cockpit" / "sessions" / f"{session}.jsonl"
    log = SessionLog.create(path, session, env={})

    def add(body: EventBody, agent: str | None = None) -> None:
        log.append(body.kind, body.data(), agent=agent)

    names = [a.name for a in agents]
    add(SessionStarted(workspace=str(root), agents=names, plan="plan.md", sandbox=sandbox))
    for a in agents:
        add(AgentStarted(model="scripted", tools=["bash"], source="test"), a.name)
    for a in agents:
        if a.verify is not None and a.verified:
            add(
                TaskVerified(task=a.task_id, command=a.verify, passed=True, exit_code=0),
                a.name,
            )
        if a.status == "done":
            add(TaskUpdated(task=a.task_id, status="done", id=a.task_id), a.name)
        add(AgentStatusChanged(status=a.status, detail=""), a.name)
    log.close()
    return path


def merge_cli(
    root: Path, *args: str, stdin: int | None = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    """``python -m cockpit merge ARGS`` in ``root``, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "cockpit", "merge", *args],
        cwd=root,
        stdin=stdin,
        capture_output=True,
        text=True,
        env={**GIT_ENV, "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"]},
        timeout=120,
    )


def cockpit_cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *args],
        cwd=root,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**GIT_ENV, "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"]},
        timeout=120,
    )


def kinds_of(root: Path, session: str = SESSION) -> list[tuple[str, str | None, dict[str, object]]]:
    """Every event of the session's log: (kind, agent, data)."""
    from cockpit.session.chain import read_events

    path = root / ".cockpit" / "sessions" / f"{session}.jsonl"
    return [(e.kind, e.agent, e.data) for e in read_events(path)]


def show(root: Path, ref: str) -> str:
    """The text of ``ref`` (``branch:path``) in the repository."""
    return git(root, "show", ref)
