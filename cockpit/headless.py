"""A session without the screen: events printed as `log show` lines, tier 3 asked on the
terminal when there is one (and denied, ``by: headless``, when there is not)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TextIO

from cockpit.agent.runtime import DONE
from cockpit.config import Workspace
from cockpit.launch import LaunchOptions, Prepared, prepare_new, prepare_resume
from cockpit.session.events import Event
from cockpit.session.show import format_line
from cockpit.supervisor import PendingApproval, Supervisor, exit_code


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
        supervisor.subscribe(self.print_event)
        if ask:
            supervisor.subscribe_approvals(self._questions.put_nowait)
            self._asker = asyncio.ensure_future(self._ask_loop())

    def print_event(self, event: Event) -> None:
        print(format_line(event), file=self.out, flush=True)

    async def _ask_loop(self) -> None:
        while True:
            pending = await self._questions.get()
            if pending.future.done():
                continue
            request = pending.request
            lines = [
                "",
                f"=== {request.agent} wants to run a tier-{request.decision.tier} action ===",
                *(f"    {line}" for line in request.command.splitlines() or [""]),
                f"  cwd: {request.cwd}",
                *(f"  why: {reason}" for reason in request.decision.reasons),
                *(f"  rule: {r.id} ({r.source})" for r in request.decision.rules),
                "Approve? [y/N] ",
            ]
            self.out.write("\n".join(lines))
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


async def run_headless(prepared: Prepared, *, ask: bool) -> int:
    """Run a prepared session to the end without the screen; the exit code."""
    supervisor = prepared.supervisor
    console = HeadlessConsole(supervisor, ask=ask)
    interrupted = False
    try:
        if prepared.state is None:
            await supervisor.start(
                prepared.setups, prepared.kickoff, session_data=prepared.session_data
            )
        else:
            await supervisor.resume(prepared.setups, prepared.state, prepared.recovered)
        statuses = await supervisor.wait()
        statuses = await supervisor.end("finished")
    except asyncio.CancelledError:
        interrupted = True
        statuses = await supervisor.stop("interrupted")
    finally:
        console.close()
        prepared.log.close()
    for name, status in statuses.items():
        print(f"cockpit: {name}: {status}", file=sys.stderr)
    print(f"cockpit: log {prepared.log.path}", file=sys.stderr)
    if interrupted or not all(s == DONE for s in statuses.values()):
        print(f"cockpit: to continue: cockpit resume {prepared.session}", file=sys.stderr)
    if interrupted:
        return 130
    return exit_code(statuses)


def _options(args: argparse.Namespace, workspace: Workspace) -> LaunchOptions:
    agents = [a.strip() for a in args.agents.split(",") if a.strip()] if args.agents else None
    return LaunchOptions(
        workspace=workspace,
        agents=agents,
        plan=Path(args.plan) if args.plan else None,
        goal=getattr(args, "goal", None),
        session_dir=Path(args.session_dir).resolve() if args.session_dir else None,
        script=Path(args.script).resolve() if args.script else None,
        approval_timeout_s=args.approval_timeout,
        headless_deny=not sys.stdin.isatty(),
    )


def _run(args: argparse.Namespace) -> int:
    workspace = Workspace.discover(Path(args.cwd) if args.cwd else None)
    options = _options(args, workspace)
    if not args.headless:
        return open_screen(options, resume=None)
    prepared = prepare_new(options)
    return _drive(run_headless(prepared, ask=not options.headless_deny))


def _resume(args: argparse.Namespace) -> int:
    workspace = Workspace.discover(Path(args.cwd) if args.cwd else None)
    args.goal = None
    options = _options(args, workspace)
    if not args.headless:
        return open_screen(options, resume=args.session or "")
    prepared = prepare_resume(options, args.session)
    if not prepared.setups:
        prepared.log.close()
        print(f"cockpit: session {prepared.session} has nothing left to do")
        return 0
    return _drive(run_headless(prepared, ask=not options.headless_deny))


def open_screen(options: LaunchOptions, *, resume: str | None) -> int:
    """The Textual screen (imported only when wanted: the core never loads Textual)."""
    options.keep_alive = True
    options.headless_deny = False
    screen = importlib.import_module("cockpit.ui.app")
    return int(screen.open_screen(options, resume=resume))


def _drive(coro: Coroutine[Any, Any, int]) -> int:
    async def main() -> int:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        if task is not None:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signal.SIGTERM, task.cancel)
        return await coro

    return asyncio.run(main())


def _session_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--headless", action="store_true", help="no screen: print log lines")
    p.add_argument("--agents", help="comma-separated agent names (default: plan.md's owners)")
    p.add_argument("--plan", help="the plan file (default: plan.md in the workspace)")
    p.add_argument("--session-dir", help="where session logs go (default: .cockpit/sessions)")
    p.add_argument("--script", help="play a scripted backend YAML instead of calling a model")
    p.add_argument(
        "--approval-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="deny a tier-3 request nobody answers in time (recorded as a timeout)",
    )
    p.add_argument("--cwd", help=argparse.SUPPRESS)


def register(sub: Any) -> None:
    run = sub.add_parser(
        "run",
        help="start a session (--headless: without the screen)",
        description="Start a session in this repository.",
    )
    _session_arguments(run)
    run.add_argument("goal", nargs="?", help="what the session is for")
    run.set_defaults(handler=_run)

    resume = sub.add_parser(
        "resume",
        help="continue a session after a quit or a crash",
        description="Rebuild every agent from the session log and carry on.",
    )
    resume.add_argument("session", nargs="?", help="session id or log path (default: latest)")
    _session_arguments(resume)
    resume.set_defaults(handler=_resume)
