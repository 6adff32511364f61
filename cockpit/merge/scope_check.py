"""Scope checked after the fact ("trust but verify"): before a branch may merge, every path
its agent changed is held against the agent's write scope, with the policy's own glob
semantics (`src/foo` covers `src/foo/a.py`, never `src/foobar.ts`). One path outside it
quarantines the branch: it is not merged, and the human is told which paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cockpit.merge.changes import ChangedPaths, changed_paths
from cockpit.policy.scope import WriteScope
from cockpit.session.kinds import MergeQuarantined


@dataclass(frozen=True, slots=True)
class Quarantine:
    """A branch held back: the paths its agent changed outside its scope."""

    agent: str
    branch: str
    head: str
    paths: tuple[str, ...]
    globs: tuple[str, ...]

    @property
    def reason(self) -> str:
        allowed = ", ".join(self.globs) or "nothing"
        stray = ", ".join(self.paths)
        return f"{self.agent} changed {stray} outside its scope (it may write: {allowed})"

    def event(self) -> MergeQuarantined:
        return MergeQuarantined(
            agent=self.agent,
            branch=self.branch,
            head=self.head,
            paths=list(self.paths),
            scope=list(self.globs),
            reason=self.reason,
        )


def outside_scope(changes: ChangedPaths, scope: WriteScope) -> tuple[str, ...]:
    """The changed paths ``scope`` does not allow, sorted."""
    return tuple(p for p in changes.all if not scope.allows(p))


async def check_scope(
    repo: Path,
    base: str,
    branch: str,
    head: str,
    scope: WriteScope,
    worktree: Path | None = None,
) -> Quarantine | None:
    """A `Quarantine` when the branch (committed and dirty work) strays outside ``scope``;
    None when every path is in it. A git failure raises `MergeError`."""
    changes = await changed_paths(repo, base, head, worktree)
    stray = outside_scope(changes, scope)
    if not stray:
        return None
    return Quarantine(scope.agent, branch, head, stray, scope.globs)
