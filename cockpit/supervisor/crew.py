"""The session's agents: a runtime per agent and the task that runs it.

Starting, restarting and waiting for agents is here; what they are told, and what is
logged as they start, is the supervisor's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from cockpit.agent.backends.base import Backend
from cockpit.agent.definition import LEAD_TOOLS, AgentDefinition
from cockpit.agent.host import AgentHost
from cockpit.agent.runtime import AgentRuntime
from cockpit.agent.tools import Toolbox
from cockpit.agent.watchdog import ModelLimits
from cockpit.session.status import AgentStatus


@dataclass(frozen=True)
class AgentSetup:
    """What an agent is started from: its file, its system prompt and its model."""

    definition: AgentDefinition
    system_prompt: str
    backend: Backend


class AgentCrew:
    """Runtimes by agent name, each run by an asyncio task (relaunched when it wakes)."""

    def __init__(self, host: AgentHost, toolbox: Toolbox, limits: ModelLimits) -> None:
        self._host = host
        self._toolbox = toolbox
        self._limits = limits
        self.runtimes: dict[str, AgentRuntime] = {}
        self._tasks: dict[str, asyncio.Task[AgentStatus]] = {}

    def add(
        self, setup: AgentSetup, *, toolbox: Toolbox | None = None, **kwargs: Any
    ) -> AgentRuntime:
        """A runtime for ``setup`` working with ``toolbox`` (its own worktree's; the
        session's by default). ``kwargs``: a resumed agent's messages and status."""
        definition = setup.definition
        if self._host.leads(definition.name):
            # The session's lead re-plans: the tool is the session's to give.
            extra = tuple(t for t in LEAD_TOOLS if t not in definition.tools)
            definition = replace(definition, tools=(*definition.tools, *extra))
        runtime = AgentRuntime(
            definition,
            setup.system_prompt,
            setup.backend,
            self._host,
            toolbox or self._toolbox,
            limits=self._limits,
            **kwargs,
        )
        self.runtimes[setup.definition.name] = runtime
        return runtime

    def launch(self, runtime: AgentRuntime, open_calls: Mapping[str, Any] | None = None) -> None:
        task = asyncio.ensure_future(runtime.run(open_calls))
        self._tasks[runtime.name] = task

    def wake(self, runtime: AgentRuntime) -> None:
        """Run the agent for what waits in its inbox: now if its task has returned, else
        as soon as it returns without having taken it (it was ending its run when the
        message came: a message must never wait for a wake that does not come)."""
        task = self._tasks.get(runtime.name)
        if task is None or task.done():
            self.launch(runtime)
            return

        def again(ended: asyncio.Task[AgentStatus]) -> None:
            if ended.cancelled() or self._tasks.get(runtime.name) is not ended:
                return
            if runtime.inbox:
                self.launch(runtime)

        task.add_done_callback(again)

    def stopped(self, name: str) -> bool:
        """The agent's task has returned (it may be launched again)."""
        task = self._tasks.get(name)
        return task is not None and task.done()

    def all_stopped(self) -> bool:
        return all(t.done() for t in self._tasks.values())

    async def wait(self) -> None:
        """Until every task is done (a plan change may relaunch one meanwhile)."""
        while any(not t.done() for t in self._tasks.values()):
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    def statuses(self) -> dict[str, AgentStatus]:
        """Each agent's status: its task's result once it returned, else the runtime's."""
        result: dict[str, AgentStatus] = {}
        for name, runtime in self.runtimes.items():
            task = self._tasks.get(name)
            if task is not None and task.done() and not task.cancelled():
                exc = task.exception()
                result[name] = AgentStatus.FAILED if exc is not None else task.result()
            else:
                result[name] = runtime.status
        return result

    async def cancel(self) -> None:
        """Cancel every task and wait for each to finish unwinding."""
        for task in self._tasks.values():
            task.cancel()
        for task in self._tasks.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
