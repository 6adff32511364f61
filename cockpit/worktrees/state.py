"""The state of every agent worktree of a repository: what would be lost if it went.

Work counts as merged when the integration branch of its session or the user's own branch
(the main checkout's HEAD) contains it. Dirty means staged, unstaged or untracked files;
ignored files are not work (a build output, a copied `.worktreeinclude` file) when the
repository's own checkout ignores them too: a file hidden only by a `.gitignore` the agent
wrote is work. Every fact comes from git; when git fails the listing fails, so nothing is
judged safe by a guess.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cockpit.worktrees.git import WorktreeError, git, output, ref_sha, z_list
from cockpit.worktrees.layout import AgentTree, base_ref, integration_branch, parse_branch
from cockpit.worktrees.registry import Registered, live_holder, registered


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str

    @property
    def short(self) -> str:
        return f"{self.sha[:10]} {self.subject}"


@dataclass(frozen=True)
class WorktreeState:
    """One agent's worktree and branch, as git sees them now."""

    session: str
    agent: str
    branch: str
    path: str
    exists: bool
    registered: bool
    head: str
    base: str | None
    integration: str | None
    ahead: int | None
    unmerged: list[Commit] = field(default_factory=list)
    staged: list[str] = field(default_factory=list)
    unstaged: list[str] = field(default_factory=list)
    untracked: list[str] = field(default_factory=list)
    locked: str | None = None
    in_use_by: str | None = None
    checked_out: str | None = None  # what its folder has checked out, when not its branch

    @property
    def label(self) -> str:
        return f"{self.session}/{self.agent}"

    @property
    def dirty(self) -> list[str]:
        return sorted({*self.staged, *self.unstaged, *self.untracked})

    @property
    def blockers(self) -> list[str]:
        """Why removing it would lose work or break a session; empty when it is safe."""
        found: list[str] = []
        if self.checked_out is not None:
            found.append(f"its worktree is on {self.checked_out}, not on {self.branch}")
        if self.in_use_by is not None:
            found.append(f"in use by {self.in_use_by}")
        elif self.locked is not None and not self.locked.startswith("cockpit session "):
            found.append(f"locked: {self.locked or 'no reason given'}")
        if self.unmerged:
            commits = ", ".join(c.short for c in self.unmerged)
            found.append(f"{len(self.unmerged)} unmerged commit(s): {commits}")
        for kind, paths in (
            ("staged", self.staged),
            ("unstaged", self.unstaged),
            ("untracked", self.untracked),
        ):
            if paths:
                found.append(f"{kind}: {', '.join(paths)}")
        return found

    @property
    def safe_to_remove(self) -> bool:
        return not self.blockers

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            label=self.label,
            dirty=self.dirty,
            safe_to_remove=self.safe_to_remove,
            blockers=self.blockers,
        )
        return data


def repository_top(root: Path) -> Path | None:
    """The top of the repository at ``root``, None outside git."""
    out = git(root, "rev-parse", "--show-toplevel", check=False)
    return Path(out.stdout.strip()) if out.returncode == 0 else None


def states(top: Path, root: Path | None = None) -> list[WorktreeState]:
    """Every agent branch ``cockpit/<session>/<agent>`` and its worktree, sorted."""
    root = (root or top).resolve()
    entries = registered(top)
    by_branch = {entry.branch: entry for entry in entries if entry.branch}
    by_path = {entry.path.resolve(): entry for entry in entries}
    user_head = entries[0].head if entries else None
    listing = output(
        top, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/cockpit/"
    )
    found: list[WorktreeState] = []
    for line in listing.splitlines():
        ref, _, head = line.partition(" ")
        tree = parse_branch(ref)
        if tree is not None:
            entry = by_branch.get(ref) or by_path.get(tree.path(root))
            found.append(state_of(top, tree, head, entry, user_head, root))
    return sorted(found, key=lambda s: (s.session, s.agent))


def find(top: Path, tree: AgentTree, root: Path | None = None) -> WorktreeState:
    for state in states(top, root):
        if (state.session, state.agent) == (tree.session, tree.agent):
            return state
    raise WorktreeError(f"no agent branch {tree.branch} in {top}")


def state_of(
    top: Path,
    tree: AgentTree,
    head: str,
    entry: Registered | None,
    user_head: str | None,
    root: Path,
) -> WorktreeState:
    base = ref_sha(top, base_ref(tree.session))
    integration = ref_sha(top, f"refs/heads/{integration_branch(tree.session)}")
    merged_into = [sha for sha in (base, integration, user_head) if sha]
    path = entry.path if entry is not None else tree.path(root)
    exists = entry is not None and entry.exists
    staged, unstaged, untracked = _dirty(path) if exists else ([], [], [])
    if exists:
        untracked = sorted({*untracked, *_hidden(path, top)})
    ahead = int(output(top, "rev-list", "--count", f"{base}..{head}")) if base else None
    return WorktreeState(
        session=tree.session,
        agent=tree.agent,
        branch=tree.branch,
        path=str(path),
        exists=exists,
        registered=entry is not None,
        head=head,
        base=base,
        integration=integration,
        ahead=ahead,
        unmerged=_unmerged(top, head, merged_into),
        staged=staged,
        unstaged=unstaged,
        untracked=untracked,
        locked=entry.locked if entry is not None else None,
        in_use_by=live_holder(entry.locked) if entry is not None else None,
        checked_out=checked_out(entry, tree),
    )


def checked_out(entry: Registered | None, tree: AgentTree) -> str | None:
    """What the agent's folder has checked out instead of its branch, or None."""
    if entry is None or entry.branch == tree.ref:
        return None
    if entry.branch is None:
        return f"a detached HEAD ({(entry.head or '?')[:10]})"
    return entry.branch.removeprefix("refs/heads/")


def _unmerged(top: Path, head: str, merged_into: list[str]) -> list[Commit]:
    """The branch's commits that none of ``merged_into`` contains, newest first."""
    text = output(top, "log", "-z", "--format=%H%x1f%s", head, "--not", *merged_into, "--")
    commits = []
    for record in z_list(text):
        sha, _, subject = record.strip("\n").partition("\x1f")
        commits.append(Commit(sha, subject))
    return commits


def _hidden(path: Path, top: Path) -> list[str]:
    """Files the worktree ignores that the repository's own checkout would not: ignored
    only by a `.gitignore` the agent wrote (``*`` in `src/`), they are work, not build
    output. What the checkout ignores too (a build folder, a `.worktreeinclude` copy) is
    not."""
    text = output(
        path, "status", "--porcelain=v1", "-z", "--ignored=matching", "--untracked-files=normal"
    )
    ignored = [entry[3:] for entry in z_list(text) if entry.startswith("!! ")]
    if not ignored:
        return []
    # check-ignore prints the paths the checkout ignores; it exits 1 when it ignores none
    seen = git(
        top,
        "check-ignore",
        "--no-index",
        "-z",
        "--stdin",
        check=False,
        stdin="\0".join(ignored) + "\0",
    )
    if seen.returncode not in (0, 1):
        raise WorktreeError(f"git check-ignore failed in {top}: {seen.stderr.strip()}")
    kept = set(z_list(seen.stdout))
    return [name for name in ignored if name not in kept]


def _dirty(path: Path) -> tuple[list[str], list[str], list[str]]:
    """Staged, unstaged and untracked paths of the worktree at ``path``."""
    text = output(
        path, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules=none"
    )
    staged: list[str] = []
    unstaged: list[str] = []
    untracked: list[str] = []
    entries = z_list(text)
    i = 0
    while i < len(entries):
        entry = entries[i]
        x, y, name = entry[0], entry[1], entry[3:]
        i += 1
        if x in "RC":
            i += 1  # the next entry is the rename's source
        if x == "?":
            untracked.append(name)
            continue
        if x not in " !":
            staged.append(name)
        if y not in " !":
            unstaged.append(name)
    return staged, unstaged, untracked
