"""A session without the screen: events printed as `log show` lines, tier 3 asked on the
terminal when there is one (and denied, ``by: headless``, when there is not)."""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from cockpit.agent.runtime import ApprovalRequest
from cockpit.config.workspace import cockpit_command
from cockpit.safe_text import visible
from cockpit.session import events as k
from cockpit.session.events import Event
from cockpit.session.show import format_line
from cockpit.session.status import AgentStatus
from cockpit.supervisor.core import Supervisor, exit_code
from cockpit.supervisor.launch import Prepared
from cockpit.supervisor.updates import ApprovalAsked, Logged, PendingApproval, SessionUpdate


class HeadlessConsole:
    """Prints each event as it is logged and asks tier-3 questions one at a time."""

    def __init__(
        self,
        supervisor: Supervisor,
        *,
        out: TextIO | None = None,
        ask: bool = False,
        stdin: TextIO | None = None,
    ) -> None:
        self.supervisor = supervisor
        self.out = out or sys.stdout
        self.stdin = stdin or sys.stdin
        self._questions: asyncio.Queue[PendingApproval] = asyncio.Queue()
        self._asker: asyncio.Task[None] | None = None
        self._ask = ask
        supervisor.subscribe(self.on_update)
        if ask:
            self._asker = asyncio.ensure_future(self._ask_loop())

    def on_update(self, update: SessionUpdate) -> None:
        """Logged events are printed; questions are asked when there is a terminal."""
        match update:
            case Logged(event):
                self.print_event(event)
            case ApprovalAsked(pending) if self._ask:
                self._questions.put_nowait(pending)
            case _:
                pass  # stream chunks are the screen's

    def print_event(self, event: Event) -> None:
        print(printable(format_line(event)), file=self.out, flush=True)
        if event.kind == k.PLAN_CHANGED:
            for problem in event.data.get("problems") or ():
                if isinstance(problem, dict):
                    line, message = problem.get("line"), problem.get("message")
                    warn(f"plan.md line {line}: {message}")

    async def _ask_loop(self) -> None:
        while True:
            pending = await self._questions.get()
            if pending.future.done():
                continue
            request = pending.request
            self.out.write("\n".join(question(request)))
            self.out.flush()
            answer = await self._readline()
            if pending.future.done():  # settled meanwhile (a timeout)
                continue
            approved = answer.strip().lower() in ("y", "yes")
            reason = None if approved else "denied at the terminal"
            await self.supervisor.resolve(request.call, approved, "human", reason)

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

    def close(self) -> None:
        if self._asker is not None:
            self._asker.cancel()


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
        "Approve? [y/N] ",
    ]


def printable(text: str) -> str:
    """``text`` as any terminal can take it: a file's invalid bytes (lone surrogates)
    become U+FFFD instead of failing the print."""
    return text.encode("utf-8", "replace").decode("utf-8")


def warn(text: str) -> None:
    print(f"cockpit: {visible(text)}", file=sys.stderr, flush=True)


def resume_hint(prepared: Prepared) -> str:
    """The command that continues this session from the user's shell: the session id
    inside its workspace, the log's path from anywhere else."""
    root = prepared.supervisor.root.resolve()
    here = Path.cwd().resolve()
    inside = here == root or root in here.parents
    target = prepared.session if inside else shlex.quote(str(prepared.log.path))
    return f"{cockpit_command()} resume {target}"


def summary(supervisor: Supervisor, statuses: dict[str, AgentStatus]) -> list[str]:
    """One line per agent: its final status and, when it did not finish, why."""
    lines = []
    for name, status in statuses.items():
        runtime = supervisor.runtimes.get(name)
        why = runtime.detail if runtime is not None and status != AgentStatus.DONE else ""
        lines.append(f"{name}: {status}" + (f": {why}" if why else ""))
    return lines


OnIdle = Callable[[dict[str, AgentStatus]], Awaitable[bool]]


async def run_headless(prepared: Prepared, *, ask: bool, on_idle: OnIdle | None = None) -> int:
    """Run a prepared session to the end without the screen; the exit code.

    ``on_idle``: called with the statuses whenever every agent has stopped; True when it
    gave one something to do (the demo answering its reviewer), so the session goes on.
    """
    supervisor = prepared.supervisor
    for notice in prepared.notices:
        warn(notice)
    console = HeadlessConsole(supervisor, ask=ask)
    interrupted = False
    try:
        if prepared.state is None:
            await supervisor.start(
                prepared.setups, prepared.kickoff, session_data=prepared.session_data
            )
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
        console.close()
        prepared.log.close()
    for line in summary(supervisor, statuses):
        warn(line)
    print(f"cockpit: log {prepared.log.path}", file=sys.stderr)
    if interrupted or not all(s == AgentStatus.DONE for s in statuses.values()):
        print(f"cockpit: to continue: {resume_hint(prepared)}", file=sys.stderr)
    if interrupted:
        return 130
    return exit_code(statuses)
