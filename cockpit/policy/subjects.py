"""Subjects, items and how they settle into a decision.

Every part of an action is a *subject*: each program invocation, each path it touches, each
structural problem (parse errors, code computed at run time). A subject collects items from
three layers: built-in checks (layer 0), built-in YAML rules (1) and workspace rules (2).
Within a subject the highest layer that matched decides, except that a tier 3 never goes away
and `deny` always wins. A session grant lowers a program's tier 3 to 2. The decision is the
strictest subject, with every reason and rule.

An item may need the network (its check or rule says `network: true`); the decision then
lets the sandbox give this command the network, unless it is a deny. A tier 1 or 2 command
that gets the network without the human may not also run other code, which would have it
too: that makes the whole command tier 3.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from cockpit.policy.model import Decision, RuleRef, Tier
from cockpit.policy.programs.knowledge import Invocation
from cockpit.policy.rules.matching import Rule

if TYPE_CHECKING:
    from cockpit.policy.rules.grants import Grant

# NamedTuple construction without the Python-level `__new__` (the hot path makes many).
_new = tuple.__new__


class Item(NamedTuple):
    layer: int
    tier: Tier
    reason: str
    ref: RuleRef
    network: bool = False


RUNS_CODE = frozenset(
    "builtin:" + check for check in ("run-code", "inline-code", "local-install", "unknown-command")
)
"""Checks whose programs run code cockpit cannot see, which would use a network it is given."""


class Subject:
    """One part of an action that can carry risk: an invocation, a path, a structural
    problem. `kept` are the items that count once the layers are settled."""

    __slots__ = ("inv", "items", "kept", "kind", "op", "real", "recursive", "script")

    def __init__(
        self,
        kind: str,
        items: list[Item] | None = None,
        inv: Invocation | None = None,
        op: str = "",
        real: str | None = None,
        recursive: bool = False,
    ) -> None:
        self.kind = kind  # "command", "path" or "structure"
        self.items: list[Item] = items if items is not None else []
        self.inv = inv
        self.op = op
        self.real = real
        self.recursive = recursive
        self.kept: list[Item] = []
        self.script = ""
        """The shell code construct it was found in (`bash -c`, `eval`), if any."""

    @property
    def tier(self) -> Tier:
        return max((item.tier for item in self.kept), default=Tier.RUN)


@dataclass(slots=True)
class Evaluation:
    decision: Decision
    subjects: list[Subject]


class Collector:
    """Collects the subjects of one classification and settles them into a decision."""

    def __init__(
        self,
        checks: dict[str, tuple[Tier, RuleRef, bool]],
        grants: Callable[[], Sequence[Grant]],
    ) -> None:
        self.checks = checks
        self.grants = grants
        self.subjects: list[Subject] = []
        self.current = _NO_SUBJECT
        self.inv: Invocation | None = None

    def item(self, check: str, reason: str) -> Item:
        found = self.checks.get(check)
        if found is None:
            return Item(0, Tier.ASK, reason, RuleRef("builtin:" + check, "builtin"))
        return Item(0, found[0], reason, found[1], found[2])

    def structure(self, check: str, reason: str) -> None:
        subject = Subject("structure", [self.item(check, reason)])
        self.settle(subject)

    def settle(self, subject: Subject) -> None:
        items = subject.items
        if not items:
            return
        top = 0
        deny = three = False
        for item in items:
            if item.layer > top:
                top = item.layer
            if item.tier is Tier.ASK:
                three = True
            elif item.tier is Tier.DENY:
                deny = True
        if deny:
            subject.kept = [i for i in items if i.tier >= Tier.ASK]
        elif top == 0:
            subject.kept = items
        else:
            subject.kept = [i for i in items if i.layer == top or i.tier is Tier.ASK]
        inv = subject.inv
        if three and not deny and inv is not None:
            self._apply_grant(subject, inv)
        self.subjects.append(subject)

    def _apply_grant(self, subject: Subject, inv: Invocation) -> None:
        needed = {i.ref.id for i in subject.kept if i.tier is Tier.ASK}
        for grant in self.grants():
            if grant.matches(inv) and needed.issubset(grant.covers):
                was = "; ".join(i.reason for i in subject.kept if i.tier is Tier.ASK)
                reason = f"allowed for this session by grant '{grant.pattern}' (was: {was})"
                network = any(i.network for i in subject.kept)
                subject.kept = [Item(3, Tier.SNAPSHOT, reason, grant.ref, network)]
                return

    def decision(self) -> Decision:
        subjects = self.subjects
        if len(subjects) == 1 and len(subjects[0].kept) == 1:
            only = subjects[0].kept[0]
            if not only.network:
                return Decision(only.tier, (only.reason,) if only.reason else (), (only.ref,))
        kept = [item for subject in subjects for item in subject.kept]
        if not kept:
            return Decision(Tier.RUN, (), ())
        if any(item.network for item in kept):
            kept.extend(self._shared_network(kept))
        kept.sort(key=_strictness)
        reasons: dict[str, None] = {}
        refs: dict[tuple[str, str], RuleRef] = {}
        for item in kept:
            if item.reason:
                reasons[item.reason] = None
            ref = item.ref
            refs.setdefault((ref.id, ref.source), ref)
        tier = kept[0].tier
        network = tier is not Tier.DENY and any(item.network for item in kept)
        if network:
            reasons[_network_reason(tier, kept)] = None
        return Decision(tier, tuple(reasons), tuple(refs.values()), network)

    def _shared_network(self, kept: list[Item]) -> list[Item]:
        """A tier 3 item when a command that gets the network without asking would share it
        with a program running code of its own (`git fetch && python x.py`)."""
        if max(item.tier for item in kept) >= Tier.ASK:
            return []  # the human sees the whole command before it gets the network
        needs = next(s for s in self.subjects if any(i.network for i in s.kept))
        inv = needs.inv
        computed = inv is not None and (
            any(w.dynamic for w in inv.args) or any(v.dynamic for _, v in inv.cmd.assignments)
        )
        if computed:  # `git fetch origin refs/heads/x-$(cat .env)`: a file's content sent out
            assert inv is not None
            found = self.checks.get("network-client")
            ref = found[1] if found else RuleRef("builtin:network-client", "builtin")
            reason = (
                f"{short(inv.text, 60)} gets the network and part of it is computed when it "
                "runs (what it sends is not in the command)"
            )
            return [Item(0, Tier.ASK, reason, ref, True)]
        for subject in self.subjects:
            if subject.kind != "command" or any(i.network for i in subject.kept):
                continue
            if any(i.ref.id in RUNS_CODE or 0 < i.layer < 3 for i in subject.kept):
                what = subject.inv.text if subject.inv else "another program"
                needed = needs.inv.text if needs.inv else "this command"
                reason = (
                    f"{short(what, 60)} would run with the network that {short(needed, 60)} "
                    "gets; run them as separate commands"
                )
                found = self.checks.get("network-client")
                ref = found[1] if found else RuleRef("builtin:network-client", "builtin")
                return [Item(0, Tier.ASK, reason, ref, True)]
        return []

    def flag(self, check: str, what: str) -> None:
        inv = self.inv
        reason = f"{what}: {inv.text}" if inv else what
        found = self.checks.get(check)
        if found is None:
            self.current.items.append(self.item(check, reason))
        else:
            self.current.items.append(_new(Item, (0, found[0], reason, found[1], found[2])))


_NO_SUBJECT = Subject("structure")


def _strictness(item: Item) -> int:
    return -item.tier


def rule_item(rule: Rule, text: str, shown: str = "") -> Item:
    detail = f"{shown}, rule {rule.id}" if shown else f"rule {rule.id}"
    if rule.tier is Tier.DENY:
        reason = f"denied: {rule.justification} ({detail}): {text}"
    else:
        reason = f"{rule.justification} ({detail}): {text}"
    return Item(rule.layer, rule.tier, reason, rule.ref, rule.network)


def _network_reason(tier: Tier, kept: Sequence[Item]) -> str:
    """The line that tells the human (and the log) this command gets the network."""
    if tier is Tier.ASK:
        return "approving it also gives it the network (no other command has it)"
    ids = dict.fromkeys(item.ref.id for item in kept if item.network)
    return f"runs with the network ({', '.join(ids)} allows it for this command)"


def short(text: str, limit: int = 160) -> str:
    if len(text) <= limit and "\n" not in text and "  " not in text and "\t" not in text:
        return text
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
