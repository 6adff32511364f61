"""Each tool call through the gate: ``tool.requested`` -> ``policy.decided`` ->
(``approval.requested`` -> ``approval.resolved``) -> (``safeguard.snapshot``) ->
``tool.started`` -> ``tool.finished``, joined by ``call``. The gate never decides risk and
never approves anything: the policy decides, the host asks whoever may approve."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cockpit.agent.blocks import explanation, offer, rerun_decision, widenable, written_path
from cockpit.agent.calls import answered_from_log, decision_from_log, describe, tool_result
from cockpit.agent.host import ApprovalRequest
from cockpit.agent.steps import AgentSteps
from cockpit.agent.tools import ToolInputError, ToolOutcome, check_input
from cockpit.plan.document import load_plan
from cockpit.plan.model import TaskState
from cockpit.policy.model import Decision, FileAction, ShellAction, Tier
from cockpit.sandbox.boundary import NO_WIDENING, BlockedBy, Widening
from cockpit.session.events import INTERNAL_TOOLS
from cockpit.session.kinds import (
    AgentBlocked,
    PolicyDecided,
    SandboxBlocked,
    TaskVerified,
    ToolFinished,
    ToolRequested,
    ToolStarted,
)
from cockpit.session.state import CallState
from cockpit.session.status import AgentStatus

PLAN_WRITE = "builtin:plan-write"  # the policy's check for a write to the human's plan
WRITE_OUTSIDE = "builtin:write-outside"


def _with_note(outcome: ToolOutcome, note: str) -> ToolOutcome:
    return dataclasses.replace(outcome, content=f"{outcome.content}\n{note}", is_error=True)


_BLOCK_WORDS = (
    "read-only file system",
    "permission denied",
    "operation not permitted",
    "network is unreachable",
    "connection refused",
    "could not resolve",
    "resolution",
    "name or service",
    "cannot fork",
    "resource temporarily",
    "couldn't connect",
    "failed to connect",
    "device or resource busy",
)


def _blocking_line(output: str) -> str:
    """The line of a blocked command's output that shows the wall (else its last line)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if any(word in line.lower() for word in _BLOCK_WORDS):
            return line[:300]
    return lines[-1][:300] if lines else ""


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
        if name not in INTERNAL_TOOLS:
            failed = outcome.is_error or (outcome.exit_code not in (0, None))
            note = await self.host.attempted(
                self.name,
                describe(name, args),
                outcome.exit_code if outcome.exit_code is not None else (1 if failed else 0),
                outcome.output or outcome.content,
                failed=failed,
                wrote=str(args["path"]) if name in ("write_file", "edit_file") else None,
            )
            if note:
                outcome = dataclasses.replace(outcome, content=f"{outcome.content}\n\n{note}")
        return tool_result(tool_use_id, outcome.content, outcome.is_error)

    async def _gate_and_run(
        self, call: str, name: str, args: dict[str, Any], previous: CallState | None
    ) -> ToolOutcome:
        """policy -> (approval) -> (snapshot) -> run, each step logged; the outcome."""
        action = self.boundary.action(name, args)
        writes: tuple[str, ...] = ()
        if previous is not None and previous.tier is not None:
            decision = decision_from_log(previous)
            network = previous.network
        else:
            assessment = self.boundary.decide(name, args, action)
            decision, writes = assessment.decision, assessment.writes
            network = decision.tier is not Tier.DENY and decision.network
            decided = PolicyDecided(
                tier=decision.tier.wire,
                reasons=list(decision.reasons),
                rules=[rule.to_dict() for rule in decision.rules],
                # What a shell command writes, as the policy read it.
                writes=list(assessment.writes) or None,
                network=True if network else None,
            )
            await self._record(decided, call)
        if decision.tier is Tier.DENY:
            reasons = "; ".join(decision.reasons)
            return ToolOutcome(content=f"Denied by policy: {reasons}", is_error=True)
        # What this one command gets beyond the walls: the network when a rule, a session
        # grant or (at tier 3) the human's yes allows it; an outside path the yes allows.
        widening = Widening(network=network)
        approved = previous is not None and previous.approval == "approved"
        if decision.tier is Tier.ASK and not approved:
            if isinstance(action, FileAction) and action.op in ("write", "edit"):
                writes = (str(self.toolbox.resolve(str(action.path))),)
            widening = widening | self._outside_writes(decision, writes)
            if any(r.id == PLAN_WRITE for r in decision.rules):  # the yes is for plan.md
                widening = widening | Widening(writable=(self.host.plan_path,))
            refused = await self._ask(call, name, args, decision, action, widening)
            if refused is not None:
                return refused
        elif approved and previous is not None:
            widening = widening | Widening.from_dict(previous.widened)
        if decision.tier is Tier.SNAPSHOT and not (previous is not None and previous.snapshot):
            await self.host.snapshot(self.name, self.iteration, call, describe(name, args))
        writes_plan = any(r.id == PLAN_WRITE for r in decision.rules)
        return await self._execute(call, name, args, widening, writes_plan=writes_plan)

    def _outside_writes(self, decision: Decision, writes: tuple[str, ...]) -> Widening:
        """For a tier-3 write outside the workspace: the folders the yes makes writable
        (the file's own folder when the file does not exist yet), never more than
        `widenable` allows (not the home folder for one file in it)."""
        if not self.toolbox.sandboxed or not any(r.id == WRITE_OUTSIDE for r in decision.rules):
            return NO_WIDENING
        walls = self.toolbox.boundary()
        folders: list[Path] = []
        for written in writes:
            real = Path(os.path.realpath(written))
            target = real if real.is_dir() else real.parent
            if widenable(target, self.toolbox.root, walls.home, walls.masked):
                folders.append(target)
        return Widening(writable=tuple(dict.fromkeys(folders)))

    async def _ask(
        self,
        call: str,
        name: str,
        args: dict[str, Any],
        decision: Decision,
        action: ShellAction | FileAction | None,
        widening: Widening = NO_WIDENING,
        *,
        rerun: bool = False,
    ) -> ToolOutcome | None:
        """The approval round-trip: wait for whoever may approve; the refusal, if refused."""
        await self._set_status(AgentStatus.WAITING)
        verdict = await self.host.request_approval(
            ApprovalRequest(
                agent=self.name,
                call=call,
                tool=name,
                command=describe(name, args),
                cwd=str(self.toolbox.root),
                decision=decision,
                action=action,
                iteration=self.iteration,
                widening=widening if self.toolbox.sandboxed else NO_WIDENING,
                rerun=rerun,
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
        self,
        call: str,
        name: str,
        args: dict[str, Any],
        widening: Widening = NO_WIDENING,
        *,
        writes_plan: bool = False,
    ) -> ToolOutcome:
        try:
            outcome = await self._run(call, name, args, widening, writes_plan=writes_plan)
            if outcome.blocked is not None:
                outcome = await self._blocked(call, name, args, outcome, widening, writes_plan)
        except asyncio.CancelledError:
            # The session is stopping: the command's processes were killed. Say so in
            # the log, never silently; resume will not run it again.
            message = "killed: the session stopped while this ran; it may have partly run"
            await self._record(ToolFinished(error=message, interrupted=True), call)
            raise
        await self._record(outcome.finished(), call)
        if self.status == AgentStatus.RUNNING:
            await self._set_status(AgentStatus.THINKING)
        return outcome

    async def _blocked(
        self,
        call: str,
        name: str,
        args: dict[str, Any],
        outcome: ToolOutcome,
        widening: Widening,
        writes_plan: bool,
    ) -> ToolOutcome:
        """The call ran into the sandbox: log which wall, offer the human one widened
        re-run where that makes sense, and tell the model either way."""
        blocked = outcome.blocked
        assert blocked is not None
        detail = _blocking_line(outcome.output) if name == "bash" else outcome.content
        path = outcome.blocked_path
        if name == "bash" and blocked is BlockedBy.READ_ONLY:
            found = written_path(outcome.output)
            path = str(found) if found is not None else None
        await self._record(
            SandboxBlocked(
                boundary=str(blocked), detail=detail, exit_code=outcome.exit_code, path=path
            ),
            call,
        )
        if blocked in (BlockedBy.TIMEOUT, BlockedBy.OUTPUT):
            return outcome  # the result already says which limit
        note = explanation(blocked)
        boundary = self.toolbox.boundary()
        wider = (
            offer(
                blocked, outcome.output, widening, self.toolbox.root, boundary.home, boundary.masked
            )
            if name == "bash"
            else None
        )
        if wider is None:
            return _with_note(outcome, note)
        decision = rerun_decision(blocked, wider, detail)
        action = self.boundary.action(name, args)
        refused = await self._ask(call, name, args, decision, action, wider, rerun=True)
        if refused is not None:
            return _with_note(outcome, f"{note}\n[the human was asked to allow it and did not]")
        again = await self._run(call, name, args, widening | wider, writes_plan=writes_plan)
        said = f"[the sandbox blocked it once; the human allowed {wider.words()} for this one run]"
        return dataclasses.replace(again, content=f"{said}\n{again.content}")

    async def _run(
        self,
        call: str,
        name: str,
        args: dict[str, Any],
        widening: Widening,
        *,
        writes_plan: bool,
    ) -> ToolOutcome:
        await self._set_status(AgentStatus.RUNNING, describe(name, args))
        await self._record(ToolStarted(tool=name, command=describe(name, args)), call)
        # Whatever changes plan.md while this runs may be this command's (see steering).
        watched = name == "bash" or (
            name in ("write_file", "edit_file") and self.boundary.is_plan(args["path"])
        )
        if watched:
            self.host.command_started(self.name, call, writes_plan=writes_plan)
        if name in INTERNAL_TOOLS:
            return await self._internal(call, name, args)
        try:
            return await self.toolbox.run(
                call,
                name,
                args,
                lambda text: self.host.stream(self.name, "output", text),
                widening,
            )
        finally:
            if watched:
                self.host.command_finished(call)

    async def _internal(self, call: str, name: str, args: dict[str, Any]) -> ToolOutcome:
        if name == "report_blocked":
            reason = args["reason"]
            await self._record(AgentBlocked(reason=reason), call)
            self.status, self.detail = AgentStatus.BLOCKED, reason
            return ToolOutcome(
                content="Reported. Wait: the human has been told and will answer.",
                output=reason,
            )
        if name == "replan":
            text, is_error = await self.host.replan(self.name, args)
            return ToolOutcome(content=text, is_error=is_error, output=text, error=None)
        refusal = self.host.task_refusal(self.name, args)
        if refusal is not None:
            return ToolOutcome(content=refusal, is_error=True, output=refusal, error=None)
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
                note = await self.host.verify_failed(
                    self.name,
                    task.id,
                    command,
                    outcome.exit_code,
                    outcome.output or outcome.content,
                )
                return ToolOutcome(
                    content=f"The task is not done: its verify command `{command}` failed.\n"
                    f"{outcome.content}" + (f"\n\n{note}" if note else ""),
                    is_error=True,
                    output=f"verify failed: {command}",
                )
        return None
