"""YAML rules: every load error names file:line; examples are checked; deny wins; a
workspace adds and raises but never lowers a built-in tier 3."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cockpit.errors import ConfigError
from cockpit.policy.engine import Policy
from cockpit.policy.model import ShellAction, Tier
from cockpit.policy.rules.checks import CHECKS


def workspace(tmp_path: Path, **files: str) -> Path:
    root = tmp_path / "ws"
    (root / ".cockpit/rules").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "src/app.py").write_text("x = 1\n")
    (tmp_path / "home/.ssh").mkdir(parents=True)
    for name, text in files.items():
        (root / ".cockpit/rules" / name).write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def load(root: Path) -> Policy:
    return Policy.load(root, home=root.parent / "home", temp_dir=root.parent / "tmp")


def classify(policy: Policy, root: Path, command: str) -> tuple[object, list[str], list[str]]:
    decision = policy.classify(ShellAction(command, root))
    return decision.tier, list(decision.reasons), [r.id for r in decision.rules]


def load_error(tmp_path: Path, text: str) -> str:
    root = workspace(tmp_path, **{"team.yaml": text})
    with pytest.raises(ConfigError) as info:
        load(root)
    return str(info.value)


# -- load errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules:\n  - id: a\n    tier: [1\n", ".cockpit/rules/team.yaml:4: invalid YAML"),
        (
            "rules:\n  - id: a\n    progam: npm\n    tier: 1\n    justification: x\n",
            ".cockpit/rules/team.yaml:3: unknown key 'progam' in rule",
        ),
        (
            "rules:\n  - program: npm\n    tier: 1\n    justification: x\n",
            ".cockpit/rules/team.yaml:2: rule is missing 'id'",
        ),
        (
            "rules:\n  - id: a\n    program: npm\n    tier: 4\n    justification: x\n",
            ".cockpit/rules/team.yaml:4: tier must be 1, 2, 3 or deny, not '4'",
        ),
        (
            "rules:\n  - id: a\n    program: npm\n    paths: [x]\n    tier: 1\n"
            "    justification: x\n",
            ".cockpit/rules/team.yaml:2: rule 'a' needs exactly one of 'program' or 'paths'",
        ),
        (
            "rules:\n  - id: a\n    paths: [x]\n    ops: [execute]\n    tier: 1\n"
            "    justification: x\n",
            ".cockpit/rules/team.yaml:4: unknown op 'execute'",
        ),
        (
            "rules:\n  - id: a\n    paths: [x]\n    args: [y]\n    tier: 1\n    justification: x\n",
            ".cockpit/rules/team.yaml:4: args only applies to program rules",
        ),
        (
            "rules:\n  - id: a\n    program: npm run\n    tier: 1\n    justification: x\n",
            ".cockpit/rules/team.yaml:3: program 'npm run' must be one word",
        ),
        (
            "rules:\n  - id: a\n    program: npm\n    tier: 1\n",
            ".cockpit/rules/team.yaml:2: rule is missing 'justification'",
        ),
        ("rulez: []\n", ".cockpit/rules/team.yaml:1: unknown key 'rulez'"),
        ("rules: {id: a}\n", ".cockpit/rules/team.yaml:1: rules must be a list"),
        ("version: 2\n", ".cockpit/rules/team.yaml:1: unsupported version"),
        (
            "checks:\n  rm-recursive: 1\n",
            ".cockpit/rules/team.yaml:2: cannot lower built-in check 'rm-recursive' from "
            "tier 3 to 1",
        ),
        (
            "checks:\n  unknown-command: 1\n",
            ".cockpit/rules/team.yaml:2: cannot lower built-in check 'unknown-command'",
        ),
        (
            "checks:\n  no-such-check: 3\n",
            ".cockpit/rules/team.yaml:2: unknown check 'no-such-check'",
        ),
        (
            "rules:\n  - id: builtin:x\n    program: a\n    tier: 1\n    justification: x\n",
            ".cockpit/rules/team.yaml:2: rule id 'builtin:x' must not",
        ),
        (
            "rules:\n  - id: a\n    program: npm\n    args: [publish]\n    tier: 3\n"
            "    justification: x\n    match: ['npm pack']\n",
            ".cockpit/rules/team.yaml:7: rule 'a': match example 'npm pack' does not match",
        ),
        (
            "rules:\n  - id: a\n    program: npm\n    tier: 3\n    justification: x\n"
            "    not_match:\n      - npm pack\n      - npx npm\n",
            ".cockpit/rules/team.yaml:7: rule 'a': not_match example 'npm pack' matches this rule",
        ),
        (
            "rules:\n  - id: a\n    paths: ['secrets/**']\n    ops: [read]\n    tier: 3\n"
            "    justification: x\n    match: ['echo x > secrets/key']\n",
            ".cockpit/rules/team.yaml:7: rule 'a': match example 'echo x > secrets/key' does not",
        ),
        (
            "rules:\n  - id: credentials\n    program: a\n    tier: 3\n    justification: x\n",
            ".cockpit/rules/team.yaml:2: duplicate rule id 'credentials' (first defined at "
            "rules/default.yaml:",
        ),
    ],
)
def test_bad_rule_files_fail_with_file_line_and_what(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert expected in load_error(tmp_path, text)


def test_the_cli_reports_a_bad_rule_file_in_one_line(tmp_path: Path) -> None:
    message = load_error(tmp_path, "rules:\n  - id: a\n    tier: 1\n")
    assert "\n" not in message


def test_builtin_rules_declare_every_check() -> None:
    policy = Policy.load(Path.cwd())
    assert set(policy.checks) == set(CHECKS)
    for check in policy.checks.values():
        assert check.source.startswith("rules/default.yaml:")
    assert policy.files[0] == "rules/default.yaml"


# -- matching and precedence ----------------------------------------------------------------


TEAM = """
rules:
  - id: no-publish
    program: npm
    args: [publish]
    tier: deny
    justification: releases go through CI
    match: ["npm publish", "timeout 60 npm publish --tag next"]
    not_match: ["npm pack", "npm run publish"]
  - id: tests-are-fine
    program: [pytest, tox]
    tier: 1
    justification: the test suite only touches tmp dirs
    match: ["pytest -x"]
  - id: make-targets
    program: make
    args: [[test, lint]]
    tier: 1
    justification: test and lint targets are read-only
    match: ["make test", "make lint -j4"]
    not_match: ["make deploy"]
  - id: allow-npm-publish
    program: npm
    args: [publish]
    tier: 1
    justification: a rule that tries to allow what another denies
  - id: let-me-rm
    program: rm
    tier: 1
    justification: tries to lower a built-in tier 3
  - id: curl-ok
    program: curl
    tier: 1
    justification: tries to lower network access
  - id: ssh-ok
    paths: ["~/.ssh/**"]
    tier: 1
    justification: tries to lower credential reads
  - id: no-ls
    program: ls
    args: ["-*R*"]
    tier: 3
    justification: recursive listings are slow here
    match: ["ls -laR"]
    not_match: ["ls -la"]
  - id: secrets
    paths: ["secrets/**", "**/*.pem"]
    ops: [read]
    tier: 3
    justification: reads secrets
    match: ["cat secrets/token", "grep -r x secrets", "cat src/server.pem"]
    not_match: ["echo x > secrets/new", "cat src/app.py"]
  - id: generated
    paths: ["src/generated/**"]
    ops: [write]
    tier: 1
    justification: generated code is rebuilt anyway
checks:
  unknown-command: 3
"""


def line_of(needle: str) -> int:
    lines = textwrap.dedent(TEAM).lstrip("\n").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


@pytest.fixture
def team(tmp_path: Path) -> tuple[Policy, Path]:
    root = workspace(tmp_path, **{"team.yaml": TEAM})
    (root / "src/generated").mkdir()
    (root / "src/generated/api.py").write_text("x\n")
    return load(root), root


def test_deny_wins_over_allow(team: tuple[Policy, Path]) -> None:
    policy, root = team
    tier, reasons, rules = classify(policy, root, "npm publish")
    assert tier is Tier.DENY
    assert "no-publish" in rules
    assert any("releases go through CI" in r for r in reasons)
    assert classify(policy, root, "ls && timeout 9 npm publish --tag x")[0] is Tier.DENY


def test_workspace_rules_lower_tier_2_to_1(team: tuple[Policy, Path]) -> None:
    policy, root = team
    assert classify(policy, root, "pytest -x tests")[0] == 1
    assert classify(policy, root, "make test")[0] == 1
    assert classify(policy, root, "make deploy")[0] == 2
    assert classify(policy, root, "echo x > src/generated/api.py")[0] == 1
    assert classify(policy, root, "echo x > src/app.py")[0] == 2


def test_workspace_rules_never_lower_a_builtin_tier_3(team: tuple[Policy, Path]) -> None:
    policy, root = team
    tier, _, rules = classify(policy, root, "rm -rf src")
    assert tier == 3 and "builtin:rm-recursive" in rules
    assert classify(policy, root, "curl https://example.com")[0] == 3
    tier, _, rules = classify(policy, root, f"cat {root.parent}/home/.ssh/id_rsa")
    assert tier == 3 and "credentials" in rules
    assert classify(policy, root, "echo x > .cockpit/rules/x.yaml")[0] == 3


def test_workspace_rules_add_and_raise(team: tuple[Policy, Path]) -> None:
    policy, root = team
    tier, reasons, rules = classify(policy, root, "ls -laR")
    assert tier == 3 and "no-ls" in rules
    assert any("recursive listings are slow here" in r for r in reasons)
    assert classify(policy, root, "ls -la")[0] == 1
    assert classify(policy, root, "frobnicate --now")[0] == 3  # unknown-command raised
    assert classify(policy, root, "cat secrets/token")[0] == 3
    assert classify(policy, root, "grep -r x secrets")[0] == 3


def test_decisions_name_rules_with_file_and_line(team: tuple[Policy, Path]) -> None:
    policy, root = team
    decision = policy.classify(ShellAction("npm publish", root))
    sources = {r.id: r.source for r in decision.rules}
    assert sources["no-publish"] == ".cockpit/rules/team.yaml:2"
    check = policy.classify(ShellAction("frobnicate", root)).rules[0]
    assert check.id == "builtin:unknown-command"
    assert check.source == f".cockpit/rules/team.yaml:{line_of('unknown-command: 3')}"


def test_rules_are_listed_with_sources(team: tuple[Policy, Path]) -> None:
    policy, _ = team
    assert policy.files == ("rules/default.yaml", ".cockpit/rules/team.yaml")
    by_id = {r.id: r for r in policy.rules}
    assert by_id["credentials"].source.startswith("rules/default.yaml:")
    assert by_id["make-targets"].source == f".cockpit/rules/team.yaml:{line_of('id: make-targets')}"
    assert by_id["make-targets"].describe() == "make {test,lint} …"
    assert by_id["secrets"].describe() == "read secrets/** **/*.pem"


def test_rule_files_load_in_name_order_and_ignore_other_files(tmp_path: Path) -> None:
    first = "rules:\n  - id: a\n    program: ls\n    tier: 2\n    justification: x\n"
    second = "rules:\n  - id: b\n    program: ls\n    tier: 3\n    justification: y\n"
    root = workspace(tmp_path, **{"b.yaml": second, "a.yml": first, "notes.md": "not rules"})
    policy = load(root)
    assert policy.files[1:] == (".cockpit/rules/a.yml", ".cockpit/rules/b.yaml")
    tier, _, rules = classify(policy, root, "ls")
    assert tier == 3
    assert {"a", "b"} <= set(rules)


def test_an_empty_rule_file_is_fine(tmp_path: Path) -> None:
    root = workspace(tmp_path, **{"empty.yaml": "# nothing yet\n"})
    assert classify(load(root), root, "ls")[0] == 1
