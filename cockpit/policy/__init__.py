"""Tiered autonomy: classify shell commands and file tool calls into tier 1, 2, 3 or deny.

policy = Policy.load(workspace_root)
decision = policy.classify(ShellAction("git status && pwd", cwd))
decision.tier            # 1
decision.to_dict()       # {"tier": 1, "reasons": [...], "rules": [...]}
"""

from __future__ import annotations

from cockpit.policy.engine import Policy
from cockpit.policy.grants import Grant
from cockpit.policy.model import (
    TIERS,
    Action,
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
from cockpit.policy.safeguard import Safeguard, Snapshot

__all__ = [
    "TIERS",
    "Action",
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
    "parse_tier",
    "severity",
    "strictest",
]
