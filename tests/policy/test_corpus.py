"""The labelled corpus: every command classified to its expected tier, with reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cockpit.policy.model import ShellAction, parse_tier
from tests.policy.conftest import Sandbox

CORPUS_FILE = Path(__file__).with_name("corpus.yaml")


def load_corpus() -> list[Any]:
    data = yaml.safe_load(CORPUS_FILE.read_text(encoding="utf-8"))
    cases = []
    for section, entries in data.items():
        for entry in entries:
            if isinstance(entry, dict):
                tier, command, cwd = entry["tier"], entry["cmd"], entry.get("cwd", ".")
            else:
                (tier, command), cwd = entry, "."
            cases.append(pytest.param(tier, command, cwd, id=f"{section[:12]}: {command[:60]}"))
    return cases


CASES = load_corpus()


def test_corpus_is_large_and_labelled() -> None:
    assert len(CASES) >= 300
    assert all(parse_tier(case.values[0]) is not None for case in CASES)
    commands = [case.values[1] for case in CASES]
    assert len(commands) == len(set(commands)), "duplicate corpus entries"


@pytest.mark.parametrize(("tier", "command", "cwd"), CASES)
def test_corpus(sandbox: Sandbox, tier: object, command: str, cwd: str) -> None:
    decision = sandbox.policy.classify(ShellAction(command, sandbox.root / cwd))
    assert decision.tier.wire == tier, f"{command!r} -> {decision.tier}: {list(decision.reasons)}"
    if decision.tier != 1:
        assert decision.reasons, "a risky decision must say why"
        assert decision.rules, "a risky decision must name its rules"
    assert not any("could not classify" in reason for reason in decision.reasons)
    for rule in decision.rules:
        assert rule.source, rule
