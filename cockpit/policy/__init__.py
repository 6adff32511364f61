"""Tiered autonomy: classify shell commands and file tool calls into tier 1, 2, 3 or deny.

policy = Policy.load(workspace_root)
decision = policy.classify(ShellAction("git status && pwd", cwd))
decision.tier            # Tier.RUN (logged as 1)
decision.to_dict()       # {"tier": 1, "reasons": [...], "rules": [...]}
policy.assess(action, scope=agent.write_scope)  # an agent's action, its scope included

The names load on first use: the tiers and decisions (`model`) are small and every agent
module needs them, while the engine (tree-sitter, the bash grammar, the rule modules) is
tens of milliseconds that the screen's first frame does not wait for.

The layers, bottom up (each imports only from those before it):

- `model`      the vocabulary: actions in (`ShellAction`, `FileAction`), `Tier` (an ordered
               enum, written 1/2/3/"deny"), `Decision` and `Assessment` out
- `paths`      where a path really points: cwd, workspace, symlinks followed
- `shell/`     bash parsing and words: a command line -> the simple commands it runs
- `programs/`  one module per program family, and the registry that picks the handler
- `rules/`     rule files, how rules match, the built-in checks, session grants
- `subjects`   what a decision is about, and how its items settle into one tier
- `effects`    what a command does to paths: reads, writes, deletes, checked
- `classify`   one pure function from an action to a `Decision`
- `scope`      `WriteScope`: one agent's write scope, decided as a deny naming its file
- `engine`     `Policy`: the rules, the grants, `classify`, and `assess` for one agent

Git snapshots (`Safeguard`) live in `cockpit.safeguard`; they are re-exported here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cockpit.policy.engine import Policy
    from cockpit.policy.model import (
        TIERS,
        Action,
        Assessment,
        Decision,
        FileAction,
        FileOp,
        RuleRef,
        ShellAction,
        Tier,
        parse_tier,
        severity,
        strictest,
    )
    from cockpit.policy.rules.grants import Grant
    from cockpit.policy.scope import WriteScope
    from cockpit.safeguard.snapshots import Safeguard, Snapshot

_MODEL = (
    "TIERS",
    "Action",
    "Assessment",
    "Decision",
    "FileAction",
    "FileOp",
    "RuleRef",
    "ShellAction",
    "Tier",
    "parse_tier",
    "severity",
    "strictest",
)
_HOMES = {
    **dict.fromkeys(_MODEL, "cockpit.policy.model"),
    "Policy": "cockpit.policy.engine",
    "WriteScope": "cockpit.policy.scope",
    "Grant": "cockpit.policy.rules.grants",
    "Safeguard": "cockpit.safeguard.snapshots",
    "Snapshot": "cockpit.safeguard.snapshots",
}

__all__ = [
    "TIERS",
    "Action",
    "Assessment",
    "Decision",
    "FileAction",
    "FileOp",
    "Grant",
    "Policy",
    "RuleRef",
    "Safeguard",
    "ShellAction",
    "Snapshot",
    "Tier",
    "WriteScope",
    "parse_tier",
    "severity",
    "strictest",
]


def __getattr__(name: str) -> Any:
    """`from cockpit.policy import X` imports X's own module, and only that one."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
