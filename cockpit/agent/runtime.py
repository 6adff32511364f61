"""One agent's loop: model turn -> each tool call through the policy gate -> next turn.

Every step is an event in the log before it takes effect: ``tool.requested`` ->
``policy.decided`` -> (``approval.requested`` -> ``approval.resolved``) ->
(``safeguard.snapshot``) -> ``tool.started`` -> ``tool.finished``, joined by ``call``.
The runtime never decides risk and never approves anything: the policy classifies, the
host (the supervisor) asks whoever may approve.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Mapping
from typing import Any

from cockpit.agent.backends.base import (
    Activity,
    Backend,
    Retrying,
    StreamEvent,
    TextDelta,
    TurnRequest,
    TurnResult,
)
from cockpit.agent.boundary import Boundary
from cockpit.agent.calls import (
    answered_from_log,
    decision_from_log,
    describe,
    tool_result,
    tool_uses,
)
from cockpit.agent.definition import AgentDefinition
from cockpit.agent.host import (
    AgentHost,
    ApprovalDecision,
    ApprovalRequest,
)
from cockpit.agent.models import price_for
from cockpit.agent.tools import (
    Toolbox,
    ToolInputError,
    ToolOutcome,
    check_input,
    tool_schemas,
)
from cockpit.agent.watchdog import ModelLimits, TurnTimedOut, TurnWatch
from cockpit.errors import BackendError
from cockpit.plan import load_plan
from cockpit.policy import Tier
from cockpit.session import events as k
from cockpit.session.events import Event
from cockpit.session.state import CallState
from cockpit.session.status import AgentStatus

_SURROGATE = re.compile("[\ud800-\udfff]")
PLAN_WRITE = "builtin:plan-write"  # the policy's check for a write to the human's plan


class AgentRuntime:
    """Drives one agent until it is done, failed or blocked (or, kept alive, forever)."""

    def __init__(
        self,
        definition: AgentDefinition,
        system_prompt: str,
        backend: Backend,
        host: AgentHost,
        toolbox: Toolbox,
        *,
        messages: list[dict[str, Any]] | None = None,
        iteration: int = 0,
        status: AgentStatus = AgentStatus.IDLE,
        limits: ModelLimits | None = None,
    ) -> None:
        self.definition = definition
        self.name = definition.name
        self.system_prompt = system_prompt
        self.backend = backend
        self.host = host
        self.toolbox = toolbox
        self.messages: list[dict[str, Any]] = list(messages or [])
        self.iteration = iteration
        self.status = status
        self.detail = ""
        """What the current status is about (a failure's reason, a retry's wait)."""
        self.inbox: list[str] = []
        self._pending_results: list[dict[str, Any]] = []
        self._running = asyncio.Event()
        self._running.set()
        self._mail = asyncio.Event()
        self._turn: asyncio.Task[TurnResult] | None = None
        self._redirected = False
        self._status_before_pause = status
        self._tools = tool_schemas(list(definition.tools))
        self.boundary = Boundary(definition, host, toolbox)
        self.limits = limits or ModelLimits()
        self._watch = TurnWatch(self.limits, self._stalled, self._answering)
        self._timeouts = 0  # consecutive model turns given up for silence or length
        self._plan_note: str | None = None  # digest of a plan change waiting in the inbox
        self._restarted = False  # a streaming turn was cancelled for that change

    # -- commands from the supervisor --------------------------------------------------

    def deliver(self, text: str) -> None:
        """A note for the agent's next turn (a human message, a plan change)."""
        self.inbox.append(model_safe(text))
        self._mail.set()

    def redirect(self, text: str, digest: str | None = None) -> None:
        """Deliver ``text`` and, if a model turn is streaming, restart it with the note.

        ``digest``: the plan the note is about (its delivery is logged as
        ``plan.delivered`` when the agent's next turn takes it)."""
        self.deliver(text)
        if digest is not None:
            self._plan_note = digest
        if self._turn is not None and not self._turn.done():
            self._redirected = True
            self._restarted = self._restarted or digest is not None
            self._turn.cancel()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    # -- the loop ----------------------------------------------------------------------

    async def run(self, open_calls: Mapping[str, CallState] | None = None) -> AgentStatus:
        """Run until final. ``open_calls`` (by tool_use id) come from a resumed log."""
        try:
            if self._unansweredtool_uses() and not self._pending_results:
                await self._answertool_uses(open_calls or {})
            while True:
                await self._checkpoint()
                if not self._pending_results and not self.inbox and self._conversation_idle():
                    if self.status == AgentStatus.BLOCKED or not self.host.keep_alive:
                        if self.status != AgentStatus.BLOCKED:
                            await self._set_status(AgentStatus.DONE)
                        return self.status
                    await self._set_status(AgentStatus.DONE)  # kept alive: wait for a message
                    await self._wait_for_mail()
                    continue
                result = await self._model_turn()
                if result is None:
                    continue  # redirected mid-stream: take the turn again with the note
                if result.tool_calls:
                    await self._answertool_uses({})
                if self.status == AgentStatus.BLOCKED and not self.host.keep_alive:
                    return AgentStatus.BLOCKED
                if self.status == AgentStatus.BLOCKED:
                    await self._wait_for_mail()
        except BackendError as exc:
            await self._set_status(AgentStatus.FAILED, str(exc))
            return AgentStatus.FAILED
        except Exception as exc:  # never a silent death: the reason is logged and shown
            with contextlib.suppress(Exception):
                await self._set_status(
                    AgentStatus.FAILED, f"internal error: {type(exc).__name__}: {exc}"
                )
            self.status = AgentStatus.FAILED
            return AgentStatus.FAILED

    def _conversation_idle(self) -> bool:
        """True when the last word is the model's and it asked for nothing."""
        if not self.messages:
            return False
        last = self.messages[-1]
        return last.get("role") == "assistant" and not tool_uses(last)

    def _unansweredtool_uses(self) -> list[dict[str, Any]]:
        if not self.messages or self.messages[-1].get("role") != "assistant":
            return []
        return tool_uses(self.messages[-1])

    async def _checkpoint(self) -> None:
        """Between steps: stay here while paused."""
        if self._running.is_set():
            return
        self._status_before_pause = self.status
        await self._set_status(AgentStatus.PAUSED)
        await self._running.wait()
        await self._set_status(self._status_before_pause)

    async def _wait_for_mail(self) -> None:
        while not self.inbox:
            self._mail.clear()
            await self._mail.wait()
        if self.status == AgentStatus.BLOCKED:
            await self._set_status(AgentStatus.IDLE)

    async def _set_status(self, status: AgentStatus, detail: str = "") -> None:
        if status == self.status and not detail:
            return
        self.status, self.detail = status, detail
        await self.host.record(
            k.AGENT_STATUS,
            {"status": status, "detail": detail},
            agent=self.name,
            iteration=self.iteration,
        )

    async def _add_message(self, message: dict[str, Any]) -> None:
        """Log a message, then add it to the conversation (the log comes first)."""
        await self.host.record(
            k.MODEL_MESSAGE, {"message": message}, agent=self.name, iteration=self.iteration
        )
        self.messages.append(message)

    # -- model turns -------------------------------------------------------------------

    async def _model_turn(self) -> TurnResult | None:
        content: list[dict[str, Any]] = list(self._pending_results)
        for note in self.inbox:
            content.append({"type": "text", "text": note})
        if content:
            await self._add_message({"role": "user", "content": content})
            self._pending_results.clear()
            self.inbox.clear()
            if self._plan_note is not None:
                await self.host.record(
                    k.PLAN_DELIVERED,
                    {"digest": self._plan_note, "restarted": self._restarted},
                    agent=self.name,
                    iteration=self.iteration,
                )
                self._plan_note, self._restarted = None, False
        self.iteration += 1
        await self._set_status(AgentStatus.THINKING)
        request = TurnRequest(
            model=self.definition.model,
            system=self.system_prompt,
            messages=list(self.messages),
            tools=self._tools,
        )
        self._redirected = False
        self._turn = asyncio.ensure_future(self.backend.turn(request, self._on_stream))
        try:
            result = await self._watch.wait(self._turn)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if self._redirected and not (task is not None and task.cancelling()):
                self.host.stream(self.name, "restart", "")
                return None
            raise
        except TurnTimedOut as exc:
            await self._timed_out(str(exc))
            return None  # asked again
        finally:
            self._turn = None
        self._timeouts = 0
        if self.status in (AgentStatus.RETRYING, AgentStatus.STALLED):
            await self._set_status(AgentStatus.THINKING)
        await self._add_message({"role": "assistant", "content": result.content})
        usage = {"model": result.model, **result.usage.as_dict(), "cost_usd": result.cost_usd}
        if price_for(result.model) is None and price_for(request.model) is None:
            usage["priced"] = False  # its cost is unknown, not zero
        await self.host.record(k.MODEL_USAGE, usage, agent=self.name, iteration=self.iteration)
        return result

    async def _timed_out(self, why: str) -> None:
        """A turn given up for silence or length: ask again, or fail saying why."""
        self._timeouts += 1
        retries = self.limits.retries
        if self._timeouts > retries:
            raise BackendError(
                f"{why}; gave up after {retries} retries (the limits are `model:` "
                "stalled_after / idle_timeout / turn_timeout in .cockpit/config.yaml)"
            )
        detail = f"{why}: asking again ({self._timeouts}/{retries})"
        self.host.stream(self.name, "retry", detail)
        await self._set_status(AgentStatus.RETRYING, detail)

    async def _stalled(self, silent_s: float) -> None:
        await self._set_status(
            AgentStatus.STALLED, f"no answer from the model for {silent_s:.0f} s"
        )

    async def _answering(self) -> None:
        if self.status == AgentStatus.STALLED:
            await self._set_status(AgentStatus.THINKING)

    def _on_stream(self, event: StreamEvent) -> None:
        self._watch.alive()
        if isinstance(event, Activity):
            return
        if isinstance(event, TextDelta):
            self.host.stream(self.name, "text", event.text)
        elif isinstance(event, Retrying):
            self.host.stream(self.name, "retry", event.describe())
            # Statuses go through the log; do it from a task, the callback is synchronous.
            task = asyncio.ensure_future(self._set_status(AgentStatus.RETRYING, event.describe()))
            task.add_done_callback(_swallow)

    # -- tool calls --------------------------------------------------------------------

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
                await self._record(
                    k.TOOL_FINISHED,
                    {"exit_code": None, "error": message, "interrupted": True},
                    call,
                )
                return tool_result(tool_use_id, message, True)
        else:
            call = self.host.next_call_id()
            await self._record(
                k.TOOL_REQUESTED, {"tool": name, "input": raw, "tool_use_id": tool_use_id}, call
            )
        try:
            args = check_input(name, raw)
            if name not in self.definition.tools:
                raise ToolInputError(f"{self.name} has no {name} tool")
        except ToolInputError as exc:
            await self._record(k.TOOL_FINISHED, {"exit_code": None, "error": str(exc)}, call)
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
            data = decision.to_dict()
            if assessment.writes:  # what a shell command writes, as the policy read it
                data["writes"] = list(assessment.writes)
            await self._record(k.POLICY_DECIDED, data, call)
        if decision.tier is Tier.DENY:
            reasons = "; ".join(decision.reasons)
            return ToolOutcome(content=f"Denied by policy: {reasons}", is_error=True)
        approved = previous is not None and previous.approval == "approved"
        if decision.tier is Tier.ASK and not approved:
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
            if not verdict.approved:
                await self._set_status(AgentStatus.THINKING)
                why = f": {verdict.reason}" if verdict.reason else ""
                return ToolOutcome(
                    content=f"Denied by {verdict.by}{why}. Do not try to get around this; "
                    "choose another way or report_blocked.",
                    is_error=True,
                )
        if decision.tier is Tier.SNAPSHOT and not (previous is not None and previous.snapshot):
            await self.host.snapshot(self.name, self.iteration, call, describe(name, args))
        writes_plan = any(r.id == PLAN_WRITE for r in decision.rules)
        return await self._execute(call, name, args, writes_plan=writes_plan)

    async def _execute(
        self, call: str, name: str, args: dict[str, Any], *, writes_plan: bool = False
    ) -> ToolOutcome:
        await self._set_status(AgentStatus.RUNNING, describe(name, args))
        started: dict[str, Any] = {"tool": name, "command": describe(name, args)}
        await self._record(k.TOOL_STARTED, started, call)
        # Whatever changes plan.md while this runs may be this command's (see steering).
        watched = name == "bash" or (
            name in ("write_file", "edit_file") and self.boundary.is_plan(args["path"])
        )
        if watched:
            self.host.command_started(self.name, call, writes_plan=writes_plan)
        try:
            if name in k.INTERNAL_TOOLS:
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
            await self._record(
                k.TOOL_FINISHED, {"exit_code": None, "error": message, "interrupted": True}, call
            )
            raise
        await self._record(k.TOOL_FINISHED, outcome.log_data(), call)
        if self.status == AgentStatus.RUNNING:
            await self._set_status(AgentStatus.THINKING)
        return outcome

    async def _internal(self, call: str, name: str, args: dict[str, Any]) -> ToolOutcome:
        if name == "report_blocked":
            reason = args["reason"]
            await self._record(k.AGENT_BLOCKED, {"reason": reason}, call)
            self.status, self.detail = AgentStatus.BLOCKED, reason
            return ToolOutcome(
                content="Reported. Wait: the human has been told and will answer.",
                output=reason,
            )
        if args["status"] == "done":
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
            await self._record(
                k.TOOL_REQUESTED, {"tool": "bash", "input": args, "verify": task.id}, call
            )
            outcome = await self._gate_and_run(call, "bash", args, None)
            passed = not outcome.is_error and outcome.exit_code == 0
            await self._record(
                k.TASK_VERIFIED,
                {
                    "task": task.id,
                    "command": command,
                    "passed": passed,
                    "exit_code": outcome.exit_code,
                },
                call,
            )
            if not passed:
                return ToolOutcome(
                    content=f"The task is not done: its verify command `{command}` failed.\n"
                    f"{outcome.content}",
                    is_error=True,
                    output=f"verify failed: {command}",
                )
        return None

    async def _record(self, kind: str, data: Mapping[str, Any], call: str) -> Event:
        return await self.host.record(
            kind, data, agent=self.name, iteration=self.iteration, call=call
        )


def model_safe(text: str) -> str:
    """``text`` as valid Unicode: a file's invalid bytes (kept as lone surrogates so the
    file is rewritten byte for byte) become U+FFFD before they reach a model, whose
    request could not be encoded otherwise."""
    return _SURROGATE.sub("\ufffd", text)


def _swallow(task: asyncio.Future[Any]) -> None:
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()


__all__ = [
    "AgentHost",
    "AgentRuntime",
    "ApprovalDecision",
    "ApprovalRequest",
]
