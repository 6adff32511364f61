"""plan.md as the steering wheel: the human's edits redirect agents; agents update tasks.

A change saved from any editor becomes ``plan.changed`` (by human, diff, digest) and, at
each affected agent's next safe point, a note with the diff: a streaming turn is cancelled
and taken again with it; a running command is left to finish. Agents change the plan only
through `update_task`, which never overwrites a line the human edited meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.errors import CockpitError
from cockpit.plan import Plan, PlanDiff, PlanWatcher, diff_plans, load_plan, update_task
from cockpit.session import events as k

if TYPE_CHECKING:
    from cockpit.supervisor import Supervisor


class PlanSteering:
    """Keeps each agent's view of plan.md and turns edits into redirections."""

    def __init__(self, supervisor: Supervisor, path: Path, given: Plan | None = None) -> None:
        """``given``: the plan the agents' first messages were written from. The watcher
        compares the file with it, so an edit saved before the watch began still counts."""
        self.supervisor = supervisor
        self.path = path
        self.plan = given if given is not None else load_plan(path)
        self.seen: dict[str, Plan] = {}
        self.watcher = PlanWatcher(path, self._changed, initial=self.plan)
        self._task: asyncio.Task[None] | None = None
        self._writers: dict[str, str] = {}  # plan digest -> the agent whose write it is

    def written_by(self, agent: str) -> None:
        """``agent`` just wrote plan.md with a file tool: the coming change is its own."""
        written = load_plan(self.path)
        self._writers[written.digest] = agent

    def saw(self, agent: str) -> None:
        """``agent`` was just given the current plan."""
        self.seen[agent] = self.plan

    def start(self) -> None:
        self._task = asyncio.ensure_future(self.watcher.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, CockpitError):
                await self._task

    async def problems(self) -> None:
        """Log what is malformed in the plan, with its line; agents go on with the rest."""
        names = set(self.supervisor.known_agents())
        problems = self.plan.problems(names)
        if problems:
            await self.supervisor.record(
                k.PLAN_CHANGED,
                {
                    "by": "human",
                    "digest": self.plan.digest,
                    "diff": "",
                    "problems": [{"line": p.line, "message": p.message} for p in problems],
                },
                agent=None,
            )

    async def _changed(self, old: Plan, new: Plan) -> None:
        del old
        previous, self.plan = self.plan, new
        change = diff_plans(previous, new)
        if change.empty:
            return
        writer = self._writers.pop(new.digest, None)
        names = set(self.supervisor.known_agents())
        problems = new.problems(names)
        await self.supervisor.record(
            k.PLAN_CHANGED,
            {
                "by": writer or "human",
                "digest": new.digest,
                "diff": change.text,
                "problems": [{"line": p.line, "message": p.message} for p in problems],
            },
            agent=writer,
        )
        if writer is not None:
            self.seen[writer] = new
        for name in sorted(change.affected(names) - {writer} if writer else change.affected(names)):
            await self._redirect(name, change, new, writer)

    async def _redirect(self, name: str, change: PlanDiff, plan: Plan, writer: str | None) -> None:
        who = f"{writer} (an agent)" if writer else "The human"
        lines = [
            f"{who} edited plan.md. The change:",
            "```diff",
            change.text.rstrip(),
            "```",
        ]
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

    async def update_task(self, agent: str, args: Mapping[str, Any]) -> tuple[str, bool]:
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
        if result.conflict:
            human = f"\nThe line now reads:\n{result.human_line}" if result.human_line else ""
            return f"{result.message}{human}", True
        return result.message, not result.ok
