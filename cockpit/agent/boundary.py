"""What one agent may do, beyond what the policy says of everyone: its write scope (through
any tool, shell commands included, as far as the policy can read their writes) and, for an
agent given searching rather than a shell, read-only commands only. Each refusal is a
``deny`` decision with its reason and the agent file as its rule.
"""

from __future__ import annotations

import os
from typing import Any

from cockpit.agent.definition import AgentDefinition
from cockpit.agent.host import AgentHost
from cockpit.agent.tools import Toolbox
from cockpit.policy.model import Decision, FileAction, RuleRef, ShellAction

_FILE_OPS = {"read_file": "read", "write_file": "write", "edit_file": "edit", "list_files": "list"}


class Boundary:
    """One agent's boundary in its workspace."""

    def __init__(self, definition: AgentDefinition, host: AgentHost, toolbox: Toolbox) -> None:
        self.definition = definition
        self.host = host
        self.toolbox = toolbox

    def action(self, name: str, args: dict[str, Any]) -> ShellAction | FileAction | None:
        if name == "bash":
            return ShellAction(command=args["command"], cwd=self.host.root)
        op = _FILE_OPS.get(name)
        if op is None:
            return None
        path = self.toolbox.resolve(args.get("path") or ".")
        return FileAction(op=op, path=path)  # type: ignore[arg-type]

    def decide(
        self, name: str, args: dict[str, Any], action: ShellAction | FileAction | None
    ) -> tuple[Decision, list[str]]:
        """The decision, and the paths a shell command writes (those it can tell)."""
        if action is None:
            return Decision(
                tier=1,
                reasons=(f"{name}: cockpit's own tool, it changes only the session",),
                rules=(),
            ), []
        known: list[str] = []
        if not isinstance(action, ShellAction):
            decision = self.host.classify(action)
        else:
            decision, writes = self.host.assess(action)
            known = [t for t in writes if t is not None]
            # Inside the workspace the agent's scope decides; outside it, the policy's tier.
            outside = [
                t or "a path it cannot tell"
                for t in writes
                if t is None or (self._in_workspace(t) and not self._may_write(t))
            ]
            if outside:
                return self._out_of_scope(decision, outside[0]), known
        if name in ("write_file", "edit_file") and not self._may_write(args["path"]):
            return self._out_of_scope(decision, args["path"]), known
        if name == "bash" and self.definition.read_only_shell and decision.tier not in (1, "deny"):
            return self._read_only_shell(decision), known
        return decision, known

    def _read_only_shell(self, decision: Decision) -> Decision:
        why = (
            f"{self.definition.name} may run read-only commands only: its file grants Grep, "
            f"not Bash (this one is tier {decision.tier})"
        )
        return self._refused(decision, why, "shell")

    def _out_of_scope(self, decision: Decision, path: str) -> Decision:
        scope = ", ".join(self.definition.scope) or "nothing"
        why = f"{path} is outside {self.definition.name}'s scope (it may write: {scope})"
        return self._refused(decision, why, "scope")

    def _refused(self, decision: Decision, why: str, rule: str) -> Decision:
        """``decision`` made a deny, its reasons kept and the agent file named as the rule."""
        ref = RuleRef(f"{rule}:{self.definition.name}", str(self.definition.source))
        return Decision("deny", (*decision.reasons, why), (*decision.rules, ref))

    def is_plan(self, path: str) -> bool:
        target = os.path.realpath(self.toolbox.resolve(path))
        return target == os.path.realpath(self.host.plan_path)

    def _in_workspace(self, path: str) -> bool:
        root = os.path.realpath(self.host.root)
        return os.path.commonpath([os.path.realpath(path), root]) == root

    def _may_write(self, path: str) -> bool:
        target = os.path.realpath(self.toolbox.resolve(path))
        root = os.path.realpath(self.host.root)
        if os.path.commonpath([target, root]) != root:
            return False
        return self.definition.may_write(os.path.relpath(target, root))
