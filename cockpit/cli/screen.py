"""The session screen as the CLI runs it: start or resume a session on the screen, run
it until the human quits, and say on the terminal how it ended. Textual is imported when
the screen runs, not with this module."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from cockpit.cli.farewell import nothing_left, resume_hint, summary
from cockpit.config.settings import ScreenSettings
from cockpit.safe_text import visible
from cockpit.session.events import Event
from cockpit.session.status import AgentStatus
from cockpit.supervisor.launch import LaunchOptions, NewSession, Prepared, begin_new, prepare_resume


@dataclass
class ScreenResult:
    """How a screen session ended."""

    prepared: Prepared
    exit_code: int
    statuses: dict[str, AgentStatus] = field(default_factory=dict)
    failure: str | None = None


def run_screen(
    session: Prepared | NewSession, config: ScreenSettings, history: Sequence[Event] = ()
) -> ScreenResult:
    """Run the screen until the human quits; the agents are stopped on the way out.

    Raises:
        CockpitError: a new session could not be opened (after its first frame).
    """
    from cockpit.ui.app import CockpitApp  # Textual loads with the screen, not before

    app = CockpitApp(session, config, history=history)

    async def main() -> int | None:
        try:
            return await app.run_async()
        finally:
            if app.started:
                app.statuses = await app.supervisor.stop("quit")
            if app.opened:
                app.prepared.log.close()

    code = asyncio.run(main())
    if app.open_error is not None:
        raise app.open_error
    if app.failure is not None:
        return ScreenResult(app.prepared, 1, app.statuses, app.failure)
    return ScreenResult(app.prepared, code or 0, app.statuses)


def open_screen(options: LaunchOptions, resume: str | None) -> int:
    """Start (``resume`` None) or resume a session on the screen; the exit code.

    ``resume`` is a session id or log path, or ``""`` for the latest session.
    """
    options = dataclasses.replace(options, keep_alive=True, headless_deny=False)
    config = options.settings.screen
    history: list[Event] = []
    session: Prepared | NewSession
    if resume is None:
        session = begin_new(options)  # opened after the first frame
    else:
        from cockpit.session.chain import read_events

        session = prepare_resume(options, resume or None)
        if not session.setups:
            nothing_left(session)
            return 0
        history = list(read_events(session.log.path))
    result = run_screen(session, config, history)
    print_farewell(result.prepared, result)
    return result.exit_code


def print_farewell(prepared: Prepared, result: ScreenResult) -> None:
    """What happened to each agent, where the log is, and how to carry on."""
    out = sys.stderr
    if result.failure is not None:
        print(f"cockpit: {visible(result.failure)}", file=out)
    for line in summary(prepared.supervisor, result.statuses):
        print(f"cockpit: {visible(line)}", file=out)
    print(f"cockpit: log {prepared.log.path}", file=out)
    print(f"cockpit: to continue: {resume_hint(prepared)}", file=out)
