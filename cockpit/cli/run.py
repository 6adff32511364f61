"""`cockpit run` and `cockpit resume`. Registering them imports nothing heavy: the session
machinery (policy, backends, the screen) loads only when a command runs."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.config.workspace import Workspace
from cockpit.errors import UsageError

if TYPE_CHECKING:
    from cockpit.supervisor.launch import LaunchOptions


def _options(args: argparse.Namespace, workspace: Workspace) -> LaunchOptions:
    from cockpit.config.settings import load_settings
    from cockpit.supervisor.launch import LaunchOptions

    agents = [a.strip() for a in args.agents.split(",") if a.strip()] if args.agents else None
    base = getattr(args, "base", None)
    if base is not None and not base.strip():
        raise UsageError("--base: give a branch, tag or commit (it is where agents start)")
    return LaunchOptions(
        workspace=workspace,
        agents=agents,
        plan=Path(args.plan) if args.plan else None,
        goal=getattr(args, "goal", None),
        session_dir=_session_dir(args.session_dir, workspace) if args.session_dir else None,
        script=Path(args.script).resolve() if args.script else None,
        approval_timeout_s=args.approval_timeout,
        headless_deny=not sys.stdin.isatty(),
        continue_tasks=True if getattr(args, "continue_tasks", False) else None,
        confirm=ask_terminal if sys.stdin.isatty() else None,
        model=args.model,
        settings=load_settings(workspace.config_file, screen=not args.headless),
        no_sandbox=args.no_sandbox,
        base=base,
        shared_tree=getattr(args, "shared_tree", False),
    )


def _session_dir(given: str, workspace: Workspace) -> Path:
    """``--session-dir``, refused inside the repository unless under a `.cockpit/`: a
    snapshot would copy the logs into git and a rollback would restore or delete them."""
    path = Path(given).resolve()
    root = workspace.root.resolve()
    top = next((d for d in (root, *root.parents) if (d / ".git").exists()), root)
    inside = path == top or top in path.parents
    if inside and ".cockpit" not in path.relative_to(top).parts:
        raise UsageError(
            f"--session-dir {given}: inside the repository, session logs go under .cockpit/ "
            "(a snapshot would copy them, and a rollback could overwrite or delete them)"
        )
    return path


def ask_terminal(question: str) -> bool:
    """A yes/no question on the terminal, before any screen opens (Enter says yes)."""
    try:
        answer = input(f"cockpit: {question} [Y/n] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("", "y", "yes")


def _run(args: argparse.Namespace) -> int:
    workspace = Workspace.discover(Path(args.cwd) if args.cwd else None)
    options = _options(args, workspace)
    if not args.headless:
        return open_screen(options, resume=None)
    from cockpit.cli.headless import run_on_terminal
    from cockpit.supervisor.launch import prepare_new

    prepared = prepare_new(options)
    return _drive(run_on_terminal(prepared, ask=not options.headless_deny))


def _resume(args: argparse.Namespace) -> int:
    workspace = _recorded_workspace(args.session) or Workspace.discover(
        Path(args.cwd) if args.cwd else None
    )
    args.goal = None
    options = _options(args, workspace)
    if not args.headless:
        return open_screen(options, resume=args.session or "")
    from cockpit.cli.farewell import nothing_left
    from cockpit.cli.headless import run_on_terminal
    from cockpit.supervisor.launch import prepare_resume

    prepared = prepare_resume(options, args.session)
    unfinished = prepared.state is not None and prepared.state.unfinished_merge
    if not prepared.setups and not unfinished:  # a ceremony cut short is finished
        nothing_left(prepared)
        return 0
    return _drive(run_on_terminal(prepared, ask=not options.headless_deny))


def _recorded_workspace(session: str | None) -> Workspace | None:
    """The workspace a session log given by path was recorded in (so `cockpit resume
    LOG` works from any directory), or None for a session id or a log without one."""
    if not session or not session.endswith(".jsonl") or not Path(session).is_file():
        return None
    from cockpit.supervisor.launch import session_started

    root = session_started(Path(session)).workspace
    if isinstance(root, str) and Path(root).is_dir():
        return Workspace(Path(root))
    return None


def open_screen(options: LaunchOptions, *, resume: str | None) -> int:
    """The Textual screen (imported only when wanted: the core never loads Textual)."""
    options.keep_alive = True
    options.headless_deny = False
    # The cycle collector stays off until the first frame (the app turns it back on):
    # start-up allocates a great deal and frees almost nothing, so each collection on
    # the way would walk everything built so far for no gain.
    gc.disable()
    try:
        from cockpit.cli.screen import open_screen as run_on_screen

        return run_on_screen(options, resume)
    finally:
        gc.enable()


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
        "--model",
        help="the model of agents that name none or say `inherit`: an alias (opus, sonnet, "
        "haiku, fable) or a model id (default: $ANTHROPIC_MODEL, else sonnet)",
    )
    p.add_argument(
        "--approval-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="deny a tier-3 request nobody answers in time (recorded as a timeout)",
    )
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run agents' commands without the bubblewrap sandbox, with your full authority "
        "(the screen says UNSANDBOXED and the log records it)",
    )
    p.add_argument("--cwd", help=argparse.SUPPRESS)


def register(sub: Any) -> None:
    run = sub.add_parser(
        "run",
        help="start a session (--headless: without the screen)",
        description="Start a session in this repository.",
    )
    _session_arguments(run)
    run.add_argument(
        "--base",
        metavar="REF",
        help="where each agent's branch starts (default: HEAD); the session records it",
    )
    run.add_argument(
        "--shared-tree",
        action="store_true",
        help="every agent works in this folder, as without git (no worktree per agent)",
    )
    run.add_argument("goal", nargs="?", help="what the session is for")
    run.set_defaults(handler=_run)

    resume = sub.add_parser(
        "resume",
        help="continue a session after a quit or a crash",
        description="Rebuild every agent from the session log and carry on.",
    )
    resume.add_argument("session", nargs="?", help="session id or log path (default: latest)")
    resume.add_argument(
        "--continue",
        dest="continue_tasks",
        action="store_true",
        help="restart agents that stopped while plan.md still has open tasks for them",
    )
    _session_arguments(resume)
    resume.set_defaults(handler=_resume)
