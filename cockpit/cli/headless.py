"""The terminal of a headless session: events printed as `log show` lines, tier 3 asked
on the terminal when there is one. The driving is `cockpit.supervisor.headless`; this is
the console it shows itself on, and what is said before and after."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import TextIO

from cockpit.agent.runtime import ApprovalRequest
from cockpit.cli.farewell import resume_hint, summary, warn
from cockpit.safe_text import visible
from cockpit.session.events import Event
from cockpit.session.kinds import PlanChanged, TaskEscalated
from cockpit.session.show import format_line
from cockpit.supervisor.headless import OnIdle, run_headless
from cockpit.supervisor.launch import Prepared


class HeadlessConsole:
    """Prints each event as it is logged and asks tier-3 questions on the terminal."""

    def __init__(self, *, out: TextIO | None = None, stdin: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.stdin = stdin or sys.stdin

    def show(self, event: Event) -> None:
        print(printable(format_line(event)), file=self.out, flush=True)
        body = event.body
        if isinstance(body, TaskEscalated) and body.to == "human":
            warn(blocked_line(body))
        if isinstance(body, PlanChanged):
            for problem in body.problems or ():
                if isinstance(problem, dict):
                    line, message = problem.get("line"), problem.get("message")
                    warn(f"plan.md line {line}: {message}")

    async def ask(self, request: ApprovalRequest) -> bool:
        self.out.write("\n".join(question(request)))
        self.out.flush()
        answer = await self._readline()
        return answer.strip().lower() in ("y", "yes")

    async def _readline(self) -> str:
        """One line from the terminal without a blocking thread (the loop watches the fd)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[str] = loop.create_future()
        fd = self.stdin.fileno()

        def readable() -> None:
            loop.remove_reader(fd)
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not done.done():
                done.set_result(data.decode("utf-8", "replace"))

        loop.add_reader(fd, readable)
        try:
            return await done
        finally:
            loop.remove_reader(fd)


def question(request: ApprovalRequest) -> list[str]:
    """The tier-3 question as the terminal shows it: the command exactly as bash gets it,
    one shown line per line of it, with every control or invisible character written as
    its escape (an escape code cannot erase the line above and pass for another command);
    the agent, cwd, reasons and rules likewise."""
    decision = request.decision
    return [
        "",
        f"=== {visible(request.agent)} wants to run a tier-{decision.tier} action ===",
        *(f"    {visible(line)}" for line in (request.command or request.tool).split("\n")),
        f"  cwd: {visible(str(request.cwd))}",
        *(f"  why: {visible(reason)}" for reason in decision.reasons),
        *(f"  rule: {visible(r.id)} ({visible(r.source)})" for r in decision.rules),
        *_sandbox_line(request),
        "Approve? [y/N] ",
    ]


def blocked_line(body: TaskEscalated) -> str:
    """A task escalated to the human, in one line: which, why, and where its report is."""
    task = str(body.task or "?")
    gate = task.startswith("gate:")
    what = f"the gate of {task.removeprefix('gate:')!r}" if gate else f"task #{task}"
    report = f" (report: {body.report})" if body.report else ""
    return f"BLOCKED, needs you: {what}: {body.reason or 'no reason given'}{report}"


def printable(text: str) -> str:
    """``text`` as any terminal can take it: a file's invalid bytes (lone surrogates)
    become U+FFFD instead of failing the print."""
    return text.encode("utf-8", "replace").decode("utf-8")


async def run_on_terminal(prepared: Prepared, *, ask: bool, on_idle: OnIdle | None = None) -> int:
    """A prepared session run to the end on the terminal: its notices first, then each
    event, and at the end each agent's status, the log and how to carry on; the exit code."""
    for notice in prepared.notices:
        warn(notice)
    outcome = await run_headless(prepared, HeadlessConsole(), ask=ask, on_idle=on_idle)
    for line in summary(prepared.supervisor, outcome.statuses):
        warn(line)
    for item in outcome.blocked:
        warn(f"still blocked, waiting for you: #{item.task}: {item.why}")
    if outcome.unfinished:
        warn(f"{len(outcome.unfinished)} task(s) of plan.md not done:")
        for line in outcome.unfinished:
            warn(f"  {line}")
    problem = prepared.supervisor.scheduler.problem
    if problem:
        warn(f"the scheduler could not handle an event: {problem}")
    print(f"cockpit: log {prepared.log.path}", file=sys.stderr)
    if not outcome.finished:
        print(f"cockpit: to continue: {resume_hint(prepared)}", file=sys.stderr)
    return outcome.exit_code


def _sandbox_line(request: ApprovalRequest) -> list[str]:
    if not request.widening:
        return []
    again = "runs it again" if request.rerun else "runs it"
    return [f"  sandbox: yes {again} with {visible(request.widening.words())} (this command only)"]
