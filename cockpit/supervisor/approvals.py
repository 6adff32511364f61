"""The approval queue and the session's grants.

An agent awaits a future for the human's answer; whoever may decide (the screen, the
terminal, a session grant, a timeout, the headless rule) resolves it through `resolve`,
which logs ``approval.resolved`` before the agent wakes. Nothing an agent outputs reaches
`resolve`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from cockpit.agent.host import ApprovalDecision, ApprovalRequest
from cockpit.policy.engine import Policy
from cockpit.policy.model import ShellAction
from cockpit.policy.rules.grants import Grant
from cockpit.session.kinds import ApprovalRequested, ApprovalResolved, GrantRevoked
from cockpit.supervisor.updates import PendingApproval, Recorder


class ApprovalDesk:
    """Pending tier-3 requests, how they are settled, and the grants saved on the way."""

    def __init__(
        self,
        record: Recorder,
        policy: Policy,
        announce: Callable[[PendingApproval], None],
        *,
        timeout_s: float | None,
        headless_deny: bool,
        policy_of: Callable[[str], Policy] | None = None,
        timeouts: Mapping[str, float] | None = None,
    ) -> None:
        self._record = record
        self.policy = policy
        self._policy_of = policy_of
        """The policy of an agent's own place (its worktree): what a grant is judged by."""
        self._announce = announce
        self.timeout_s = timeout_s
        self.timeouts = dict(timeouts or {})
        """Tier -> seconds (the configuration's); ``timeout_s`` (the command line's) wins."""
        self.headless_deny = headless_deny
        self.pending: dict[str, PendingApproval] = {}

    async def request(self, request: ApprovalRequest) -> ApprovalDecision:
        """Log the request, put it in the inbox and wait for its answer (or the timeout)."""
        decision = request.decision
        await self._record(
            ApprovalRequested(
                tool=request.tool,
                command=request.command,
                cwd=request.cwd,
                tier=decision.tier.wire,
                reasons=list(decision.reasons),
                rules=[rule.to_dict() for rule in decision.rules],
                widening=_widening(request),
            ),
            agent=request.agent,
            iteration=request.iteration,
            call=request.call,
        )
        if self.headless_deny:
            return await self._settle(
                request, False, "headless", "headless run with no terminal to ask"
            )
        loop = asyncio.get_running_loop()
        pending = PendingApproval(request, loop.create_future())
        self.pending[request.call] = pending
        self._announce(pending)
        timeout = self.timeout_for(str(decision.tier.wire))
        if timeout is None:
            return await pending.future
        try:
            return await asyncio.wait_for(asyncio.shield(pending.future), timeout)
        except TimeoutError:
            await self.resolve(request.call, False, "timeout", "timed_out")
            return await pending.future

    def timeout_for(self, tier: str) -> float | None:
        """How long a question about an action of ``tier`` waits before it is denied."""
        return self.timeout_s if self.timeout_s is not None else self.timeouts.get(tier)

    def _shell_action(self, call: str) -> ShellAction | None:
        pending = self.pending.get(call)
        action = pending.request.action if pending else None
        return action if isinstance(action, ShellAction) else None

    def _rerun(self, call: str) -> bool:
        pending = self.pending.get(call)
        return pending is not None and pending.request.rerun

    def grant_for(self, call: str) -> Grant | None:
        """The narrow session grant to offer for a pending request, or None (see refusal)."""
        if self._rerun(call):
            return None
        action = self._shell_action(call)
        return self._judge(call).grant_for(action) if action is not None else None

    def grant_refusal(self, call: str) -> str | None:
        """Why no session grant is offered for a pending request, or None when one is."""
        if self._rerun(call):
            return "the sandbox is widened for one command at a time"
        action = self._shell_action(call)
        if action is None:
            return "session grants are for shell commands"
        return self._judge(call).grant_refusal(action)

    def _judge(self, call: str) -> Policy:
        """The requesting agent's policy (grants are shared by all of them)."""
        pending = self.pending.get(call)
        if pending is None or self._policy_of is None:
            return self.policy
        return self._policy_of(pending.request.agent)

    async def allow_for_session(self, call: str) -> Grant | None:
        """Save the offered grant (logged with the approval) and approve the request."""
        grant = self.grant_for(call)
        if grant is None:
            return None
        self.policy.add_grant(grant)
        approved = await self.resolve(
            call, True, "human", f"allowed for this session: {grant.pattern}", grant=grant
        )
        return grant if approved else None

    async def revoke_grant(self, grant_id: str) -> bool:
        """Withdraw a session grant the human saved (logged first, ``by: human``): the
        commands it allowed ask again. False when there is no such grant."""
        grant = next((g for g in self.policy.grants if g.id == grant_id), None)
        if grant is None:
            return False
        await self._record(GrantRevoked(pattern=grant.pattern, id=grant.id, by="human"), agent=None)
        return self.policy.revoke_grant(grant)

    async def resolve(
        self,
        call: str,
        approved: bool,
        by: str,
        reason: str | None = None,
        *,
        grant: Grant | None = None,
    ) -> bool:
        """Decide a pending approval (the screen, the terminal, a timeout). False if gone."""
        pending = self.pending.pop(call, None)
        if pending is None or pending.future.done():
            return False
        if by == "timeout":
            approved = False  # a timeout always denies
        decision = await self._settle(pending.request, approved, by, reason, grant)
        if not pending.future.done():
            pending.future.set_result(decision)
        return True

    async def _settle(
        self,
        request: ApprovalRequest,
        approved: bool,
        by: str,
        reason: str | None,
        grant: Grant | None = None,
    ) -> ApprovalDecision:
        resolved = ApprovalResolved(
            approved=approved,
            by=by,
            reason=reason or None,
            grant=grant.to_dict() if grant is not None else None,
            widened=(request.widening.to_dict() or None) if approved else None,
        )
        await self._record(
            resolved,
            agent=request.agent,
            iteration=request.iteration,
            call=request.call,
        )
        return ApprovalDecision(approved=approved, by=by, reason=reason)

    def inbox(self) -> list[PendingApproval]:
        """Pending approvals, most critical first."""
        return sorted(self.pending.values(), key=lambda p: p.rank)

    def cancel_all(self) -> None:
        """The session stops: nobody will answer what is still pending."""
        for call, pending in list(self.pending.items()):
            self.pending.pop(call, None)
            pending.future.cancel()


def _widening(request: ApprovalRequest) -> dict[str, Any] | None:
    """What a yes would widen the sandbox by, as the log writes it."""
    if not request.widening:
        return None
    data = request.widening.to_dict()
    if request.rerun:
        data["rerun"] = True
    return data
