"""The `cockpit` command. Each subsystem registers its own subcommands; this module only
dispatches and turns every failure into one clear line and a non-zero exit."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from cockpit import __version__
from cockpit.errors import CockpitError

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


Register = Callable[[Any], None]
"""A command module's `register(sub)`: adds its subcommands to the parser."""


def _log() -> Register:
    from cockpit.cli import log

    return log.register


def _policy() -> Register:
    from cockpit.cli import policy

    return policy.register


def _agents() -> Register:
    from cockpit.cli import agents

    return agents.register


def _replay() -> Register:
    from cockpit.cli import replay

    return replay.register


def _run() -> Register:
    from cockpit.cli import run

    return run.register


def _demo() -> Register:
    from cockpit.cli import demo

    return demo.register


def _sandbox() -> Register:
    from cockpit.cli import sandbox

    return sandbox.register


def _worktrees() -> Register:
    from cockpit.cli import worktrees

    return worktrees.register


def _init() -> Register:
    from cockpit.cli import init

    return init.register


def _merge() -> Register:
    from cockpit.cli import merge

    return merge.register


COMMANDS: dict[str, tuple[Callable[[], Register], str]] = {
    "audit": (_log, "verify a session log and report what ran and who allowed it"),
    "log": (_log, "read session logs"),
    "check": (_policy, "classify a shell command: tier, reasons and matched rules"),
    "rules": (_policy, "list the effective policy rules and their sources"),
    "rollback": (_policy, "restore the working tree to a tier-2 snapshot"),
    "agents": (
        _agents,
        "list the agents, their models, tools and write scope, and skipped agent files",
    ),
    "replay": (_replay, "play a session log back"),
    "run": (_run, "start a session (--headless: without the screen)"),
    "resume": (_run, "continue a session after a quit or a crash"),
    "sandbox": (_sandbox, "the OS sandbox: `sandbox check` tries escapes and says what holds"),
    "worktrees": (_worktrees, "the agents' worktrees and their unmerged work; `clean`, `discard`"),
    "merge": (_merge, "the merge ceremony: finished agents' branches onto the integration branch"),
    "init": (_init, "write a team into .cockpit/: agents, shared rules, a plan.md template"),
    "demo": (_demo, "an offline session with scripted agents: no API key needed"),
}
"""Each subcommand: the function that imports the module registering it, and its line in
`cockpit --help`.

Only the module of the command that runs is imported (the policy engine, the session log,
asyncio and the screen are each some tens of milliseconds), so `cockpit --help` imports
none and `cockpit check` only the policy's. The imports are real statements inside
functions, so the import contract sees them. A command missing here is not a command (a
bare word routes to `cockpit run GOAL`): tests/test_startup.py holds the table to what the
modules register.
"""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for ``command`` (its module registers it), or, for None, the top level
    with one line per command and no command module loaded."""
    parser = _Parser(
        prog="cockpit",
        usage=(
            "cockpit [--agents A,B] [--plan PLAN] [GOAL]   (a session on the screen)\n"
            "       cockpit COMMAND [...]"
        ),
        epilog="Try `cockpit demo` first: an offline session that needs no API key.",
        description=(
            "A terminal cockpit for supervising coding agents: tiered autonomy, "
            "a hash-chained session log, and plan.md as the steering wheel."
        ),
    )
    parser.add_argument("--version", action="version", version=f"cockpit {__version__}")
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser, prog="cockpit"
    )
    if command in COMMANDS:
        COMMANDS[command][0]()(sub)
    else:
        for name, (_module, help_line) in COMMANDS.items():
            sub.add_parser(name, help=help_line)
    return parser


def _route(argv: list[str]) -> list[str]:
    """Bare `cockpit [--agents a,b] [--plan p] [GOAL]` is `cockpit run ...` (the screen)."""
    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version")):
        return argv
    return ["run", *argv]


def main(argv: Sequence[str] | None = None) -> int:
    routed = _route(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser(routed[0] if routed else None)
    args = parser.parse_args(routed)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return handler(args)
    except CockpitError as exc:
        print(f"cockpit: {_shown(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cockpit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `cockpit log show x | head`: the reader went away; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # the last line of defence: never a traceback to the user
        if os.environ.get("COCKPIT_DEBUG"):
            raise
        print(
            f"cockpit: internal error: {type(exc).__name__}: {_shown(exc)} "
            "(set COCKPIT_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return 70


def _shown(exc: BaseException) -> str:
    """An error's message with its control characters shown (it may quote a file or a
    command); imported here so `--help` loads no more than it needs."""
    from cockpit.safe_text import visible

    return visible(str(exc))


def entrypoint() -> NoReturn:
    sys.exit(main())
