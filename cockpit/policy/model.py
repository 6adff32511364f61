"""The policy engine's vocabulary: actions in, decisions out.

A `Decision` is what the agent runtime logs (`to_dict`) and acts on: tier 1 runs at once,
tier 2 runs after a snapshot, tier 3 waits for the human, `deny` never runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any, Literal, TypeAlias

FileOp: TypeAlias = Literal["read", "write", "edit", "delete", "list"]
TierWire: TypeAlias = Literal[1, 2, 3, "deny"]
"""A tier as rule files and the session log write it."""


class Tier(IntEnum):
    """How much autonomy an action gets, ordered by strictness: 1 < 2 < 3 < deny.

    An `IntEnum` because tiers are compared and ranked; the log and rule files keep their
    own spelling (`wire`: 1, 2, 3 or "deny"), so `DENY`'s value 4 never reaches a file.
    """

    RUN = 1
    """runs at once"""
    SNAPSHOT = 2
    """runs after a git snapshot"""
    ASK = 3
    """waits for the human's yes"""
    DENY = 4
    """never runs"""

    @property
    def wire(self) -> TierWire:
        """The tier as the log and rule files write it."""
        return "deny" if self is Tier.DENY else self.value  # type: ignore[return-value]

    def __str__(self) -> str:
        return str(self.wire)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


TIERS: tuple[Tier, ...] = tuple(Tier)


def severity(tier: Tier) -> int:
    """Order tiers by strictness: 1 < 2 < 3 < deny."""
    return int(tier)


def strictest(*tiers: Tier) -> Tier:
    """The strictest of `tiers` (tier 1 when there are none)."""
    return max(tiers, default=Tier.RUN)


def parse_tier(value: object) -> Tier | None:
    """A tier from its JSON/YAML form (`1`, `2`, `3`, `"deny"`), or None."""
    if isinstance(value, Tier):
        return value
    if isinstance(value, bool):
        return None
    if value == "deny":
        return Tier.DENY
    if isinstance(value, int | float) and value in (1, 2, 3):
        return Tier(int(value))
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
    """The policy's verdict on one action: its tier, every reason and every matched rule.

    `network` says the sandbox may give this very command the network: a check or rule that
    decided it says `network: true` (for tier 3, only once the human says yes; a session
    grant is that yes). Every other command runs without it.
    """

    tier: Tier
    reasons: tuple[str, ...]
    rules: tuple[RuleRef, ...]
    network: bool = False

    @property
    def severity(self) -> int:
        return int(self.tier)

    def is_stricter_than(self, other: Decision | Tier) -> bool:
        other_tier = other.tier if isinstance(other, Decision) else other
        return self.tier > other_tier

    def to_dict(self) -> dict[str, Any]:
        """The decision as the log writes it; `network` only when true, so the logs of
        commands without it read as they always have."""
        out: dict[str, Any] = {
            "tier": self.tier.wire,
            "reasons": list(self.reasons),
            "rules": [rule.to_dict() for rule in self.rules],
        }
        if self.network:
            out["network"] = True
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        """Rebuild a decision from `to_dict` output (e.g. read back from a session log)."""
        tier = parse_tier(data.get("tier"))
        if tier is None:
            raise ValueError(f"not a tier: {data.get('tier')!r}")
        rules = tuple(RuleRef(str(r["id"]), str(r["source"])) for r in data.get("rules", []))
        network = data.get("network", False) is True
        return cls(tier, tuple(str(r) for r in data.get("reasons", [])), rules, network)


@dataclass(frozen=True, slots=True)
class Assessment:
    """The policy's answer to one agent's action (`Policy.assess`)."""

    decision: Decision
    writes: tuple[str, ...] = ()
    """The real paths a shell command writes, as far as the policy can tell (logged)."""


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
