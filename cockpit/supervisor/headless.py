"""A session without the screen: the supervisor driven to the end, every logged event
handed to a console and, when there is a terminal to ask, tier 3 asked through it (and
denied, ``by: headless``, when there is not). The console that prints and asks is the
CLI's (`cockpit.cli.headless`): this module prints nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from cockpit.agent.runtime import ApprovalRequest
from cockpit.session.events import Event
from cockpit.session.status import AgentStatus
from cockpit.supervisor.core import Supervisor, exit_code
from cockpit.supervisor.launch import Prepared
from cockpit.supervisor.updates import (
    ApprovalAsked,
    BlockedItem,
    Logged,
    PendingApproval,
    SessionUpdate,
)


class Console(Protocol):
    """Where a headless session shows itself: each event as it is logged, and the tier-3
    questions, one at a time (True approves)."""

    def show(self, event: Event) -> None: ...

    async def ask(self, request: ApprovalRequest) -> bool: ...


@dataclass(frozen=True)
class HeadlessOutcome:
    """How a headless session ended: each agent's final status, and whether it was
    interrupted (SIGTERM, Ctrl-C) rather than run to the end."""

    statuses: dict[str, AgentStatus]
    interrupted: bool
    blocked: tuple[BlockedItem, ...] = ()
    """Tasks still blocked and waiting for the human at the end (the terminal cannot
    answer them: the human does, on the screen or by a resumed session)."""
    unfinished: tuple[str, ...] = ()
    """A scheduled plan's tasks that are not done at the end, each with why."""

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        left = 1 if self.blocked or self.unfinished else 0
        return max(exit_code(self.statuses), left)

    @property
    def finished(self) -> bool:
        """Every agent done, no task blocked or left: nothing left to resume."""
        done = all(s == AgentStatus.DONE for s in self.statuses.values())
        return not self.interrupted and done and not self.blocked and not self.unfinished


class _Questions:
    """Tier-3 requests queued for the console, asked one at a time and resolved as the
    human answers (a request settled meanwhile, by a timeout, is skipped)."""

    def __init__(self, supervisor: Supervisor, console: Console) -> None:
        self.supervisor = supervisor
        self.console = console
        self._pending: asyncio.Queue[PendingApproval] = asyncio.Queue()
        supervisor.subscribe(self._on_update)
        self._asker = asyncio.ensure_future(self._ask_loop())

    def _on_update(self, update: SessionUpdate) -> None:
        if isinstance(update, ApprovalAsked):
            self._pending.put_nowait(update.pending)

    async def _ask_loop(self) -> None:
        while True:
            pending = await self._pending.get()
            if pending.future.done():
                continue
            approved = await self.console.ask(pending.request)
            if pending.future.done():  # settled meanwhile (a timeout)
                continue
            reason = None if approved else "denied at the terminal"
            await self.supervisor.resolve(pending.request.call, approved, "human", reason)

    def close(self) -> None:
        self._asker.cancel()


OnIdle = Callable[[dict[str, AgentStatus]], Awaitable[bool]]


async def run_headless(
    prepared: Prepared, console: Console, *, ask: bool, on_idle: OnIdle | None = None
) -> HeadlessOutcome:
    """Run a prepared session to the end without the screen, showing it on ``console``
    (asking it tier-3 questions when ``ask``); how it ended.

    ``on_idle``: called with the statuses whenever every agent has stopped; True when it
    gave one something to do (the demo answering its reviewer), so the session goes on.
    """
    supervisor = prepared.supervisor

    def show(update: SessionUpdate) -> None:
        if isinstance(update, Logged):
            console.show(update.event)  # stream chunks are the screen's

    supervisor.subscribe(show)
    questions = _Questions(supervisor, console) if ask else None
    interrupted = False
    try:
        if prepared.state is None:
            await supervisor.start(prepared.setups, prepared.kickoff, started=prepared.started)
        else:
            await supervisor.resume(
                prepared.setups, prepared.state, prepared.recovered, prepared.kickoff
            )
        statuses = await supervisor.wait()
        while on_idle is not None and await on_idle(statuses):
            statuses = await supervisor.wait()
        statuses = await supervisor.end("finished")
    except asyncio.CancelledError:
        interrupted = True
        statuses = await supervisor.stop("interrupted")
    finally:
        if questions is not None:
            questions.close()
        prepared.log.close()
    blocked = tuple(sorted(supervisor.blocked.values(), key=lambda item: item.asked_at))
    left = tuple(supervisor.scheduler.unfinished())
    return HeadlessOutcome(statuses, interrupted, blocked, left)
