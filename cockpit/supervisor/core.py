"""One session: its agents, the approval queue, the update stream, and the human's commands.

Everything goes through the log first: `record` appends (durably) and only then publishes
the event to the subscribers (the screen, the headless printer) as a `SessionUpdate`, with
the stream chunks and approval requests in between. The work is in the modules beside
this one: the approval queue (`approvals`), snapshots and changes (`snapshots`), the agents'
runtimes and tasks (`crew`), plan.md (`steering`); the supervisor is the agents' host.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from cockpit import __version__
from cockpit.agent.changes import AgentChanges, ChangeTracker
from cockpit.agent.definition import LEAD_TOOLS, AgentDefinition
from cockpit.agent.host import ApprovalDecision, ApprovalRequest
from cockpit.agent.runtime import AgentRuntime
from cockpit.agent.tools import Toolbox
from cockpit.agent.watchdog import ModelLimits
from cockpit.config.settings import MergeSettings, OrchestrationSettings
from cockpit.errors import CockpitError
from cockpit.plan.document import Plan, load_plan
from cockpit.plan.model import TaskState
from cockpit.plan.replan import add_task, reassign
from cockpit.policy.engine import Policy
from cockpit.policy.model import Assessment, FileAction, ShellAction
from cockpit.policy.rules.grants import Grant
from cockpit.policy.scope import WriteScope
from cockpit.safeguard.snapshots import Safeguard
from cockpit.session.events import Event
from cockpit.session.kinds import (
    AgentStarted,
    AgentStatusChanged,
    EventBody,
    HumanMessage,
    MergeBrought,
    SessionEnded,
    SessionResumed,
    SessionStarted,
    TaskUpdated,
    ToolFinished,
)
from cockpit.session.log import SessionLog
from cockpit.session.state import SessionState
from cockpit.session.status import FINAL, AgentStatus
from cockpit.supervisor.approvals import ApprovalDesk
from cockpit.supervisor.ceremony import CeremonyReport
from cockpit.supervisor.checked_run import refuse_tier3
from cockpit.supervisor.crew import AgentCrew, AgentSetup
from cockpit.supervisor.merge_bring import BringIn, BringInRefused, bring_in, prepare_bring_in
from cockpit.supervisor.merging import CEREMONY, LiveCeremony, LiveDeps, commit_task, phase_done
from cockpit.supervisor.places import Place, ToolboxFactory, Workplaces
from cockpit.supervisor.radar_watch import RadarWatch
from cockpit.supervisor.schedule import SCHEDULER, Scheduler
from cockpit.supervisor.snapshots import Snapshots
from cockpit.supervisor.steering import PlanSteering
from cockpit.supervisor.updates import (
    ApprovalAsked,
    BlockedAsked,
    BlockedItem,
    PendingApproval,
    StreamChunk,
    UpdateBus,
    UpdateListener,
)
from cockpit.supervisor.worktree_changes import worktree_changes
from cockpit.worktrees.agents import AgentWorktrees, SharedTree, Worktree


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
        approval_timeouts: Mapping[str, float] | None = None,
        headless_deny: bool = False,
        plan_path: Path | None = None,
        spawn: Callable[[str], AgentSetup | None] | None = None,
        agent_names: Iterable[str] = (),
        model_limits: ModelLimits | None = None,
        plan: Plan | None = None,
        isolation: AgentWorktrees | SharedTree | None = None,
        make_toolbox: ToolboxFactory | None = None,
        merge: MergeSettings | None = None,
        orchestration: OrchestrationSettings | None = None,
    ) -> None:
        self.root = root
        self.log = log
        self.policy = policy
        self.safeguard = safeguard
        self.toolbox = toolbox
        self.plan_path = plan_path or root / "plan.md"
        self._keep_alive = keep_alive
        self.model_limits = model_limits or ModelLimits()
        self._bus = UpdateBus(log.next_seq)
        self.approvals = ApprovalDesk(
            self.record,
            policy,
            lambda pending: self._bus.publish(ApprovalAsked(pending)),
            timeout_s=approval_timeout_s,
            headless_deny=headless_deny,
            policy_of=lambda agent: self.places.of(agent).policy,
            timeouts=approval_timeouts,
        )
        self.snapshots = Snapshots(root, safeguard, self.record)
        shared = Place(root, toolbox, policy, self.snapshots)
        self.places = Workplaces(
            isolation or SharedTree(root, "every agent works in this folder"),
            shared,
            make_toolbox or (lambda _root, _branch, _plan: toolbox),
            self.record,
            self.plan_path,
        )
        self.crew = AgentCrew(self, toolbox, self.model_limits)
        self.radar = RadarWatch(
            self.places, self.record, lambda: {n for n, s in self._scopes().items() if s.globs}
        )
        self._call_ids = itertools.count(1)
        self._ended = False
        self._spawn = spawn
        self._agent_names = set(agent_names)
        self._held: dict[str, list[tuple[str, str | None]]] = {}
        """Plan changes for agents that were blocked, delivered with their next message."""
        self._definitions: Mapping[str, AgentDefinition] = (
            agent_names if isinstance(agent_names, Mapping) else {}
        )
        self.merge_settings = merge or MergeSettings()
        self.ceremony = LiveCeremony(
            LiveDeps(
                places=self.places,
                log_path=log.path,
                plan_path=self.plan_path,
                scopes=self._scopes,
                env=toolbox.walls_env,
                record=self.record_now,
                tell=self._tell,
                approve=refuse_tier3,
                integration=tuple(self.merge_settings.integration),
                radar=lambda: self.radar.scan(),
            )
        )
        self.steering = PlanSteering(self, self.plan_path, plan)
        self.scheduler = Scheduler(
            self, orchestration or OrchestrationSettings(), self.steering.plan
        )
        self.blocked: dict[str, BlockedItem] = {}
        """Blocked tasks waiting for the human (the inbox's other kind of item)."""
        self._setups: dict[str, AgentSetup] = {}
        self._kickoffs: dict[str, str] = {}

    # -- the update stream ---------------------------------------------------------------

    @property
    def keep_alive(self) -> bool:
        return self._keep_alive

    def subscribe(self, listener: UpdateListener) -> None:
        """Every `SessionUpdate` from now on, in the order it happened."""
        self._bus.subscribe(listener)

    async def record(
        self,
        body: EventBody,
        *,
        agent: str | None,
        iteration: int = 0,
        call: str | None = None,
    ) -> Event:
        """Append an event (durable on return), then publish it in seq order."""
        event = await self.log.append_async(
            body.kind, body.data(), agent=agent, iteration=iteration, call=call
        )
        self.snapshots.seen.apply(event)
        self._bus.logged(event)
        if isinstance(body, ToolFinished):
            self.radar.poke()
        self.scheduler.saw(event)
        return event

    def record_now(self, body: EventBody, agent: str | None) -> Event:
        """`record` for code that cannot await (the merge ceremony's steps): the append
        waits for its fsync on this thread, then the event is published as usual."""
        event = self.log.append(body.kind, body.data(), agent=agent)
        self.snapshots.seen.apply(event)
        self._bus.logged(event)
        self.scheduler.saw(event)
        return event

    def _scopes(self) -> dict[str, WriteScope]:
        """Each agent's write scope: from its file, or its runtime's."""
        scopes = {name: d.write_scope for name, d in self._definitions.items()}
        scopes.update({n: r.definition.write_scope for n, r in self.runtimes.items()})
        return scopes

    async def _tell(self, agent: str, text: str) -> None:
        """A note from the merge ceremony: delivered now (a blocked agent wakes), or kept
        in the log for a resume when the agent is not running here."""
        if agent in self.runtimes:
            await self.message(agent, text, by=CEREMONY)
        else:
            await self.record(HumanMessage(text=text, by=CEREMONY), agent=agent)

    async def merge(self) -> CeremonyReport | None:
        """The merge ceremony now (the screen's key); None with `ceremony.problem` set when
        it could not run."""
        return await self.ceremony.run()

    async def bring_in_offer(self, report: CeremonyReport) -> BringIn:
        """What bringing the integration branch into the user's branch would do, for the
        human to decide on (tier 3, never automatic).

        Raises:
            BringInRefused: nothing to bring in, or it cannot be done now (why, in words).
        """
        worktrees = self.places.worktrees
        if worktrees is None:
            raise BringInRefused("the agents share one tree: there is no integration branch")
        return await prepare_bring_in(worktrees.top, worktrees.session, report.merged_agents)

    async def bring_in(self, offer: BringIn) -> MergeBrought:
        """The human said yes: bring it in (a fast-forward when it can be), logged."""
        body = await bring_in(offer, "human")
        await self.record(body, agent=None)
        return body

    def stream(self, agent: str, kind: str, text: str) -> None:
        self._bus.publish(StreamChunk(agent, kind, text))

    def next_call_id(self) -> str:
        return f"c-{next(self._call_ids)}"

    # -- what agents ask of the session -----------------------------------------------

    def assess(self, action: ShellAction | FileAction, scope: WriteScope) -> Assessment:
        """The policy of the agent's place (rooted in its worktree) decides; a file tool
        on the human's plan.md, which lives in the workspace, is the workspace's to
        decide (its scope names `plan.md` there)."""
        place = self.places.of(scope.agent)
        if isinstance(action, FileAction) and _same_file(action.path, self.plan_path):
            place = self.places.shared
        return place.policy.assess(action, scope)

    async def snapshot(self, agent: str, iteration: int, call: str, reason: str) -> None:
        await self.places.of(agent).snapshots.before(agent, iteration, call, reason)

    async def snapshot_start(self) -> None:
        """The shared tree's snapshot at the start (what changes are compared with). With
        worktrees the session's base is that point, and the user's checkout is never
        touched: nothing to snapshot."""
        if self.places.worktrees is None:
            await self.snapshots.at_start()

    @property
    def isolation(self) -> AgentWorktrees | SharedTree:
        """Where the agents work: a worktree each, or one shared tree (and why)."""
        return self.places.isolation

    def worktree(self, agent: str) -> Worktree | None:
        """The agent's own worktree, once it started (None in a shared tree)."""
        return self.places.worktree(agent)

    @property
    def changes_seen(self) -> ChangeTracker:
        """The session-start snapshot and each agent's written files (see `changes`)."""
        return self.snapshots.seen

    @changes_seen.setter
    def changes_seen(self, seen: ChangeTracker) -> None:
        self.snapshots.seen = seen

    async def changes(self, agent: str) -> AgentChanges:
        """What ``agent`` changed since the session started: its worktree against the
        session's base, or in a shared tree the files it wrote (`cockpit.agent.changes`)."""
        tree = self.places.worktree(agent)
        if tree is not None:
            scope = self._scopes().get(agent)
            # A reader's worktree follows the integration branch: what it holds beyond
            # its HEAD is its own (nothing, unless it wrote where it should not).
            base = tree.base if scope is None or scope.globs else "HEAD"
            return await worktree_changes(agent, tree.path, base)
        return await self.snapshots.changes(agent)

    async def update_task(
        self, agent: str, iteration: int, call: str, args: Mapping[str, Any]
    ) -> tuple[str, bool]:
        text, failed, task = await self.steering.update_task(agent, args)
        if not failed:
            done = args["status"] == TaskState.DONE and task is not None
            said = ""
            if done and task is not None and self.scheduler.active:
                # Committed before the task is logged done: a ceremony that starts meanwhile
                # (for another agent) sees this work, never an empty branch it would take
                # for "nothing to merge".
                said = await self._commit_done(agent, task, iteration, call)
            # ``id``: the task's id in plan.md, whatever the agent called it.
            body = TaskUpdated(
                task=args["task"], status=args["status"], note=args.get("note"), id=task
            )
            await self.record(body, agent=agent, iteration=iteration, call=call)
            if done and task is not None:
                if not self.scheduler.active:
                    said = await self._commit_done(agent, task, iteration, call)
                text += said + self._task_done(agent, task)
        return text, failed

    async def _commit_done(self, agent: str, task_id: str, iteration: int, call: str) -> str:
        """In its own worktree, a done (verified) task's work is committed on the agent's
        branch (a ceremony merges what was verified, never a half-done next step). What the
        agent is told of it."""
        place = self.places.of(agent)
        task = load_plan(self.plan_path).find_task(task_id)
        if place.worktree is None or task is None:
            return ""
        try:
            made = await commit_task(place, agent, task)
        except CockpitError as exc:
            return f"\n(cockpit could not commit it on your branch: {exc})"
        if made is None:
            return ""
        await self.record(made, agent=agent, iteration=iteration, call=call)
        return (
            f"\ncockpit committed this task's work on your branch ({str(made.after or '')[:10]})."
        )

    def _task_done(self, agent: str, task_id: str) -> str:
        """A done task's ceremony: in a scheduled plan at once; else when it finishes a
        phase's writing. What the agent is told of it."""
        if self.places.of(agent).worktree is None:
            return ""
        plan = load_plan(self.plan_path)
        task = plan.find_task(task_id)
        said = ""
        writers = {n for n, s in self._scopes().items() if s.globs}
        if self.scheduler.active:
            # Each task's verified work reaches the integration branch before the tasks
            # that build on it are handed over.
            if agent in writers and task is not None and self.merge_settings.auto:
                self.ceremony.start_after_phase(task.phase)
                said += "\nThe merge ceremony brings it onto the integration branch now."
            return said
        phase = phase_done(plan, task_id, writers) if agent in writers else None
        if phase is not None and self.merge_settings.auto:
            self.ceremony.start_after_phase(phase)
            said += "\nThat finishes the phase's work: the merge ceremony runs now."
        return said

    def task_refusal(self, agent: str, args: Mapping[str, Any]) -> str | None:
        """Why ``agent`` may not move this task now (the scheduler's order), or None."""
        return self.scheduler.refusal(agent, str(args.get("task", "")), str(args.get("status")))

    # -- the scheduler's side (`cockpit.supervisor.schedule`) ----------------------------

    async def attempted(
        self,
        agent: str,
        command: str,
        exit_code: int | None,
        output: str,
        *,
        failed: bool,
        wrote: str | None = None,
    ) -> str | None:
        return await self.scheduler.hatch.attempted(
            agent, command, exit_code, output, failed, wrote
        )

    async def verify_failed(
        self, agent: str, task: str, command: str, exit_code: int | None, output: str
    ) -> str | None:
        return await self.scheduler.hatch.verify_failed(agent, task, command, exit_code, output)

    def leads(self, agent: str) -> bool:
        return self.scheduler.active and self.scheduler.lead(self.known_agents()) == agent

    async def replan(self, agent: str, args: Mapping[str, Any]) -> tuple[str, bool]:
        """The lead's re-planning: plan.md edited (logged as its change, and the agents it
        concerns told), or a blocked task reopened."""
        if not self.leads(agent):
            return "Only the session's lead re-plans; call report_blocked instead.", True
        action = str(args.get("action"))
        try:
            if action == "reopen":
                text = await self.scheduler.reopen(str(args.get("task", "")), agent)
                return text, False
            plan = load_plan(self.plan_path)
            owner = str(args.get("owner") or "").removeprefix("@")
            if owner not in self.known_agents():
                known = ", ".join(sorted(self.known_agents()))
                return f"@{owner or '?'} is no agent here (agents: {known})", True
            if action == "add":
                after = [a for a in str(args.get("after") or "").replace(",", " ").split() if a]
                text, key = add_task(
                    plan,
                    title=str(args.get("title") or ""),
                    owner=owner,
                    key=str(args["id"]) if args.get("id") else None,
                    after=after,
                    verify=str(args["verify"]) if args.get("verify") else None,
                    before=str(args["before"]) if args.get("before") else None,
                    phase=str(args["phase"]) if args.get("phase") else None,
                )
                said = f"Added task #{key} for @{owner} to plan.md."
            elif action == "reassign":
                task = str(args.get("task") or "")
                text = reassign(plan, task, owner)
                said = f"Task {task} is now @{owner}'s."
            else:
                return f"unknown action {action!r}: add, reassign or reopen", True
            await self.steering.write_as(agent, text)
        except CockpitError as exc:
            return f"Not re-planned: {exc}", True
        return said, False

    @property
    def session(self) -> str:
        return self.log.session

    @property
    def log_path(self) -> Path:
        return self.log.path

    def budget_of(self, agent: str) -> tuple[int | None, int | None]:
        """The escape hatch's budget an agent's file sets: (iterations, shifts)."""
        definition = self._definitions.get(agent)
        if definition is None:
            return None, None
        return definition.iterations, definition.shifts

    def current_plan(self) -> Plan:
        """plan.md as steering last read it."""
        return self.steering.plan

    def writes_in_worktree(self, agent: str) -> bool:
        """``agent`` writes in a worktree of its own: its work reaches the others through
        the merge ceremony."""
        scope = self._scopes().get(agent)
        return self.places.worktree(agent) is not None and scope is not None and bool(scope.globs)

    async def prepare_place(self, agent: str) -> bool:
        """Open the agent's place before its first task is handed over (its worktree is
        then brought to the integration branch); False when it cannot be had."""
        setup = self._setups.get(agent) or (self._spawn(agent) if self._spawn else None)
        if setup is None:
            return False
        self._setups.setdefault(agent, setup)
        return await self._open_place(setup) is not None

    def is_running_now(self, agent: str) -> bool:
        """``agent``'s loop is going (not stopped: done, failed, blocked or never started)."""
        return agent in self.runtimes and not self.crew.stopped(agent)

    def unverified_ticks(self) -> set[str]:
        """Tasks whose box an agent (or an unknown writer) ticked without update_task."""
        return set(self.steering.unverified)

    def iteration_of(self, agent: str) -> int:
        """How many model turns ``agent`` has begun (0 before it starts)."""
        runtime = self.runtimes.get(agent)
        return runtime.iteration if runtime is not None else 0

    def agent_failed(self, agent: str) -> bool:
        runtime = self.runtimes.get(agent)
        return runtime is not None and runtime.status == AgentStatus.FAILED

    async def hand_over(self, agent: str, text: str) -> None:
        """A message from cockpit's scheduler (a task handed over, a blocked task for the
        lead): logged, delivered at the agent's next turn, and the agent started or woken."""
        runtime = self.runtimes.get(agent)
        if runtime is None:
            setup = self._setups.get(agent) or (self._spawn(agent) if self._spawn else None)
            if setup is None:
                return
            first = self._kickoffs.get(agent, "")
            await self._start_agent(setup, f"{first}\n\n{text}" if first else text)
            return
        await self._deliver(runtime, text, SCHEDULER, "cockpit's scheduler")
        self.crew.wake(runtime)

    def blocked_for_human(self, task: str, agent: str | None, why: str, report: str | None) -> None:
        """A blocked task the lead could not resolve (or with no lead): the human's."""
        item = BlockedItem(task=task, agent=agent, why=why, report=report)
        self.blocked[task] = item
        self._bus.publish(BlockedAsked(item))

    def answered(self, task: str) -> None:
        self.blocked.pop(task, None)

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
        if self.scheduler.active:
            wake = False  # the scheduler starts and wakes agents with the task handed over
        if runtime.status == AgentStatus.BLOCKED:
            # It asked for help and waits for an answer (a message): the plan change goes
            # with that answer, and does not end the wait by itself.
            self._held.setdefault(agent, []).append((note, digest))
            return
        runtime.redirect(note, digest)
        if self.crew.stopped(agent) and (wake or self._keep_alive):
            self.crew.launch(runtime)

    # -- approvals (the work is in `ApprovalDesk`) --------------------------------------

    @property
    def pending(self) -> dict[str, PendingApproval]:
        return self.approvals.pending

    @property
    def approval_timeout_s(self) -> float | None:
        return self.approvals.timeout_s

    @property
    def headless_deny(self) -> bool:
        return self.approvals.headless_deny

    async def request_approval(self, request: ApprovalRequest) -> ApprovalDecision:
        return await self.approvals.request(request)

    def session_grant_for(self, call: str) -> Grant | None:
        return self.approvals.grant_for(call)

    def session_grant_refusal(self, call: str) -> str | None:
        return self.approvals.grant_refusal(call)

    async def allow_for_session(self, call: str) -> Grant | None:
        return await self.approvals.allow_for_session(call)

    async def revoke_grant(self, grant_id: str) -> bool:
        return await self.approvals.revoke_grant(grant_id)

    def grants(self) -> list[Grant]:
        """The session's grants, oldest first (what the grants key lists)."""
        return list(self.policy.grants)

    async def resolve(
        self,
        call: str,
        approved: bool,
        by: str,
        reason: str | None = None,
        *,
        grant: Grant | None = None,
    ) -> bool:
        return await self.approvals.resolve(call, approved, by, reason, grant=grant)

    def inbox(self) -> list[PendingApproval]:
        return self.approvals.inbox()

    # -- running agents ------------------------------------------------------------------

    @property
    def runtimes(self) -> dict[str, AgentRuntime]:
        return self.crew.runtimes

    async def start(
        self,
        setups: Iterable[AgentSetup],
        kickoff: Mapping[str, str],
        *,
        started: SessionStarted,
    ) -> None:
        """Log the session's start (``started`` says what the launcher chose; the session
        fills in where and who) and start every agent with its first message."""
        setups = list(setups)
        where = replace(
            started,
            workspace=str(self.root),
            agents=[s.definition.name for s in setups],
            plan=str(self.plan_path),
            version=__version__,
        )
        await self.record(where, agent=None)
        await self.steering.problems()
        await self.snapshot_start()
        self._kickoffs = dict(kickoff)
        self._setups = {s.definition.name: s for s in setups}
        handed = await self.scheduler.begin([s.definition.name for s in setups])
        for setup in setups:
            name = setup.definition.name
            first = kickoff.get(name, "")
            if name in handed:
                first = f"{first}\n\n{handed[name]}" if first else handed[name]
            elif self.scheduler.is_waiting(name):
                # It starts when cockpit hands it its first task; until then it says so.
                idle = AgentStatusChanged(status=AgentStatus.IDLE, detail="waits for its task")
                await self.record(idle, agent=name)
                continue
            await self._start_agent(setup, first)
        self.steering.start()
        self.radar.start()
        self.scheduler.start()

    async def _open_place(self, setup: AgentSetup) -> Place | None:
        """The agent's place; None when its worktree cannot be had (said in the log and on
        its pane: the agent does not start, and nothing is recreated behind the human)."""
        name = setup.definition.name
        try:
            return await self.places.open(name, reader=not setup.definition.scope)
        except CockpitError as exc:
            await self.record(
                AgentStatusChanged(status=AgentStatus.FAILED, detail=str(exc)), agent=name
            )
            return None

    async def _start_agent(self, setup: AgentSetup, first_message: str) -> None:
        d = setup.definition
        place = await self._open_place(setup)
        if place is None:
            return
        tree = place.worktree
        lead_tools = [t for t in LEAD_TOOLS if self.leads(d.name) and t not in d.tools]
        await self.record(
            AgentStarted(
                model=d.model,
                tools=[*d.tools, *lead_tools],
                source=str(d.source),
                worktree=str(tree.path) if tree is not None else None,
                branch=tree.branch if tree is not None else None,
            ),
            agent=d.name,
        )
        runtime = self.crew.add(setup, toolbox=place.toolbox)
        runtime.deliver(first_message)
        self.steering.saw(d.name)
        self.crew.launch(runtime)

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
        self._setups = {s.definition.name: s for s in setups}
        self._kickoffs = dict(notes)
        self.scheduler.resume_from(state)
        setups = list(setups)
        again = self.scheduler.resume_notes(state)
        for name in again:
            if name not in self._setups and self._spawn is not None:
                spawned = self._spawn(name)
                if spawned is not None:
                    self._setups[name] = spawned
                    setups.append(spawned)
        notes = {
            **notes,
            **{n: f"{notes[n]}\n\n{t}" if n in notes else t for n, t in again.items()},
        }
        await self.record(SessionResumed(recovered=dict(recovered)), agent=None)
        for setup in setups:
            name = setup.definition.name
            agent_state = state.agents.get(name)
            if agent_state is None:
                if self.scheduler.is_waiting(name):
                    continue  # it starts when cockpit hands it its first task
                if name in notes:
                    await self._start_agent(setup, notes[name])
                continue
            place = await self._open_place(setup)
            if place is None:
                continue
            runtime = self.crew.add(
                setup,
                toolbox=place.toolbox,
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
            self.crew.launch(runtime, open_calls)
        self.steering.start()
        self.radar.start()
        self.scheduler.start()
        await self.scheduler.carry_on()
        self.radar.poke()  # what the worktrees hold now, before anyone's next call
        if state.unfinished_merge:
            self.ceremony.start_after_phase(None)  # a crash cut it short: finish it

    async def wait(self) -> dict[str, AgentStatus]:
        """Wait until every agent is final (a plan change may restart one); their statuses."""
        while True:
            await self.crew.wait()
            await self.ceremony.settle()  # its note may wake an agent: wait for it too
            await self.scheduler.settle()  # it may hand a task over, or start a ceremony
            await self.ceremony.settle()
            await self.scheduler.settle()
            if self.crew.all_stopped() and self.scheduler.idle and not self.ceremony.running:
                return self.statuses()

    def statuses(self) -> dict[str, AgentStatus]:
        return self.crew.statuses()

    @property
    def all_final(self) -> bool:
        return all(s in FINAL for s in self.statuses().values())

    async def stop(self, reason: str) -> dict[str, AgentStatus]:
        """Stop every agent (a running command is killed and recorded) and end the session."""
        await self.steering.stop()
        await self.scheduler.stop()
        await self.ceremony.stop()
        await self.crew.cancel()
        self.approvals.cancel_all()
        return await self.end(reason)

    async def end(self, reason: str) -> dict[str, AgentStatus]:
        await self.steering.stop()
        await self.ceremony.settle()  # a phase's merge that began finishes first
        await self.scheduler.settle()
        await self.scheduler.stop()
        await self.radar.stop()
        statuses = self.statuses()
        if not self._ended:
            self._ended = True
            await self.record(SessionEnded(reason=reason, statuses=dict(statuses)), agent=None)
            self.places.close()
        return statuses

    # -- the human's commands ------------------------------------------------------------

    def is_running(self, agent: str) -> bool:
        """The agent has a runtime in this session (it may have finished)."""
        return agent in self.crew.runtimes

    def pause_requested(self, agent: str) -> bool:
        """The human asked ``agent`` to pause and has not let it go on (the pause takes
        effect at its next safe point, so its logged status may not say so yet)."""
        runtime = self.crew.runtimes.get(agent)
        return runtime is not None and runtime.paused

    def pause(self, agent: str) -> None:
        self.runtimes[agent].pause()

    def unpause(self, agent: str) -> None:
        self.runtimes[agent].resume()

    async def message(self, agent: str, text: str, *, by: str = "human") -> None:
        """A message, delivered at the agent's next turn (logged first). ``by`` is who
        wrote it: the human, or the demo playing the human's part (and saying so)."""
        runtime = self.runtimes[agent]
        who = {"human": "the human", CEREMONY: "cockpit's merge ceremony"}.get(
            by, f"{by} (on the human's behalf)"
        )
        await self._deliver(runtime, text, by, who)
        # A blocked agent was waiting for exactly this; a finished one only on the screen.
        wakes = self._keep_alive or runtime.status == AgentStatus.BLOCKED
        if runtime.status in FINAL and wakes and self.crew.stopped(runtime.name):
            self.crew.launch(runtime)

    async def _deliver(self, runtime: AgentRuntime, text: str, by: str, who: str) -> None:
        """Log a message for ``runtime``'s agent, then put it (with the plan changes held
        while it was blocked) in its inbox for its next turn."""
        await self.record(HumanMessage(text=text, by=by), agent=runtime.name)
        for note, digest in self._held.pop(runtime.name, []):
            runtime.redirect(note, digest)
        runtime.deliver(f"Message from {who}: {text}")


def _same_file(one: Path, two: Path) -> bool:
    return os.path.realpath(one) == os.path.realpath(two)


def exit_code(statuses: Mapping[str, str]) -> int:
    """0 when every agent finished, 1 otherwise."""
    return 0 if statuses and all(s == AgentStatus.DONE for s in statuses.values()) else 1


__all__ = [
    "AgentSetup",
    "PendingApproval",
    "Supervisor",
    "exit_code",
]
