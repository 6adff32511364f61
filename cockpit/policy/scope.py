"""One agent's write scope, decided by the policy: what it may write (through any tool,
shell commands included, as far as the policy can read their writes) and, for an agent
given searching rather than a shell, read-only commands only. Each refusal is a `deny`
with its reason and the agent file as its rule, so `cockpit check`, audit and the prompt
show it like any other rule."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cockpit.policy.model import Decision, FileAction, RuleRef, ShellAction, Tier

_WRITES = ("write", "edit", "delete")


@dataclass(frozen=True, slots=True)
class WriteScope:
    """Where one agent may write: path globs relative to the workspace root."""

    agent: str
    source: str
    """The agent file (the deny's rule source)."""
    globs: tuple[str, ...]
    read_only_shell: bool = False
    """Its `bash` runs tier-1 commands only."""

    def allows(self, rel_path: str) -> bool:
        """Whether `rel_path` (relative to the workspace root, `/`-separated) is in scope.

        A glob matches the path or one of its parent folders: `src` covers `src/a.py`.
        `*` and `?` stay within one path segment; `**` spans any number of them.
        """
        parts = [p for p in rel_path.replace("\\", "/").split("/") if p not in ("", ".")]
        candidates = ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]
        return any(_glob(g).fullmatch(c) for g in self.globs for c in candidates)


def within_scope(
    decision: Decision,
    action: ShellAction | FileAction,
    writes: Sequence[str | None],
    scope: WriteScope,
    root: Path,
) -> Decision:
    """`decision`, made a deny when `action` writes outside `scope`.

    Inside the workspace the agent's scope decides; outside it, the policy's tier. A write
    whose target cannot be known (None) is out of scope.
    """
    top = os.path.realpath(root)
    if isinstance(action, ShellAction):
        outside = [
            t or "a path it cannot tell"
            for t in writes
            if t is None or (_inside(t, top) and not _may_write(scope, t, top))
        ]
        if outside:
            return _out_of_scope(decision, scope, outside[0])
        if scope.read_only_shell and decision.tier not in (Tier.RUN, Tier.DENY):
            why = (
                f"{scope.agent} may run read-only commands only: its file grants Grep, "
                f"not Bash (this one is tier {decision.tier})"
            )
            return _refused(decision, scope, why, "shell")
    elif action.op in _WRITES:
        path = str(action.path)
        if not _may_write(scope, str(Path(top, path)), top):
            return _out_of_scope(decision, scope, _shown(action.path, root))
    return decision


def _out_of_scope(decision: Decision, scope: WriteScope, path: str) -> Decision:
    globs = ", ".join(scope.globs) or "nothing"
    why = f"{path} is outside {scope.agent}'s scope (it may write: {globs})"
    return _refused(decision, scope, why, "scope")


def _refused(decision: Decision, scope: WriteScope, why: str, rule: str) -> Decision:
    """`decision` made a deny, its reasons kept and the agent file named as the rule."""
    ref = RuleRef(f"{rule}:{scope.agent}", scope.source)
    return Decision(Tier.DENY, (*decision.reasons, why), (*decision.rules, ref))


def _inside(path: str, top: str) -> bool:
    return os.path.commonpath([os.path.realpath(path), top]) == top


def _may_write(scope: WriteScope, path: str, top: str) -> bool:
    target = os.path.realpath(path)
    if os.path.commonpath([target, top]) != top:
        return False
    return scope.allows(os.path.relpath(target, top))


def _shown(path: Path, root: Path) -> str:
    """A file tool's path as the agent names it: relative inside the workspace."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))
