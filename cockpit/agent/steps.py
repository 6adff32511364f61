"""What every step of an agent's loop shares: its state, its status and the log.

`AgentRuntime` is built from `ModelTurns` (the model's side) and `ToolGate` (each tool call
through the policy); both stand on these steps, so each half reads on its own.
"""

from __future__ import annotations

import asyncio
from typing import Any

from cockpit.agent.backends.base import Backend, TurnResult
from cockpit.agent.boundary import Boundary
from cockpit.agent.calls import tool_uses
from cockpit.agent.definition import AgentDefinition
from cockpit.agent.host import AgentHost
from cockpit.agent.tools import Toolbox
from cockpit.agent.watchdog import ModelLimits, TurnWatch
from cockpit.session.events import Event
from cockpit.session.kinds import AgentStatusChanged, EventBody, ModelMessage
from cockpit.session.status import AgentStatus


class AgentSteps:
    """The state one agent's loop keeps, and the steps that log it."""

    definition: AgentDefinition
    name: str
    system_prompt: str
    backend: Backend
    host: AgentHost
    toolbox: Toolbox
    boundary: Boundary
    limits: ModelLimits
    messages: list[dict[str, Any]]
    iteration: int
    status: AgentStatus
    detail: str
    inbox: list[str]
    _pending_results: list[dict[str, Any]]
    _running: asyncio.Event
    _turn: asyncio.Task[TurnResult] | None
    _redirected: bool
    _status_before_pause: AgentStatus
    _tools: list[dict[str, Any]]
    _watch: TurnWatch
    _timeouts: int
    _plan_note: str | None
    _restarted: bool

    async def _set_status(self, status: AgentStatus, detail: str = "") -> None:
        if status == self.status and not detail:
            return
        self.status, self.detail = status, detail
        await self.host.record(
            AgentStatusChanged(status=status, detail=detail),
            agent=self.name,
            iteration=self.iteration,
        )

    async def _add_message(self, message: dict[str, Any]) -> None:
        """Log a message, then add it to the conversation (the log comes first)."""
        await self.host.record(
            ModelMessage(message=message), agent=self.name, iteration=self.iteration
        )
        self.messages.append(message)

    async def _checkpoint(self) -> None:
        """Between steps: stay here while paused."""
        if self._running.is_set():
            return
        self._status_before_pause = self.status
        await self._set_status(AgentStatus.PAUSED)
        await self._running.wait()
        await self._set_status(self._status_before_pause)

    def _unansweredtool_uses(self) -> list[dict[str, Any]]:
        if not self.messages or self.messages[-1].get("role") != "assistant":
            return []
        return tool_uses(self.messages[-1])

    async def _record(self, body: EventBody, call: str) -> Event:
        return await self.host.record(body, agent=self.name, iteration=self.iteration, call=call)
