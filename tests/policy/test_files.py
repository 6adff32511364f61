"""File tool actions go through the same path rules as shell commands; the decision model;
and classification that fails closed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cockpit.policy.model import (
    Decision,
    FileAction,
    RuleRef,
    ShellAction,
    Tier,
    parse_tier,
    severity,
    strictest,
)
from cockpit.policy.programs import registry
from tests.policy.conftest import Sandbox


@pytest.mark.parametrize(
    ("op", "path", "tier"),
    [
        ("read", "README.md", 1),
        ("read", "src/app.py", 1),
        ("list", "src", 1),
        ("read", "/etc/hosts", 1),
        ("read", "link-to-ssh/id_rsa", 3),
        ("read", "creds", 3),
        ("list", "link-to-ssh", 3),
        ("write", "src/new_module.py", 1),
        ("write", "notes/new.md", 1),
        ("write", "README.md", 2),
        ("edit", "src/app.py", 2),
        ("delete", "src/util.py", 2),
        ("write", ".git/config", 3),
        ("write", ".git/hooks/pre-push", 3),
        ("edit", ".cockpit/rules/team.yaml", 3),
        ("write", ".claude/settings.json", 3),
        ("delete", ".gemini/x", 3),
        ("write", "../escape.txt", 3),
        ("write", "outside/escape.txt", 3),
        ("write", "src/../../escape.txt", 3),
        ("write", "/etc/passwd", 3),
        ("delete", "/", "deny"),
    ],
)
def test_file_actions(sandbox: Sandbox, op: str, path: str, tier: object) -> None:
    decision = sandbox.policy.classify(FileAction(op, Path(path)))  # type: ignore[arg-type]
    assert decision.tier.wire == tier, decision.reasons


def test_file_actions_in_home(sandbox: Sandbox) -> None:
    policy = sandbox.policy
    assert policy.classify(FileAction("read", sandbox.home / ".ssh/id_rsa")).tier == 3
    assert policy.classify(FileAction("read", sandbox.home / ".aws/credentials")).tier == 3
    decision = policy.classify(FileAction("write", sandbox.home / ".bashrc"))
    assert decision.tier == 3
    assert "shell-startup" in [r.id for r in decision.rules]
    assert policy.classify(FileAction("read", sandbox.home / ".bashrc")).tier == 1


def test_reasons_name_the_path_and_where_it_really_points(sandbox: Sandbox) -> None:
    decision = sandbox.policy.classify(ShellAction("cat link-to-ssh/id_rsa", sandbox.root))
    assert any("link-to-ssh/id_rsa → ~/.ssh/id_rsa" in r for r in decision.reasons)
    decision = sandbox.policy.classify(ShellAction("echo x >> README.md", sandbox.root))
    assert decision.reasons[0] == "changes README.md: echo x >> README.md"


def test_relative_paths_resolve_against_the_cwd(sandbox: Sandbox) -> None:
    policy = sandbox.policy
    assert policy.classify(ShellAction("echo x > app.py", sandbox.root / "src")).tier == 2
    assert policy.classify(ShellAction("echo x > app.py", sandbox.root)).tier == 1
    assert policy.classify(ShellAction("rm ../README.md", sandbox.root / "src")).tier == 2
    assert policy.classify(ShellAction("rm ../../x", sandbox.root / "src")).tier == 3


def test_decision_to_dict_and_back() -> None:
    decision = Decision(
        Tier.ASK,
        ("recursive deletion: rm -rf build",),
        (RuleRef("builtin:rm-recursive", "rules/default.yaml:42"),),
    )
    data = decision.to_dict()
    assert data == {
        "tier": 3,
        "reasons": ["recursive deletion: rm -rf build"],
        "rules": [{"id": "builtin:rm-recursive", "source": "rules/default.yaml:42"}],
    }
    assert Decision.from_dict(data) == decision
    denied = Decision(Tier.DENY, ("no",), ()).to_dict()
    assert json.dumps(denied["tier"]) == '"deny"'  # the log's spelling, never 4
    assert Decision.from_dict(denied).tier is Tier.DENY
    with pytest.raises(ValueError):
        Decision.from_dict({"tier": 7})


def test_tier_order() -> None:
    assert [severity(t) for t in Tier] == [1, 2, 3, 4]
    assert Tier.RUN < Tier.SNAPSHOT < Tier.ASK < Tier.DENY
    assert strictest(Tier.RUN, Tier.DENY, Tier.ASK) is Tier.DENY
    assert strictest() is Tier.RUN
    assert Decision(Tier.DENY, (), ()).is_stricter_than(Tier.ASK)
    assert not Decision(Tier.SNAPSHOT, (), ()).is_stricter_than(Decision(Tier.SNAPSHOT, (), ()))
    parsed = [parse_tier(v) for v in (1, "3", True, "deny", None, 4)]
    assert parsed == [Tier.RUN, None, None, Tier.DENY, None, None]
    assert [f"tier {t}" for t in Tier] == ["tier 1", "tier 2", "tier 3", "tier deny"]


def test_classification_fails_closed_when_knowledge_breaks(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(registry.HANDLERS, "ls", broken)
    decision = sandbox.policy.classify(ShellAction("ls", sandbox.root))
    assert decision.tier == 3
    assert "RuntimeError: boom" in decision.reasons[0]
    assert decision.rules[0].id == "builtin:internal-error"


def test_an_unknown_file_operation_is_tier_3(sandbox: Sandbox) -> None:
    decision = sandbox.policy.classify(FileAction("chmod", Path("x")))  # type: ignore[arg-type]
    assert decision.tier == 3
