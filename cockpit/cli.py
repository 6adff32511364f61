"""The `cockpit` command. Each subsystem registers its own subcommands; this module only
dispatches and turns every failure into one clear line and a non-zero exit."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from cockpit import __version__
from cockpit.errors import CockpitError

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    from cockpit import demo, run_commands
    from cockpit.agent import commands as agent_commands
    from cockpit.policy import commands as policy_commands
    from cockpit.replay import commands as replay_commands
    from cockpit.session import commands as session_commands

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
    session_commands.register(sub)
    policy_commands.register(sub)
    agent_commands.register(sub)
    replay_commands.register(sub)
    run_commands.register(sub)
    demo.register(sub)
    return parser


def _route(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """Bare `cockpit [--agents a,b] [--plan p] [GOAL]` is `cockpit run ...` (the screen)."""
    commands: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            commands.update(action.choices)
    if argv and (argv[0] in commands or argv[0] in ("-h", "--help", "--version")):
        return argv
    return ["run", *argv]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_route(parser, list(sys.argv[1:] if argv is None else argv)))
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return handler(args)
    except CockpitError as exc:
        print(f"cockpit: {exc}", file=sys.stderr)
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
            f"cockpit: internal error: {type(exc).__name__}: {exc} "
            "(set COCKPIT_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return 70


def entrypoint() -> NoReturn:
    sys.exit(main())
