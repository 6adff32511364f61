"""A workspace with agent files and a plan, for the orchestration tests."""

from __future__ import annotations

from pathlib import Path

from tests.supervisor.conftest import git

AGENT = """---
name: {name}
description: works as {name}
tools: [{tools}]
scope: [{scope}]
---
You work as {name}.
"""

TOOLS = "bash, read_file, write_file, edit_file, list_files"


def team(root: Path, plan: str, agents: dict[str, str], *, commit: bool = False) -> Path:
    """``agents``: name -> scope globs (comma-separated, quoted as YAML strings)."""
    folder = root / ".cockpit" / "agents"
    folder.mkdir(parents=True, exist_ok=True)
    for name, scope in agents.items():
        tools = "read_file, list_files, write_file" if name == "planner" else TOOLS
        (folder / f"{name}.md").write_text(AGENT.format(name=name, tools=tools, scope=scope))
    (root / "plan.md").write_text(plan)
    if commit:
        git(root, "add", "-A")
        git(root, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "plan")
    return root


def config(root: Path, text: str) -> None:
    path = root / ".cockpit" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
