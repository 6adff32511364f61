"""The merge ceremony's integration checks: in a throwaway worktree of the candidate merge,
every merged-so-far task's ``verify:`` (this merge's and the earlier ones': "scope changes
narrowly, verify broadly") and then the configured integration commands.

Each command is a command like an agent's: the policy classifies it in the throwaway tree
(deny fails the check, tier 3 asks the caller's ``approve``), and it runs through the
session's executor (the sandbox, unless the session ran without it) with the scrubbed
environment. What ran is kept per candidate for ``merge.checked``'s ``commands``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit.config.settings import SandboxSettings
from cockpit.merge.ceremony import Candidate, CheckResult
from cockpit.merge.checkout import throwaway_worktree
from cockpit.policy.engine import Policy
from cockpit.sandbox.boundary import Executor
from cockpit.supervisor.checked_run import TAIL, Approve, run_checked

__all__ = ["TAIL", "Approve", "IntegrationChecks"]


@dataclass
class IntegrationChecks:
    """The `Check` `run_ceremony` calls for each candidate merge."""

    repo: Path
    plan_path: Path
    executor: Executor
    env: Mapping[str, str]
    """The real environment: the walls read it; commands get it scrubbed."""
    sandbox: SandboxSettings
    approve: Approve
    verify_of: Mapping[str, Sequence[str]]
    """Each queued agent's ``verify:`` commands, in plan order."""
    integration: Sequence[str] = ()
    merged: list[str] = field(default_factory=list)
    """Agents already on the integration branch (this run or an earlier one), in order."""
    ran: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Candidate merge commit -> what ran on it."""

    def commands(self, agent: str) -> list[str]:
        """What runs on ``agent``'s candidate: every merged agent's verify, its own, the
        integration commands; each once."""
        wanted: list[str] = []
        for name in [*self.merged, agent]:
            wanted += self.verify_of.get(name, ())
        return list(dict.fromkeys([*wanted, *self.integration]))

    async def __call__(self, candidate: Candidate) -> CheckResult:
        ran = self.ran.setdefault(candidate.commit, [])
        commands = self.commands(candidate.agent)
        if not commands:
            return CheckResult(True, None, "nothing to check: no verify and no integration")
        async with throwaway_worktree(self.repo, candidate.commit) as tree:
            policy = Policy.load(tree, plan=self.plan_path, rules_from=self.repo)
            for command in commands:
                record = await self._one(policy, tree, command)
                ran.append(record)
                code = record.get("exit_code")
                if code != 0:
                    said = record.get("refused") or record.get("output", "")
                    why = f"`{command}` {'exit ' + str(code) if code is not None else ''}"
                    return CheckResult(False, code, f"{why.strip()}:\n{said}".rstrip())
        last = ran[-1]
        return CheckResult(True, 0, str(last.get("output", "")))

    async def _one(self, policy: Policy, tree: Path, command: str) -> dict[str, Any]:
        return await run_checked(
            command, tree, policy, self.executor, self.env, self.sandbox, self.approve
        )
