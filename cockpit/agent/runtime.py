"""One agent's loop: model turn (`turns`) -> each tool call through the policy gate
(`gate`) -> next turn, until done, failed or blocked; and the supervisor's commands to it
(deliver, redirect, pause, resume).

Every step is an event in the log before it takes effect. The runtime never decides risk
and never approves anything: the policy decides, the host (the supervisor) asks whoever
may approve.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Mapping
from typing import Any

from cockpit.agent.backends.base import Backend
from cockpit.agent.boundary import Boundary
from cockpit.agent.calls import tool_uses
from cockpit.agent.definition import AgentDefinition
from cockpit.agent.gate import ToolGate
from cockpit.agent.host import AgentHost, ApprovalDecision, ApprovalRequest
from cockpit.agent.tools import Toolbox, tool_schemas
from cockpit.agent.turns import ModelTurns
from cockpit.agent.watchdog import ModelLimits, TurnWatch
from cockpit.errors import BackendError
from cockpit.session.state import CallState
from cockpit.session.status import AgentStatus

_SURROGATE = re.compile("[\ud800-\udfff]")


class AgentRuntime(ModelTurns, ToolGate):
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
        self.messages = list(messages or [])
        self.iteration = iteration
        self.status = status
        self.detail = ""
        """What the current status is about (a failure's reason, a retry's wait)."""
        self.inbox = []
        self._pending_results = []
        self._running = asyncio.Event()
        self._running.set()
        self._mail = asyncio.Event()
        self._turn = None
        self._redirected = False
        self._status_before_pause = status
        self._tools = tool_schemas(list(definition.tools))
        self.boundary = Boundary(definition, host, toolbox)
        self.limits = limits or ModelLimits()
        self._watch = TurnWatch(self.limits, self._stalled, self._answering)
        self._timeouts = 0  # consecutive model turns given up for silence or length
        self._plan_note = None  # digest of a plan change waiting in the inbox
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

    async def _wait_for_mail(self) -> None:
        while not self.inbox:
            self._mail.clear()
            await self._mail.wait()
        if self.status == AgentStatus.BLOCKED:
            await self._set_status(AgentStatus.IDLE)


def model_safe(text: str) -> str:
    """``text`` as valid Unicode: a file's invalid bytes (kept as lone surrogates so the
    file is rewritten byte for byte) become U+FFFD before they reach a model, whose
    request could not be encoded otherwise."""
    return _SURROGATE.sub("\ufffd", text)


__all__ = [
    "AgentHost",
    "AgentRuntime",
    "ApprovalDecision",
    "ApprovalRequest",
]
