"""Each tool call through the gate: ``tool.requested`` -> ``policy.decided`` ->
(``approval.requested`` -> ``approval.resolved``) -> (``safeguard.snapshot``) ->
``tool.started`` -> ``tool.finished``, joined by ``call``. The gate never decides risk and
never approves anything: the policy decides, the host asks whoever may approve."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from cockpit.agent.calls import answered_from_log, decision_from_log, describe, tool_result
from cockpit.agent.host import ApprovalRequest
from cockpit.agent.steps import AgentSteps
from cockpit.agent.tools import ToolInputError, ToolOutcome, check_input
from cockpit.plan.document import load_plan
from cockpit.plan.model import TaskState
from cockpit.policy.model import Decision, FileAction, ShellAction, Tier
from cockpit.session.events import INTERNAL_TOOLS
from cockpit.session.kinds import (
    AgentBlocked,
    PolicyDecided,
    TaskVerified,
    ToolFinished,
    ToolRequested,
    ToolStarted,
)
from cockpit.session.state import CallState
from cockpit.session.status import AgentStatus

PLAN_WRITE = "builtin:plan-write"  # the policy's check for a write to the human's plan


class ToolGate(AgentSteps):
    """The tool calls of the model's last message, answered one by one."""

    async def _answertool_uses(self, known: Mapping[str, CallState]) -> None:
        for block in self._unansweredtool_uses():
            await self._checkpoint()
            previous = known.get(str(block.get("id")))
            self._pending_results.append(await self._handle(block, previous))

    async def _handle(self, block: dict[str, Any], previous: CallState | None) -> dict[str, Any]:
        """Take one tool call through the gate; the tool_result block for the model."""
        tool_use_id = str(block.get("id", ""))
        name = str(block.get("name", ""))
        raw = block.get("input")
        if previous is not None:
            call, done = previous.call, answered_from_log(previous)
            if done is not None:
                return tool_result(tool_use_id, done.content, done.is_error)
            if previous.started:  # started, never finished: interrupted by a crash or quit
                message = (
                    "interrupted: cockpit stopped while this ran, so it may have partly run. "
                    "It was not run again; check its effects before retrying."
                )
                await self._record(ToolFinished(error=message, interrupted=True), call)
                return tool_result(tool_use_id, message, True)
        else:
            call = self.host.next_call_id()
            await self._record(ToolRequested(tool=name, input=raw, tool_use_id=tool_use_id), call)
        try:
            args = check_input(name, raw)
            if name not in self.definition.tools:
                raise ToolInputError(f"{self.name} has no {name} tool")
        except ToolInputError as exc:
            await self._record(ToolFinished(error=str(exc)), call)
            return tool_result(tool_use_id, str(exc), True)
        outcome = await self._gate_and_run(call, name, args, previous)
        return tool_result(tool_use_id, outcome.content, outcome.is_error)

    async def _gate_and_run(
        self, call: str, name: str, args: dict[str, Any], previous: CallState | None
    ) -> ToolOutcome:
        """policy -> (approval) -> (snapshot) -> run, each step logged; the outcome."""
        action = self.boundary.action(name, args)
        if previous is not None and previous.tier is not None:
            decision = decision_from_log(previous)
        else:
            assessment = self.boundary.decide(name, args, action)
            decision = assessment.decision
            decided = PolicyDecided(
                tier=decision.tier.wire,
                reasons=list(decision.reasons),
                rules=[rule.to_dict() for rule in decision.rules],
                # What a shell command writes, as the policy read it.
                writes=list(assessment.writes) or None,
            )
            await self._record(decided, call)
        if decision.tier is Tier.DENY:
            reasons = "; ".join(decision.reasons)
            return ToolOutcome(content=f"Denied by policy: {reasons}", is_error=True)
        approved = previous is not None and previous.approval == "approved"
        if decision.tier is Tier.ASK and not approved:
            refused = await self._ask(call, name, args, decision, action)
            if refused is not None:
                return refused
        if decision.tier is Tier.SNAPSHOT and not (previous is not None and previous.snapshot):
            await self.host.snapshot(self.name, self.iteration, call, describe(name, args))
        writes_plan = any(r.id == PLAN_WRITE for r in decision.rules)
        return await self._execute(call, name, args, writes_plan=writes_plan)

    async def _ask(
        self,
        call: str,
        name: str,
        args: dict[str, Any],
        decision: Decision,
        action: ShellAction | FileAction | None,
    ) -> ToolOutcome | None:
        """The approval round-trip: wait for whoever may approve; the refusal, if refused."""
        await self._set_status(AgentStatus.WAITING)
        verdict = await self.host.request_approval(
            ApprovalRequest(
                agent=self.name,
                call=call,
                tool=name,
                command=describe(name, args),
                cwd=str(self.host.root),
                decision=decision,
                action=action,
                iteration=self.iteration,
            )
        )
        if verdict.approved:
            return None
        await self._set_status(AgentStatus.THINKING)
        why = f": {verdict.reason}" if verdict.reason else ""
        return ToolOutcome(
            content=f"Denied by {verdict.by}{why}. Do not try to get around this; "
            "choose another way or report_blocked.",
            is_error=True,
        )

    async def _execute(
        self, call: str, name: str, args: dict[str, Any], *, writes_plan: bool = False
    ) -> ToolOutcome:
        await self._set_status(AgentStatus.RUNNING, describe(name, args))
        await self._record(ToolStarted(tool=name, command=describe(name, args)), call)
        # Whatever changes plan.md while this runs may be this command's (see steering).
        watched = name == "bash" or (
            name in ("write_file", "edit_file") and self.boundary.is_plan(args["path"])
        )
        if watched:
            self.host.command_started(self.name, call, writes_plan=writes_plan)
        try:
            if name in INTERNAL_TOOLS:
                outcome = await self._internal(call, name, args)
            else:
                try:
                    outcome = await self.toolbox.run(
                        call, name, args, lambda text: self.host.stream(self.name, "output", text)
                    )
                finally:
                    if watched:
                        self.host.command_finished(call)
        except asyncio.CancelledError:
            # The session is stopping: the command's process group was killed. Say so in
            # the log, never silently; resume will not run it again.
            message = "killed: the session stopped while this ran; it may have partly run"
            await self._record(ToolFinished(error=message, interrupted=True), call)
            raise
        await self._record(outcome.finished(), call)
        if self.status == AgentStatus.RUNNING:
            await self._set_status(AgentStatus.THINKING)
        return outcome

    async def _internal(self, call: str, name: str, args: dict[str, Any]) -> ToolOutcome:
        if name == "report_blocked":
            reason = args["reason"]
            await self._record(AgentBlocked(reason=reason), call)
            self.status, self.detail = AgentStatus.BLOCKED, reason
            return ToolOutcome(
                content="Reported. Wait: the human has been told and will answer.",
                output=reason,
            )
        if args["status"] == TaskState.DONE:
            failed = await self._verify(args["task"])
            if failed is not None:
                return failed
        text, is_error = await self.host.update_task(self.name, self.iteration, call, args)
        return ToolOutcome(content=text, is_error=is_error, output=text, error=None)

    async def _verify(self, ref: str) -> ToolOutcome | None:
        """Run the task's ``verify:`` commands through the gate; the failure, if any.

        "Done" means the commands passed when cockpit ran them, not that the agent said so.
        """
        task = load_plan(self.host.plan_path).find_task(ref)
        if task is None or task.owner != self.name:
            return None  # update_task itself explains what is wrong with the reference
        for command in task.verify:
            call = self.host.next_call_id()
            args = {"command": command}
            await self._record(ToolRequested(tool="bash", input=args, verify=task.id), call)
            outcome = await self._gate_and_run(call, "bash", args, None)
            passed = not outcome.is_error and outcome.exit_code == 0
            verified = TaskVerified(
                task=task.id, command=command, passed=passed, exit_code=outcome.exit_code
            )
            await self._record(verified, call)
            if not passed:
                return ToolOutcome(
                    content=f"The task is not done: its verify command `{command}` failed.\n"
                    f"{outcome.content}",
                    is_error=True,
                    output=f"verify failed: {command}",
                )
        return None
