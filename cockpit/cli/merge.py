"""`cockpit merge [SESSION] [--bring-in] [--yes] [--json]`: the merge ceremony of a session
whose cockpit is not running (the latest by default), every step appended to its log.

Triage, commit of finished agents' work, merge with checks onto
``cockpit/<session>/integration``: the user's checkout is not touched. Each skipped agent
gets a ``human.message`` saying why, which a resume delivers. ``--bring-in`` then shows the
diff summary and brings the integration branch into the checked-out branch on a "y"
(``--yes`` for scripts; without a terminal or ``--yes`` it is refused).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.errors import UsageError
from cockpit.safe_text import visible

if TYPE_CHECKING:
    from cockpit.config.workspace import Workspace
    from cockpit.policy.model import Decision
    from cockpit.sandbox.boundary import Executor
    from cockpit.session.events import Event
    from cockpit.session.kinds import EventBody, SessionStarted
    from cockpit.session.log import SessionLog
    from cockpit.supervisor.ceremony import CeremonyReport


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "merge",
        help="the merge ceremony: finished agents' branches onto the integration branch",
        description="Triage a session's agents, commit each finished agent's work onto "
        "its branch, merge the done-and-verified ones in plan order onto "
        "cockpit/<session>/integration with every merged task's verify (and `merge: "
        "integration:` from .cockpit/config.yaml), skipping what conflicts, fails or "
        "strays from its scope. Your checkout is untouched unless --bring-in.",
    )
    parser.add_argument("session", nargs="?", help="session id (default: the latest)")
    parser.add_argument(
        "--bring-in",
        action="store_true",
        help="then bring the integration branch into your checked-out branch (asks y/N)",
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="bring in without asking (for scripts); a tier-3 check is still asked",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--cwd", metavar="DIR", help="a directory inside the workspace")
    parser.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run the checks without the sandbox (with your full authority)",
    )
    parser.set_defaults(handler=merge_command)


def merge_command(args: argparse.Namespace) -> int:
    from cockpit.config.workspace import Workspace
    from cockpit.session.chain import read_events
    from cockpit.session.log import SessionLog
    from cockpit.supervisor.ceremony import already_told
    from cockpit.worktrees.state import repository_top

    start = Path(args.cwd or ".")
    if not start.is_dir():
        raise UsageError(f"--cwd {args.cwd}: no such directory")
    workspace = Workspace.discover(start)
    top = repository_top(workspace.root)
    if top is None:
        raise UsageError(
            f"{visible(str(workspace.root))} is not a git repository: nothing to merge"
        )
    path = _session_log(workspace, args.session)
    events = list(read_events(path))
    session = next((e.session for e in events), path.stem)
    _refuse_running(top, session)
    out = _Output(args.json)
    log = SessionLog.open(path, env=os.environ)
    try:
        report = asyncio.run(_ceremony(args, workspace, top, session, events, log, out))
        for note in report.notes:
            if already_told(events, note):
                out.say(f"{note.agent} was already told: {note.text.splitlines()[0]}")
                continue
            logged = log.append(note.message().kind, note.message().data(), agent=note.agent)
            out.event(logged, f"told {note.agent}: {note.text.splitlines()[0]}")
        if args.bring_in:
            _bring_in(args, top, session, report, log, out)
    finally:
        log.close()
    out.done(session, report)
    return 0


class _Output:
    """One line per step, or (``--json``) one object at the end."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.steps: list[dict[str, Any]] = []
        self.extra: dict[str, Any] = {}

    def event(self, event: Event, line: str | None = None) -> None:
        from cockpit.session.kinds import MergeChecked
        from cockpit.session.show import describe

        self.steps.append({"kind": event.kind, "agent": event.agent, **event.data})
        if not self.as_json:
            _state, action, result, more = describe(event)
            more = f" [{more}]" if more and event.kind != MergeChecked.kind else ""
            print(visible(line or f"{event.agent or 'session'}: {action}: {result}{more}"))

    def say(self, line: str) -> None:
        if not self.as_json:
            print(visible(line))

    def done(self, session: str, report: CeremonyReport) -> None:
        if not self.as_json:
            return
        result = report.result
        print(
            json.dumps(
                {
                    "session": session,
                    "integration": result.integration,
                    "before": result.before,
                    "after": result.after,
                    "merged": list(report.merged_agents),
                    "results": [
                        {
                            "agent": r.agent,
                            "branch": r.branch,
                            "outcome": str(r.outcome),
                            "why": r.why,
                            "paths": list(r.paths),
                        }
                        for r in result.results
                    ],
                    "left_out": [t.left_out() for t in report.triaged if not t.queued],
                    "notes": [{"agent": n.agent, "text": n.text} for n in report.notes],
                    "steps": self.steps,
                    **self.extra,
                },
                ensure_ascii=True,
                default=str,
            )
        )


def _session_log(workspace: Workspace, session: str | None) -> Path:
    sessions = workspace.sessions_dir
    if session:
        candidate = Path(session)
        if candidate.suffix == ".jsonl" and candidate.is_file():
            return candidate
        path = sessions / f"{session}.jsonl"
        if not path.is_file():
            raise UsageError(f"no session {visible(session)} in {visible(str(sessions))}")
        return path
    logs = sorted(sessions.glob("*.jsonl")) if sessions.is_dir() else []
    if not logs:
        raise UsageError(f"no session to merge in {visible(str(sessions))}")
    return logs[-1]


def _refuse_running(top: Path, session: str) -> None:
    """A live cockpit holds its agents' worktrees locked: its own screen merges them."""
    from cockpit.worktrees.registry import live_holder, registered

    prefix = f"refs/heads/cockpit/{session}/"
    for entry in registered(top):
        if entry.branch and entry.branch.startswith(prefix):
            holder = live_holder(entry.locked)
            if holder is not None:
                raise UsageError(
                    f"session {visible(session)} is running ({holder}): press M on its "
                    "screen to merge, or quit it first"
                )


async def _ceremony(
    args: argparse.Namespace,
    workspace: Workspace,
    top: Path,
    session: str,
    events: list[Event],
    log: SessionLog,
    out: _Output,
) -> CeremonyReport:
    from cockpit.agent.catalog import load_agents
    from cockpit.config.settings import load_settings
    from cockpit.plan.document import load_plan
    from cockpit.supervisor.ceremony import CeremonySetup, run_merge

    started = _started(events)
    settings = load_settings(workspace.config_file, screen=False)
    plan_path = Path(str(started.plan)) if started and started.plan else Path("plan.md")
    if not plan_path.is_absolute():
        plan_path = workspace.root / plan_path
    catalog = load_agents(workspace)
    setup = CeremonySetup(
        top=top,
        session=session,
        plan=load_plan(plan_path),
        scopes={name: defn.write_scope for name, defn in catalog.agents.items()},
        executor=_executor(args, started, settings.sandbox.enabled),
        env=dict(os.environ),
        sandbox=settings.sandbox,
        approve=_approve_on_terminal,
        integration=settings.merge.integration,
    )

    def record(body: EventBody, agent: str | None) -> None:
        out.event(log.append(body.kind, body.data(), agent=agent))

    try:
        return await run_merge(setup, events, record)
    finally:
        setup.executor.close()


def _started(events: list[Event]) -> SessionStarted | None:
    from cockpit.session.kinds import SessionStarted

    for event in events:
        body = event.body
        if isinstance(body, SessionStarted):
            return body
    return None


def _executor(args: argparse.Namespace, started: SessionStarted | None, enabled: bool) -> Executor:
    """The session's way of running commands: bubblewrap, unless the session (or this
    command) ran without it."""
    from cockpit.sandbox.local import LocalBwrap
    from cockpit.sandbox.probe import SandboxUnavailable, require
    from cockpit.sandbox.unsandboxed import Unsandboxed

    label = str(started.sandbox or "") if started is not None else ""
    if args.no_sandbox or label.startswith("off") or not enabled:
        return Unsandboxed()
    try:
        return LocalBwrap(require())
    except SandboxUnavailable as exc:
        raise UsageError(f"{exc}; to run the checks unsandboxed: --no-sandbox") from None


async def _approve_on_terminal(command: str, decision: Decision) -> bool:
    """A tier-3 check command runs on a "y" typed on a terminal, never on ``--yes``: that
    answers the bring-in, not commands nobody has seen."""
    reasons = "; ".join(decision.reasons)
    return _ask(f"run the check `{command}` (tier 3: {reasons})", yes=False)


def _ask(question: str, yes: bool) -> bool:
    """Yes with ``--yes``, or a "y" typed on a terminal; no otherwise."""
    if yes:
        return True
    if not sys.stdin.isatty():
        return False
    try:
        answer = input(visible(f"{question}? [y/N] "))
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def _bring_in(
    args: argparse.Namespace,
    top: Path,
    session: str,
    report: CeremonyReport,
    log: SessionLog,
    out: _Output,
) -> None:
    from cockpit.supervisor.merge_bring import (
        BringInRefused,
        NothingToBringIn,
        bring_in,
        prepare_bring_in,
    )

    merged = _merged_agents(log.path, session)
    try:
        plan = asyncio.run(prepare_bring_in(top, session, merged))
    except NothingToBringIn as exc:
        out.say(str(exc))
        out.extra["brought"] = {"done": False, "why": str(exc)}
        return
    except BringInRefused as exc:
        raise UsageError(str(exc)) from None
    for line in plan.summary():
        out.say(line)
    question = f"bring {plan.integration} into {plan.target}"
    if not args.yes and not sys.stdin.isatty():
        raise UsageError(f"not brought in: {question}? needs --yes (no terminal to ask on)")
    if not _ask(question, args.yes):
        out.extra["brought"] = {"done": False, "why": "the human said no"}
        raise UsageError("not brought in: your branch is as it was")
    by = "human (--yes)" if args.yes else "human"
    try:
        body = asyncio.run(bring_in(plan, by))
    except BringInRefused as exc:
        out.extra["brought"] = {"done": False, "why": str(exc)}
        raise UsageError(str(exc)) from None
    out.extra["brought"] = {"done": True, **body.data()}
    out.event(log.append(body.kind, body.data()))


def _merged_agents(path: Path, session: str) -> list[str]:
    """Every agent whose branch a ceremony of this session advanced the integration onto."""
    from cockpit.session.chain import read_events
    from cockpit.session.kinds import MergeAdvanced

    prefix = f"cockpit/{session}/"
    merged: list[str] = []
    for event in read_events(path):
        body = event.body
        if isinstance(body, MergeAdvanced) and str(body.branch).startswith(prefix):
            agent = str(body.branch).removeprefix(prefix)
            if agent not in merged:
                merged.append(agent)
    return merged
