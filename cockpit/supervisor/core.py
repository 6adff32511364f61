"""One session: its agents, the approval queue, the event bus, and the human's commands.

Everything goes through the log first: `record` appends (durably) and only then tells the
subscribers (the screen, the headless printer). Approvals are futures: an agent awaits one,
and whoever may decide (the screen, the terminal, a session grant, a timeout, the headless
rule) resolves it through `resolve`, which logs ``approval.resolved`` before the agent
wakes. Nothing an agent outputs reaches `resolve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit import __version__
from cockpit.agent.backends.base import Backend
from cockpit.agent.changes import AgentChanges, ChangeTracker, agent_changes
from cockpit.agent.definition import AgentDefinition
from cockpit.agent.runtime import (
    AgentRuntime,
    ApprovalDecision,
    ApprovalRequest,
)
from cockpit.agent.tools import Toolbox
from cockpit.agent.watchdog import ModelLimits
from cockpit.errors import SafeguardError
from cockpit.plan.document import Plan
from cockpit.policy.engine import Policy
from cockpit.policy.model import Assessment, FileAction, ShellAction
from cockpit.policy.rules.grants import Grant
from cockpit.policy.scope import WriteScope
from cockpit.safeguard.snapshots import Safeguard
from cockpit.session import events as k
from cockpit.session.events import Event
from cockpit.session.log import SessionLog
from cockpit.session.state import SessionState
from cockpit.session.status import FINAL, AgentStatus
from cockpit.supervisor.steering import PlanSteering

EventListener = Callable[[Event], None]
StreamListener = Callable[[str, str, str], None]  # agent, kind (text|output|retry), text
ApprovalListener = Callable[["PendingApproval"], None]


@dataclass
class PendingApproval:
    """A tier-3 request in the inbox."""

    request: ApprovalRequest
    future: asyncio.Future[ApprovalDecision]
    asked_at: float = field(default_factory=time.monotonic)

    @property
    def rank(self) -> tuple[int, float]:
        """Most critical first, then oldest first."""
        return (-self.request.decision.tier, self.asked_at)


@dataclass(frozen=True)
class AgentSetup:
    definition: AgentDefinition
    system_prompt: str
    backend: Backend


class Supervisor:
    """Runs the agents of one session concurrently and owns its approval queue."""

    def __init__(
        self,
        root: Path,
        log: SessionLog,
        policy: Policy,
        safeguard: Safeguard,
        toolbox: Toolbox,
        *,
        keep_alive: bool = False,
        approval_timeout_s: float | None = None,
        headless_deny: bool = False,
        plan_path: Path | None = None,
        spawn: Callable[[str], AgentSetup | None] | None = None,
        agent_names: Iterable[str] = (),
        model_limits: ModelLimits | None = None,
        plan: Plan | None = None,
    ) -> None:
        self.root = root
        self.log = log
        self.policy = policy
        self.safeguard = safeguard
        self.toolbox = toolbox
        self.plan_path = plan_path or root / "plan.md"
        self._keep_alive = keep_alive
        self.approval_timeout_s = approval_timeout_s
        self.headless_deny = headless_deny
        self.model_limits = model_limits or ModelLimits()
        self.runtimes: dict[str, AgentRuntime] = {}
        self.pending: dict[str, PendingApproval] = {}
        self._tasks: dict[str, asyncio.Task[AgentStatus]] = {}
        self._listeners: list[EventListener] = []
        self._stream_listeners: list[StreamListener] = []
        self._approval_listeners: list[ApprovalListener] = []
        self._call_ids = itertools.count(1)
        self._publish_next = log.next_seq
        self._unpublished: dict[int, Event] = {}
        self._ended = False
        self._spawn = spawn
        self._agent_names = set(agent_names)
        self.changes_seen = ChangeTracker(root)
        """The session-start snapshot and each agent's written files (see `changes`)."""
        self.steering = PlanSteering(self, self.plan_path, plan)

    # -- the bus -------------------------------------------------------------------------

    @property
    def keep_alive(self) -> bool:
        return self._keep_alive

    def subscribe(self, listener: EventListener) -> None:
        self._listeners.append(listener)

    def subscribe_stream(self, listener: StreamListener) -> None:
        self._stream_listeners.append(listener)

    def subscribe_approvals(self, listener: ApprovalListener) -> None:
        self._approval_listeners.append(listener)

    async def record(
        self,
        kind: str,
        data: Mapping[str, Any],
        *,
        agent: str | None,
        iteration: int = 0,
        call: str | None = None,
    ) -> Event:
        """Append an event (durable on return), then publish it in seq order."""
        event = await self.log.append_async(kind, data, agent=agent, iteration=iteration, call=call)
        self.changes_seen.apply(event)
        self._unpublished[event.seq] = event
        while self._publish_next in self._unpublished:
            ready = self._unpublished.pop(self._publish_next)
            self._publish_next += 1
            for listener in list(self._listeners):
                listener(ready)
        return event

    def stream(self, agent: str, kind: str, text: str) -> None:
        for listener in list(self._stream_listeners):
            listener(agent, kind, text)

    def next_call_id(self) -> str:
        return f"c-{next(self._call_ids)}"

    # -- what agents ask of the session -----------------------------------------------

    def assess(self, action: ShellAction | FileAction, scope: WriteScope) -> Assessment:
        return self.policy.assess(action, scope)

    async def snapshot(self, agent: str, iteration: int, call: str, reason: str) -> None:
        data = await self._take_snapshot(reason)
        await self.record(k.SAFEGUARD_SNAPSHOT, data, agent=agent, iteration=iteration, call=call)

    async def snapshot_start(self) -> None:
        """Snapshot the tree as the session starts: what each agent's changes are
        compared with (`changes`), and a point `cockpit rollback` can return to."""
        data = await self._take_snapshot("session start")
        await self.record(k.SAFEGUARD_SNAPSHOT, {**data, "base": True}, agent=None)

    async def _take_snapshot(self, reason: str) -> dict[str, Any]:
        """A snapshot's event data; a failure is recorded and the session goes on."""
        try:
            snap = await asyncio.to_thread(self.safeguard.snapshot, reason)
        except SafeguardError as exc:
            return {"skipped": str(exc)}
        except Exception as exc:
            return {"skipped": f"snapshot failed: {type(exc).__name__}: {exc}"}
        if snap is None:
            return {"skipped": "not a git repository: no snapshot could be taken"}
        return {"ref": snap.ref, "commit": snap.commit}

    async def changes(self, agent: str) -> AgentChanges:
        """What ``agent`` changed since the session started (see `cockpit.agent.changes`)."""
        seen = self.changes_seen
        written = seen.files(agent)

        def compare() -> AgentChanges:
            tree = self.safeguard.current_tree() if seen.base is not None else None
            return agent_changes(self.root, agent, seen.base, tree, written)

        try:
            return await asyncio.to_thread(compare)
        except Exception as exc:
            return AgentChanges(agent, seen.base, problem=f"cannot compare: {exc}")

    async def update_task(
        self, agent: str, iteration: int, call: str, args: Mapping[str, Any]
    ) -> tuple[str, bool]:
        text, failed, task = await self.steering.update_task(agent, args)
        if not failed:
            data = {"task": args["task"], "status": args["status"], "note": args.get("note")}
            if task is not None:
                data["id"] = task  # the task's id in plan.md, whatever the agent called it
            await self.record(
                k.TASK_UPDATED,
                data,
                agent=agent,
                iteration=iteration,
                call=call,
            )
        return text, failed

    def command_started(self, agent: str, call: str, *, writes_plan: bool) -> None:
        self.steering.command_started(call, agent, writes_plan=writes_plan)

    def command_finished(self, call: str) -> None:
        self.steering.command_finished(call)

    def known_agents(self) -> set[str]:
        """Agents in this session, and those that could join it (for the plan's owners)."""
        return self._agent_names | set(self.runtimes)

    async def redirect(
        self, agent: str, note: str, *, wake: bool, digest: str | None = None
    ) -> None:
        """Deliver a plan change (to plan ``digest``) to ``agent`` at its next safe point,
        starting it if asked."""
        runtime = self.runtimes.get(agent)
        if runtime is None:
            setup = self._spawn(agent) if (wake and self._spawn) else None
            if setup is None:
                return
            await self._start_agent(setup, note)
            return
        runtime.redirect(note, digest)
        task = self._tasks.get(agent)
        if task is not None and task.done() and (wake or self._keep_alive):
            self._launch(runtime)

    async def request_approval(self, request: ApprovalRequest) -> ApprovalDecision:
        d = request.decision
        await self.record(
            k.APPROVAL_REQUESTED,
            {
                "tool": request.tool,
                "command": request.command,
                "cwd": request.cwd,
                **d.to_dict(),
            },
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
        for listener in list(self._approval_listeners):
            listener(pending)
        if self.approval_timeout_s is None:
            return await pending.future
        try:
            return await asyncio.wait_for(asyncio.shield(pending.future), self.approval_timeout_s)
        except TimeoutError:
            await self.resolve(request.call, False, "timeout", "timed_out")
            return await pending.future

    def _shell_action(self, call: str) -> ShellAction | None:
        pending = self.pending.get(call)
        action = pending.request.action if pending else None
        return action if isinstance(action, ShellAction) else None

    def session_grant_for(self, call: str) -> Grant | None:
        """The narrow session grant to offer for a pending request, or None (see refusal)."""
        action = self._shell_action(call)
        return self.policy.grant_for(action) if action is not None else None

    def session_grant_refusal(self, call: str) -> str | None:
        """Why no session grant is offered for a pending request, or None when one is."""
        action = self._shell_action(call)
        if action is None:
            return "session grants are for shell commands"
        return self.policy.grant_refusal(action)

    async def allow_for_session(self, call: str) -> Grant | None:
        """Save the offered grant (logged with the approval) and approve the request."""
        grant = self.session_grant_for(call)
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
        await self.record(
            k.GRANT_REVOKED, {"pattern": grant.pattern, "id": grant.id, "by": "human"}, agent=None
        )
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
        data: dict[str, Any] = {"approved": approved, "by": by}
        if reason:
            data["reason"] = reason
        if grant is not None:
            data["grant"] = grant.to_dict()
        await self.record(
            k.APPROVAL_RESOLVED,
            data,
            agent=request.agent,
            iteration=request.iteration,
            call=request.call,
        )
        return ApprovalDecision(approved=approved, by=by, reason=reason)

    def inbox(self) -> list[PendingApproval]:
        """Pending approvals, most critical first."""
        return sorted(self.pending.values(), key=lambda p: p.rank)

    # -- running agents ------------------------------------------------------------------

    async def start(
        self,
        setups: Iterable[AgentSetup],
        kickoff: Mapping[str, str],
        *,
        session_data: Mapping[str, Any],
    ) -> None:
        """Log the session's start and start every agent with its first message."""
        setups = list(setups)
        await self.record(
            k.SESSION_STARTED,
            {
                "workspace": str(self.root),
                "agents": [s.definition.name for s in setups],
                "plan": str(self.plan_path),
                "version": __version__,
                **session_data,
            },
            agent=None,
        )
        await self.steering.problems()
        await self.snapshot_start()
        for setup in setups:
            await self._start_agent(setup, kickoff.get(setup.definition.name, ""))
        self.steering.start()

    async def _start_agent(self, setup: AgentSetup, first_message: str) -> None:
        d = setup.definition
        await self.record(
            k.AGENT_STARTED,
            {"model": d.model, "tools": list(d.tools), "source": str(d.source)},
            agent=d.name,
        )
        runtime = self._runtime(setup)
        runtime.deliver(first_message)
        self.steering.saw(d.name)
        self._launch(runtime)

    async def resume(
        self,
        setups: Iterable[AgentSetup],
        state: SessionState,
        recovered: Mapping[str, Any],
        notes: Mapping[str, str] | None = None,
    ) -> None:
        """Rebuild each unfinished agent from the folded log and carry on. ``notes``: what
        an agent is told as it continues (its open tasks); an agent the session never
        started gets its note as its first message."""
        notes = notes or {}
        self._call_ids = itertools.count(len(state.calls) + 1)
        await self.record(k.SESSION_RESUMED, {"recovered": dict(recovered)}, agent=None)
        for setup in setups:
            name = setup.definition.name
            agent_state = state.agents.get(name)
            if agent_state is None:
                if name in notes:
                    await self._start_agent(setup, notes[name])
                continue
            runtime = self._runtime(
                setup,
                messages=agent_state.messages,
                iteration=agent_state.iteration,
                status=agent_state.status,
            )
            for text in agent_state.undelivered:
                runtime.inbox.append(text)
            if name in notes:
                runtime.deliver(notes[name])
            open_calls = {
                c.tool_use_id: c
                for c in state.calls.values()
                if c.agent == name and c.tool_use_id is not None
            }
            self.steering.saw(name)
            self._launch(runtime, open_calls)
        self.steering.start()

    def _runtime(self, setup: AgentSetup, **kwargs: Any) -> AgentRuntime:
        runtime = AgentRuntime(
            setup.definition,
            setup.system_prompt,
            setup.backend,
            self,
            self.toolbox,
            limits=self.model_limits,
            **kwargs,
        )
        self.runtimes[setup.definition.name] = runtime
        return runtime

    def _launch(self, runtime: AgentRuntime, open_calls: Mapping[str, Any] | None = None) -> None:
        task = asyncio.ensure_future(runtime.run(open_calls))
        self._tasks[runtime.name] = task

    async def wait(self) -> dict[str, AgentStatus]:
        """Wait until every agent is final (a plan change may restart one); their statuses."""
        while any(not t.done() for t in self._tasks.values()):
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        return self.statuses()

    def statuses(self) -> dict[str, AgentStatus]:
        result: dict[str, AgentStatus] = {}
        for name, runtime in self.runtimes.items():
            task = self._tasks.get(name)
            if task is not None and task.done() and not task.cancelled():
                exc = task.exception()
                result[name] = AgentStatus.FAILED if exc is not None else task.result()
            else:
                result[name] = runtime.status
        return result

    @property
    def all_final(self) -> bool:
        return all(s in FINAL for s in self.statuses().values())

    async def stop(self, reason: str) -> dict[str, AgentStatus]:
        """Stop every agent (a running command is killed and recorded) and end the session."""
        await self.steering.stop()
        for task in self._tasks.values():
            task.cancel()
        for task in self._tasks.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for call, pending in list(self.pending.items()):
            self.pending.pop(call, None)
            pending.future.cancel()
        return await self.end(reason)

    async def end(self, reason: str) -> dict[str, AgentStatus]:
        await self.steering.stop()
        statuses = self.statuses()
        if not self._ended:
            self._ended = True
            await self.record(k.SESSION_ENDED, {"reason": reason, "statuses": statuses}, agent=None)
        return statuses

    # -- the human's commands ------------------------------------------------------------

    def pause(self, agent: str) -> None:
        self.runtimes[agent].pause()

    def unpause(self, agent: str) -> None:
        self.runtimes[agent].resume()

    async def message(self, agent: str, text: str, *, by: str = "human") -> None:
        """A message, delivered at the agent's next turn (logged first). ``by`` is who
        wrote it: the human, or the demo playing the human's part (and saying so)."""
        await self.record(k.HUMAN_MESSAGE, {"text": text, "by": by}, agent=agent)
        runtime = self.runtimes[agent]
        who = "the human" if by == "human" else f"{by} (on the human's behalf)"
        runtime.deliver(f"Message from {who}: {text}")
        # A blocked agent was waiting for exactly this; a finished one only on the screen.
        wakes = self._keep_alive or runtime.status == AgentStatus.BLOCKED
        task = self._tasks.get(runtime.name)
        if runtime.status in FINAL and wakes and task is not None and task.done():
            self._launch(runtime)


def exit_code(statuses: Mapping[str, str]) -> int:
    """0 when every agent finished, 1 otherwise."""
    return 0 if statuses and all(s == AgentStatus.DONE for s in statuses.values()) else 1


__all__ = [
    "AgentSetup",
    "PendingApproval",
    "Supervisor",
    "exit_code",
]
