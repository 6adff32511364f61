"""A worktree and a branch per writing agent: made at session start, re-attached on
resume, never recreated behind the human's back.

`isolation()` answers either `AgentWorktrees` (a git repository with a commit) or
`SharedTree` (outside git, a repository without a commit yet, or ``--shared-tree``): the
session shows that answer in its header instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cockpit.safeguard.git_exclude import keep_out_of_status
from cockpit.worktrees.git import WorktreeError, git, last_line, output, ref_sha
from cockpit.worktrees.include import Included, copy_included
from cockpit.worktrees.layout import AgentTree, base_ref, integration_branch
from cockpit.worktrees.registry import (
    Registered,
    is_cockpit_lock,
    live_holder,
    lock,
    registered,
    unlock,
)
from cockpit.worktrees.state import checked_out


class WorktreeVanished(WorktreeError):
    """An agent's worktree is gone from disk (or from git's list) while its branch remains."""


@dataclass(frozen=True)
class SharedTree:
    """Every agent works in ``root``, as before worktrees; ``reason`` says why."""

    root: Path
    reason: str

    @property
    def header(self) -> str:
        return f"shared tree: {self.reason}"


@dataclass(frozen=True)
class Worktree:
    """An agent's own checkout: its tools, policy root and sandbox bind are ``path``."""

    tree: AgentTree
    path: Path
    base: str
    reused: bool
    included: Included

    @property
    def branch(self) -> str:
        return self.tree.branch


def isolation(
    root: Path, session: str, base: str | None = None, *, shared: bool = False
) -> AgentWorktrees | SharedTree:
    """The session's worktrees in the repository at ``root``, or why agents share it.

    ``base`` (a ref or a SHA) is where the session's branches start; None means HEAD at
    the first call and the recorded base on resume. A base that names another commit
    than the one recorded for ``session`` is refused.
    """
    if shared:
        return SharedTree(root, "--shared-tree: every agent works in this folder")
    try:
        probe = git(root, "rev-parse", "--show-toplevel", "--git-common-dir", check=False)
    except WorktreeError:
        return SharedTree(root, "git is not installed: every agent works in this folder")
    if probe.returncode != 0:
        return SharedTree(root, "not a git repository: every agent works in this folder")
    top_line, common_line = probe.stdout.splitlines()[:2]
    top = Path(top_line)
    common = Path(common_line) if Path(common_line).is_absolute() else root / common_line
    stored = ref_sha(top, base_ref(session))
    if base is None and stored is None and ref_sha(top, "HEAD") is None:
        return SharedTree(root, "the repository has no commit yet: every agent works here")
    wanted = ref_sha(top, base or "HEAD") if base is not None or stored is None else stored
    if wanted is None:
        raise WorktreeError(f"--base {base}: no such commit in {top}")
    if stored is not None and stored != wanted:
        raise WorktreeError(
            f"session {session} started from {stored[:12]}; --base {base} names "
            f"{wanted[:12]}: resume without --base"
        )
    if stored is None:
        _create_ref(top, base_ref(session), wanted)
    integration = f"refs/heads/{integration_branch(session)}"
    if ref_sha(top, integration) is None:
        _create_ref(top, integration, wanted)
    keep_out_of_status(common, top, root)
    return AgentWorktrees(root, top, session, wanted)


def _create_ref(top: Path, ref: str, sha: str) -> None:
    """Create ``ref`` at ``sha`` only if it does not exist (another session start racing
    this one wins, and this one reads what it wrote)."""
    out = git(top, "update-ref", ref, sha, "", check=False)
    if out.returncode != 0 and ref_sha(top, ref) != sha:
        raise WorktreeError(f"cannot create {ref}: {last_line(out.stderr)}")


class AgentWorktrees:
    """The worktrees of one session's agents."""

    def __init__(self, root: Path, top: Path, session: str, base: str) -> None:
        self.root = root.resolve()
        self.top = top
        self.session = session
        self.base = base

    @property
    def integration(self) -> str:
        return integration_branch(self.session)

    def attach(self, agent: str, *, reader: bool = False) -> Worktree:
        """The agent's worktree: the existing one on its branch (resume), else a new one
        from the base with `.worktreeinclude`'s files copied in. Locked for this process
        while the session runs. A ``reader`` (an agent that writes nothing: a reviewer)
        starts from the integration branch, where the work merged so far is.

        Raises:
            WorktreeVanished: its branch exists but its folder is gone.
            WorktreeError: git failed, the folder is taken, or another running session
                holds the worktree.
        """
        tree = AgentTree(self.session, agent)
        entries = registered(self.top)
        entry = next((e for e in entries if e.branch == tree.ref), None)
        head = ref_sha(self.top, tree.ref)
        path = tree.path(self.root)
        stray = next((e for e in entries if e.path.resolve() == path), None)
        if entry is None and stray is not None:
            found = checked_out(stray, tree)
            raise WorktreeError(
                f"{tree.label}'s worktree {path} is on {found}, not on {tree.branch}: "
                f"`git -C {path} switch {tree.branch}`, then resume"
            )
        if entry is not None and entry.exists:
            self._take(tree, entry)
            return Worktree(tree, entry.path, self.base, reused=True, included=Included())
        if entry is not None or head is not None:
            raise WorktreeVanished(self._vanished(tree, entry, head))
        if path.exists() or path.is_symlink():
            raise WorktreeError(f"{path} is in the way of agent {agent}'s worktree: move it aside")
        path.parent.mkdir(parents=True, exist_ok=True)
        start = self.base
        if reader:
            start = ref_sha(self.top, f"refs/heads/{self.integration}") or self.base
        git(self.top, "worktree", "add", "--quiet", "-b", tree.branch, str(path), start)
        lock(self.top, path, self.session)
        return Worktree(tree, path, self.base, reused=False, included=copy_included(self.top, path))

    def release(self, agent: str) -> None:
        """Unlock the agent's worktree at the session's end (it stays, with its branch)."""
        entry = _registered_on(self.top, AgentTree(self.session, agent).ref)
        if entry is not None and is_cockpit_lock(entry.locked):
            unlock(self.top, entry.path)

    def _take(self, tree: AgentTree, entry: Registered) -> None:
        holder = live_holder(entry.locked)
        if holder is not None and not holder.endswith("(this process)"):
            raise WorktreeError(f"{tree.label}'s worktree {entry.path} is in use by {holder}")
        if entry.locked is not None:
            if not is_cockpit_lock(entry.locked):
                raise WorktreeError(
                    f"{tree.label}'s worktree {entry.path} is locked: {entry.locked or 'no reason'}"
                )
            unlock(self.top, entry.path)
        lock(self.top, entry.path, self.session)

    def _vanished(self, tree: AgentTree, entry: Registered | None, head: str | None) -> str:
        path = entry.path if entry is not None else tree.path(self.root)
        if head is None:
            return f"{tree.label}: the worktree at {path} lost its branch {tree.branch}"
        ahead = output(self.top, "rev-list", "--count", f"{self.base}..{head}").strip()
        return (
            f"{tree.label}: the worktree at {path} disappeared; its branch {tree.branch} "
            f"is kept ({ahead} commit(s) ahead of the base). Restore it with "
            f"`git worktree prune && git worktree add {path} {tree.branch}`, or drop that "
            f"work with `cockpit worktrees discard {tree.label}`"
        )


def _registered_on(top: Path, ref: str) -> Registered | None:
    return next((entry for entry in registered(top) if entry.branch == ref), None)
