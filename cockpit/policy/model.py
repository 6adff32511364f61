"""The policy engine's vocabulary: actions in, decisions out.

A `Decision` is what the agent runtime logs (`to_dict`) and acts on: tier 1 runs at once,
tier 2 runs after a snapshot, tier 3 waits for the human, `deny` never runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeAlias

Tier: TypeAlias = Literal[1, 2, 3, "deny"]
FileOp: TypeAlias = Literal["read", "write", "edit", "delete", "list"]

TIERS: tuple[Tier, ...] = (1, 2, 3, "deny")
_SEVERITY: dict[object, int] = {1: 1, 2: 2, 3: 3, "deny": 4}


def severity(tier: Tier) -> int:
    """Order tiers by strictness: 1 < 2 < 3 < deny."""
    return _SEVERITY[tier]


def strictest(*tiers: Tier) -> Tier:
    """The strictest of `tiers` (tier 1 when there are none)."""
    best: Tier = 1
    for tier in tiers:
        if _SEVERITY[tier] > _SEVERITY[best]:
            best = tier
    return best


def parse_tier(value: object) -> Tier | None:
    """A tier from its JSON/YAML form (`1`, `2`, `3`, `"deny"`), or None."""
    if isinstance(value, bool):
        return None
    if value == 1:
        return 1
    if value == 2:
        return 2
    if value == 3:
        return 3
    if value == "deny":
        return "deny"
    return None


@dataclass(frozen=True, slots=True)
class RuleRef:
    """A rule or built-in check that contributed to a decision, with where it is defined."""

    id: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "source": self.source}


@dataclass(frozen=True, slots=True)
class Decision:
    """The policy's verdict on one action: its tier, every reason and every matched rule."""

    tier: Tier
    reasons: tuple[str, ...]
    rules: tuple[RuleRef, ...]

    @property
    def severity(self) -> int:
        return _SEVERITY[self.tier]

    def is_stricter_than(self, other: Decision | Tier) -> bool:
        other_tier = other.tier if isinstance(other, Decision) else other
        return _SEVERITY[self.tier] > _SEVERITY[other_tier]

    def to_dict(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "reasons": list(self.reasons),
            "rules": [rule.to_dict() for rule in self.rules],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        """Rebuild a decision from `to_dict` output (e.g. read back from a session log)."""
        tier = parse_tier(data.get("tier"))
        if tier is None:
            raise ValueError(f"not a tier: {data.get('tier')!r}")
        rules = tuple(RuleRef(str(r["id"]), str(r["source"])) for r in data.get("rules", []))
        return cls(tier, tuple(str(r) for r in data.get("reasons", [])), rules)


@dataclass(frozen=True, slots=True)
class ShellAction:
    """A shell command an agent wants to run, and the directory it would run in."""

    command: str
    cwd: Path


@dataclass(frozen=True, slots=True)
class FileAction:
    """A file tool call; `path` may be relative to the workspace root."""

    op: FileOp
    path: Path


Action: TypeAlias = ShellAction | FileAction
