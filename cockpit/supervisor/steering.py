"""plan.md as the steering wheel: the human's edits redirect agents; agents update tasks.

A change saved from any editor becomes ``plan.changed`` (by, diff, digest) and, at each
affected agent's next safe point, a note with the diff: a streaming turn is cancelled and
taken again with it; a running command is left to finish. Agents change the plan only
through `update_task` (which never overwrites a line the human edited meanwhile, and runs a
task's ``verify:`` before it is done); any other agent write to plan.md is tier 3.

Who changed it (``by``) is what cockpit knows, never ``human`` by default. Every agent
command that could write the plan (each bash command, a file tool on plan.md) is tracked
from start to finish with the plan's digest at both ends. When the watcher reports a change
to digest D (it debounces, so the command may be over by then):

- D is what the plan was when a command the policy saw writing the plan (approved at tier
  3) finished, or the only commands that may have made the change are one agent's such
  writes still running: ``by`` is that agent;
- else, if a command was running whose start saw a plan other than D, or one finished that
  changed the plan and whose change no report has covered yet: ``by`` is ``unknown``;
- else no agent command was running: ``by`` is ``human``.

A task whose box an agent's edit (or an unknown writer) ticks is not done: ``plan.changed``
lists it under ``unverified``, the plan view says so, and the agents are told that only
`update_task` (which runs ``verify:``) finishes a task.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cockpit.errors import CockpitError
from cockpit.plan.diff import PlanDiff, diff_plans
from cockpit.plan.document import Plan, encode, load_plan
from cockpit.plan.model import PlanProblem, Task, TaskState
from cockpit.plan.order import plan_problems
from cockpit.plan.update import update_task, write_atomic
from cockpit.plan.watch import PlanWatcher
from cockpit.session.events import Event
from cockpit.session.kinds import EventBody, PlanChanged


class SteeringHost(Protocol):
    """What steering needs from its session (the supervisor implements it)."""

    def known_agents(self) -> set[str]: ...

    async def record(
        self,
        body: EventBody,
        *,
        agent: str | None,
        iteration: int = 0,
        call: str | None = None,
    ) -> Event: ...

    async def redirect(
        self, agent: str, note: str, *, wake: bool, digest: str | None = None
    ) -> None: ...


class PlanSteering:
    """Keeps each agent's view of plan.md and turns edits into redirections."""

    def __init__(self, supervisor: SteeringHost, path: Path, given: Plan | None = None) -> None:
        """``given``: the plan the agents' first messages were written from. The watcher
        compares the file with it, so an edit saved before the watch began still counts."""
        self.supervisor = supervisor
        self.path = path
        self.plan = given if given is not None else load_plan(path)
        self.seen: dict[str, Plan] = {}
        self.watcher = PlanWatcher(path, self._changed, initial=self.plan)
        self._task: asyncio.Task[None] | None = None
        self._writers: dict[str, str] = {}  # plan digest -> the agent whose write it is
        self._running: dict[str, _Command] = {}  # call -> an agent command under way
        self._finished: list[_Command] = []  # finished, changed the plan, not yet reported
        self._looks: set[asyncio.Future[None]] = set()  # re-reads after a command, under way
        self.unverified: dict[str, str] = {}
        """Task id -> who ticked its box without `update_task` (so without ``verify:``)."""

    def command_started(self, call: str, agent: str, *, writes_plan: bool) -> None:
        """An agent command that could write plan.md starts (``writes_plan``: the policy
        saw it writing the plan, and it was approved)."""
        self._running[call] = _Command(agent, writes_plan, self._digest())

    def command_finished(self, call: str) -> None:
        command = self._running.pop(call, None)
        if command is None:
            return
        command.after = self._digest()
        if command.after == command.before:
            return
        if command.writes_plan:
            self._writers[command.after] = command.agent
        self._finished.append(command)
        if self._task is not None and not self._task.done():
            # The watch may not have seen it (a write through a hard link): look now.
            self._looks.add(asyncio.ensure_future(self._look()))
            for look in [t for t in self._looks if t.done()]:
                self._looks.discard(look)

    async def _look(self) -> None:
        with contextlib.suppress(CockpitError, OSError):  # the watch itself says so
            await self.watcher.look()

    def _digest(self) -> str:
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest()
        except FileNotFoundError:
            return hashlib.sha256(b"").hexdigest()
        except OSError:
            return ""

    def _author(self, digest: str) -> str:
        """Who made the change to ``digest`` (see the module's docstring)."""
        writer = self._writers.pop(digest, None)
        suspects = [c for c in self._running.values() if c.before != digest]
        suspects += [c for c in self._finished if c.before != digest]
        self._writers.clear()
        self._finished.clear()
        if writer is not None:
            return writer
        if not suspects:
            return "human"
        agents = {c.agent for c in suspects}
        if len(agents) == 1 and all(c.writes_plan and c.after is None for c in suspects):
            return agents.pop()
        return UNKNOWN

    def saw(self, agent: str) -> None:
        """``agent`` was just given the current plan."""
        self.seen[agent] = self.plan

    def start(self) -> None:
        self._task = asyncio.ensure_future(self.watcher.run())

    async def stop(self) -> None:
        for look in self._looks:
            look.cancel()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, CockpitError):
                await self._task

    async def problems(self) -> None:
        """Log what is malformed in the plan, with its line; agents go on with the rest."""
        names = set(self.supervisor.known_agents())
        problems = plan_problems(self.plan, names)
        if problems:
            changed = PlanChanged(
                by="human", digest=self.plan.digest, diff="", problems=_listed(problems)
            )
            await self.supervisor.record(changed, agent=None)

    async def _changed(self, old: Plan, new: Plan) -> None:
        del old
        previous, self.plan = self.plan, new
        change = diff_plans(previous, new)
        if change.empty:
            return
        by = self._author(new.digest)
        writer = by if by not in ("human", UNKNOWN) else None
        names = set(self.supervisor.known_agents())
        problems = plan_problems(new, names)
        ticked = [] if by == "human" else _ticked(previous, new)
        changed = PlanChanged(
            by=by,
            digest=new.digest,
            diff=change.text,
            problems=_listed(problems),
            unverified=[{"task": t.id, "title": t.title} for t in ticked] or None,
        )
        self.unverified.update((t.id, by) for t in ticked)
        await self.supervisor.record(changed, agent=writer)
        if writer is not None:
            self.seen[writer] = new
        told = change.affected(names) - {writer} if writer else change.affected(names)
        if writer is not None and ticked:
            told.add(writer)  # it is told its tick is not a finished task
        for name in sorted(told):
            await self._redirect(name, change, new, by, ticked)
        if writer is not None:
            await self._keep_done(previous, new)

    async def _keep_done(self, previous: Plan, new: Plan) -> None:
        """An agent's write (approved, but prepared on an older plan) unticked tasks that
        were done: only the human reopens a task, so each box is ticked again, as its
        owner's update_task left it. What a phase's merge waits for stays true."""
        was_done = {t.id for t in previous.tasks if t.done}
        for task in new.tasks:
            if task.done or task.id not in was_done or task.owner is None:
                continue
            result = await asyncio.to_thread(
                update_task,
                self.path,
                task.id,
                TaskState.DONE,
                None,
                agent=task.owner,
                seen=None,
                watcher=self.watcher,
            )
            if result.plan is not None:
                self.plan = result.plan

    async def _redirect(
        self, name: str, change: PlanDiff, plan: Plan, by: str, ticked: Sequence[Task] = ()
    ) -> None:
        if by == "human":
            who = "The human edited plan.md"
        elif by == UNKNOWN:
            who = (
                "plan.md changed while an agent's command was running; cockpit cannot tell "
                "who changed it"
            )
        elif by == name:
            who = "Your command edited plan.md"
        else:
            who = f"{by} (an agent) edited plan.md"
        lines = [
            f"{who}. The change:",
            "```diff",
            change.text.rstrip(),
            "```",
        ]
        if ticked:
            lines.append(
                "Ticking a box in plan.md does not finish a task, and these are not done: "
                + "; ".join(t.title for t in ticked)
                + ". Only update_task with status done finishes a task (cockpit runs its "
                "verify: command first); never edit plan.md to change a task."
            )
        taken = change.taken_from(name)
        if taken:
            lines.append(
                "These tasks are no longer yours: stop working on them now: "
                + "; ".join(t.title for t in taken)
            )
        given = change.given_to(name)
        if given:
            lines.append("New tasks for you: " + "; ".join(t.title for t in given))
        mine = plan.tasks_for(name)
        lines.append(
            "Your tasks now: " + ("; ".join(f"{t.title} [{t.status}]" for t in mine) or "none")
        )
        self.seen[name] = plan
        await self.supervisor.redirect(name, "\n".join(lines), wake=bool(given), digest=plan.digest)

    async def write_as(self, agent: str, text: str) -> None:
        """Write plan.md for ``agent`` (the lead re-planning through cockpit's tool): the
        watcher reports it as that agent's change, and the agents it concerns are told."""
        data = encode(text)
        self._writers[hashlib.sha256(data).hexdigest()] = agent
        await asyncio.to_thread(write_atomic, self.path, data)
        if self._task is not None and not self._task.done():
            await self._look()

    async def update_task(
        self, agent: str, args: Mapping[str, Any]
    ) -> tuple[str, bool, str | None]:
        """The message for the agent, whether it failed, and the id of the task updated."""
        result = await asyncio.to_thread(
            update_task,
            self.path,
            str(args["task"]),
            str(args["status"]),
            args.get("note"),
            agent=agent,
            seen=self.seen.get(agent),
            watcher=self.watcher,
        )
        if result.plan is not None:
            self.plan = result.plan
            self.seen[agent] = result.plan
        task = result.task.id if result.task is not None else None
        if result.ok and task is not None and args["status"] == TaskState.DONE:
            self.unverified.pop(task, None)
        if result.conflict:
            human = f"\nThe line now reads:\n{result.human_line}" if result.human_line else ""
            return f"{result.message}{human}", True, task
        return result.message, not result.ok, task


UNKNOWN = "unknown"


@dataclass
class _Command:
    """An agent command that could write plan.md, and the plan's digest around it."""

    agent: str
    writes_plan: bool
    before: str
    after: str | None = None  # None while it runs


def _ticked(old: Plan, new: Plan) -> list[Task]:
    """Tasks whose box is ticked in ``new`` and was not in ``old`` (or that are new)."""
    was = {t.id: t.done for t in old.tasks}
    return [t for t in new.tasks if t.done and not was.get(t.id, False)]


def _listed(problems: Sequence[PlanProblem]) -> list[dict[str, Any]]:
    """The plan's problems as ``plan.changed`` logs them."""
    return [{"line": p.line, "message": p.message} for p in problems]
