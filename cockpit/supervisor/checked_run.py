"""One command cockpit runs on its own account (a merge check, a phase's gate, a task's
red-first verify), as an agent's command would run: the policy classifies it where it runs
(deny refuses it, tier 3 asks ``approve``), and it runs through the session's executor (the
sandbox, unless the session ran without it) with the scrubbed environment, in a boundary
that may move no git ref."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from cockpit.agent.environment import scrubbed_env
from cockpit.config.settings import SandboxSettings
from cockpit.policy.engine import Policy
from cockpit.policy.model import Decision, ShellAction, Tier
from cockpit.sandbox.boundary import Executor, Limits
from cockpit.sandbox.paths import workspace_boundary

TAIL = 2000
"""Characters of a command's output kept in its event (its end)."""

Approve = Callable[[str, Decision], Awaitable[bool]]
"""Asks the human about a tier-3 command: True runs it."""


async def refuse_tier3(command: str, decision: Decision) -> bool:
    """``approve`` for a live session: a tier-3 command cockpit would run on its own account
    (a merge check, a gate, red first) is not asked for (the prompts belong to the agents'
    calls): it does not run, and its event says so; `cockpit merge` after the session asks
    for a check's."""
    del command, decision
    return False


async def run_checked(
    command: str,
    tree: Path,
    policy: Policy,
    executor: Executor,
    env: Mapping[str, str],
    sandbox: SandboxSettings,
    approve: Approve,
) -> dict[str, Any]:
    """Run ``command`` in ``tree``: ``{command, tier, exit_code, output}``, or
    ``{command, tier, refused}`` when the policy or the human did not let it run."""
    decision = policy.classify(ShellAction(command, tree))
    record: dict[str, Any] = {"command": command, "tier": decision.tier.wire}
    if decision.tier is Tier.DENY:
        record["refused"] = "denied by the policy: " + "; ".join(decision.reasons)
        return record
    if decision.tier is Tier.ASK and not await approve(command, decision):
        record["refused"] = "refused: tier 3 and the human did not approve it"
        return record
    limits = Limits.configured(sandbox)
    # Its own account, not an agent's: it may write objects, never move a ref (the
    # user's branch, the integration branch, an agent's branch).
    boundary = workspace_boundary(tree, env, network=decision.network, limits=limits, branch="")
    done = await executor.execute(
        ["bash", "-c", command], cwd=tree, env=scrubbed_env(env), boundary=boundary
    )
    record["exit_code"] = done.exit_code
    record["output"] = done.text[-TAIL:]
    return record
