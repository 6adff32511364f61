"""What the terminal says when a session ends, on the screen or headless: each agent's
final status, where the log is, and the command that carries on."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.config.workspace import cockpit_command
from cockpit.safe_text import visible
from cockpit.session.status import AgentStatus

if TYPE_CHECKING:  # the screen imports this before its first frame, the supervisor after
    from cockpit.supervisor.core import Supervisor
    from cockpit.supervisor.launch import Prepared


def warn(text: str) -> None:
    """One line on stderr, its control characters shown (it may quote a file)."""
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
    waiting = _waiting_to_come_in(supervisor)
    if waiting:
        lines.append(waiting)
    return lines


def _waiting_to_come_in(supervisor: Supervisor) -> str:
    """A line when the session's integration branch holds merged work the user's branch
    lacks: it never comes in by itself, so the end of the session says so."""
    trees = supervisor.places.worktrees
    if trees is None:
        return ""
    integration = trees.integration
    done = subprocess.run(
        ["git", "-C", str(trees.top), "rev-list", "--count", f"HEAD..refs/heads/{integration}"],
        capture_output=True,
        text=True,
        check=False,
    )
    ahead = done.stdout.strip()
    if done.returncode != 0 or not ahead.isdigit() or ahead == "0":
        return ""
    return (
        f"{integration} has {ahead} commit(s) of merged work your branch lacks: "
        f"`{cockpit_command()} merge {trees.session} --bring-in` brings it in (it asks first)"
    )


def nothing_left(prepared: Prepared) -> None:
    """A resumed session whose agents all finished: its notices, and that it is done."""
    prepared.log.close()
    for notice in prepared.notices:
        print(f"cockpit: {visible(notice)}")
    print(f"cockpit: session {prepared.session} has nothing left to do")
