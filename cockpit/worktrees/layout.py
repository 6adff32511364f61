"""Where an agent's worktree lives and what its branch and refs are called.

The worktrees live under ``<workspace>/.cockpit/worktrees/<session>/<agent>``, not under
``.git/``: cockpit already keeps ``/.cockpit`` out of ``git status`` through
``info/exclude`` (safeguard/git_exclude.py), snapshots and rollbacks never touch it, the
human can ``cd`` into an agent's tree and open it in an editor (tools skip ``.git/``), and
the sandbox can bind the tree read-write while ``.git/`` stays read-only, without a
writable folder nested in a read-only one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cockpit.worktrees.git import WorktreeError

PREFIX = "cockpit"
INTEGRATION = "integration"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def checked_name(kind: str, name: str) -> str:
    """A session id or agent name usable as one path segment and one ref segment."""
    if not _NAME.match(name) or ".." in name or name.endswith((".lock", ".")):
        raise WorktreeError(
            f"{kind} {name!r} cannot name a branch: use letters, digits, '-', '_' or '.'"
        )
    return name


@dataclass(frozen=True)
class AgentTree:
    """The names of one agent's worktree in one session."""

    session: str
    agent: str

    def __post_init__(self) -> None:
        checked_name("session", self.session)
        checked_name("agent", self.agent)
        if self.agent == INTEGRATION:
            raise WorktreeError(
                f"an agent cannot be called {INTEGRATION!r}: that is the merge branch"
            )

    @classmethod
    def parse(cls, text: str) -> AgentTree:
        """``SESSION/AGENT`` as the CLI takes it."""
        session, slash, agent = text.partition("/")
        if not slash or not session or not agent:
            raise WorktreeError(f"{text!r} is not SESSION/AGENT")
        return cls(session, agent)

    @property
    def label(self) -> str:
        return f"{self.session}/{self.agent}"

    @property
    def branch(self) -> str:
        return f"{PREFIX}/{self.session}/{self.agent}"

    @property
    def ref(self) -> str:
        return f"refs/heads/{self.branch}"

    def path(self, workspace: Path) -> Path:
        return worktrees_dir(workspace) / self.session / self.agent


def integration_branch(session: str) -> str:
    return f"{PREFIX}/{checked_name('session', session)}/{INTEGRATION}"


def base_ref(session: str) -> str:
    """Where the session's base commit is kept: outside ``refs/heads`` so it is no branch
    anyone checks out, and reachable so git never collects it."""
    return f"refs/{PREFIX}/{checked_name('session', session)}/base"


def worktrees_dir(workspace: Path) -> Path:
    return workspace / ".cockpit" / "worktrees"


def parse_branch(ref: str) -> AgentTree | None:
    """The agent tree a ``refs/heads/cockpit/<session>/<agent>`` names, else None."""
    parts = ref.removeprefix("refs/heads/").split("/")
    if len(parts) != 3 or parts[0] != PREFIX or parts[2] == INTEGRATION:
        return None
    try:
        return AgentTree(parts[1], parts[2])
    except WorktreeError:
        return None
