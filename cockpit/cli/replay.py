"""`cockpit replay LOG`: the replay screen, or ``--headless`` the lines `log show` prints, paced.

Registering imports nothing heavy: the player is imported by the handler.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.errors import LogError
from cockpit.safe_text import visible

if TYPE_CHECKING:
    from cockpit.config.settings import Settings
    from cockpit.replay.player import Player
    from cockpit.ui.replay import ReplayApp


def register(sub: Any) -> None:
    p = sub.add_parser(
        "replay",
        help="play a session log back",
        description=(
            "Play a session log back on the replay screen (space play/pause, + and - speed, "
            ". and , step, ] and [ next/previous approval, denial or error, 0-9 seek, Enter "
            "details), or with --headless print it as `cockpit log show` does, at the chosen "
            "speed. An index is kept beside the log (<session>.idx) so it reopens at once."
        ),
    )
    p.add_argument("log", type=Path, metavar="LOG", help="a .cockpit/sessions/<session>.jsonl")
    p.add_argument(
        "--headless", action="store_true", help="print the events instead of opening the screen"
    )
    p.add_argument(
        "--speed",
        type=_non_negative,
        default=1.0,
        metavar="X",
        help="playback speed (default 1; 0 prints as fast as possible)",
    )
    p.add_argument(
        "--idle-cap",
        type=_non_negative,
        default=2.0,
        metavar="S",
        help="shorten pauses longer than S seconds to S (default 2; 'inf' keeps them)",
    )
    p.add_argument(
        "--from",
        dest="start",
        type=_percent,
        default=0.0,
        metavar="PCT",
        help="start at this percentage of the session (0-100)",
    )
    p.add_argument(
        "--follow",
        "-f",
        action="store_true",
        help="keep playing events as they are written, until the session ends",
    )
    p.set_defaults(handler=_replay)


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if math.isnan(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def _percent(text: str) -> float:
    value = _non_negative(text.rstrip("%"))
    if value > 100:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100: {text!r}")
    return value


def _replay(args: argparse.Namespace) -> int:
    from cockpit.replay.player import Player

    screen: type[ReplayApp] | None = None
    if not args.headless:
        try:
            screen = _replay_app()
        except ModuleNotFoundError as exc:
            if exc.name != "cockpit.ui.replay":
                raise
            print("the replay screen is not available: use --headless", file=sys.stderr)
            return 2
    idle_cap = None if math.isinf(args.idle_cap) else args.idle_cap
    try:
        with Player.open(
            args.log, speed=args.speed or 1.0, idle_cap=idle_cap, follow=args.follow
        ) as player:
            if args.start:
                player.seek_fraction(args.start / 100)
            if screen is None:
                return play_headless(player, _print, speed=args.speed)
            return open_replay(screen, args.log, player)
    except LogError as exc:
        print(f"cockpit: {visible(str(exc))}", file=sys.stderr)
        return 1


def _replay_app() -> type[ReplayApp]:
    """The replay screen's app, imported only when it is wanted (it loads Textual)."""
    from cockpit.ui.replay import ReplayApp

    return ReplayApp


def has_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def open_replay(app_class: type[ReplayApp], log_path: Path, player: Player) -> int:
    """Play ``log_path`` back on the screen until the human quits; the exit code (1 when
    the log turned out damaged, after saying where; 2 without a terminal)."""
    if not has_terminal():
        print(
            "cockpit: the replay screen needs a terminal: use --headless to print the session",
            file=sys.stderr,
        )
        return 2
    from cockpit.ui.replay import STOP_WAIT_S

    app = app_class(player, settings_for(log_path).screen)
    try:
        code = app.run()
    finally:
        app.transport.stop()
        app.transport.wait_stopped(STOP_WAIT_S)
    if app.transport.failure is not None:
        print(f"cockpit: {visible(str(app.transport.failure))}", file=sys.stderr)
        return 1
    return code or 0


def settings_for(log_path: Path) -> Settings:
    """The settings of the workspace the log belongs to (a log kept elsewhere gets the
    defaults)."""
    from cockpit.config.settings import Settings, load_settings

    sessions = log_path.resolve().parent
    if sessions.name == "sessions" and sessions.parent.name == ".cockpit":
        return load_settings(sessions.parent / "config.yaml")
    return Settings()


def _print(line: str) -> None:
    print(line, flush=True)


def play_headless(
    player: Player,
    write: Callable[[str], None],
    *,
    speed: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Write each event from the player's position on as `log show` does, paced by the
    player (``speed`` 0: no pacing). Following, stop once the session has ended."""
    from cockpit.session.kinds import SessionEnded
    from cockpit.session.show import format_line

    ended = False
    if speed == 0:
        while True:
            events = player.take(4096)
            for event in events:
                write(format_line(event))
                ended = ended or event.kind == SessionEnded.kind
            if not events:
                if not player.follow or ended:
                    return 0
                sleep(0.2)
            elif ended and player.follow and player.position >= player.total:
                return 0
    player.play()
    while True:
        now = clock()
        for event in player.tick(now):
            write(format_line(event))
            ended = ended or event.kind == SessionEnded.kind
        if ended and player.follow and player.position >= player.total:
            return 0
        wait = player.next_due(clock())
        if wait is None:
            return 0
        sleep(min(wait, 0.5))
