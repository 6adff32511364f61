"""One agent's tool calls as policy actions, and the policy's answer for that agent.

The policy decides everything, the agent's write scope included (`WriteScope`, from its
agent file); this module only turns a tool call into an action and asks.
"""

from __future__ import annotations

import os
from typing import Any

from cockpit.agent.definition import AgentDefinition
from cockpit.agent.host import AgentHost
from cockpit.agent.tools import Toolbox
from cockpit.policy.model import Assessment, Decision, FileAction, ShellAction, Tier

_FILE_OPS = {"read_file": "read", "write_file": "write", "edit_file": "edit", "list_files": "list"}


class Boundary:
    """One agent's boundary in its workspace."""

    def __init__(self, definition: AgentDefinition, host: AgentHost, toolbox: Toolbox) -> None:
        self.definition = definition
        self.host = host
        self.toolbox = toolbox
        self.scope = definition.write_scope

    def action(self, name: str, args: dict[str, Any]) -> ShellAction | FileAction | None:
        if name == "bash":
            return ShellAction(command=args["command"], cwd=self.toolbox.root)
        op = _FILE_OPS.get(name)
        if op is None:
            return None
        path = self.toolbox.resolve(args.get("path") or ".")
        return FileAction(op=op, path=path)  # type: ignore[arg-type]

    def decide(
        self, name: str, args: dict[str, Any], action: ShellAction | FileAction | None
    ) -> Assessment:
        """The policy's answer for this agent, its scope included (the policy decides it)."""
        if action is None:
            why = f"{name}: cockpit's own tool, it changes only the session"
            return Assessment(Decision(tier=Tier.RUN, reasons=(why,), rules=()))
        return self.host.assess(action, self.scope)

    def is_plan(self, path: str) -> bool:
        target = os.path.realpath(self.toolbox.resolve(path))
        return target == os.path.realpath(self.host.plan_path)
