"""Session grants: the narrow rule offered for a tier-3 command, what it allows, what it
never allows, and the refusals."""

from __future__ import annotations

import pytest

from cockpit.policy.model import ShellAction, Tier
from cockpit.policy.rules.grants import Grant
from tests.policy.conftest import Sandbox


def offer(sandbox: Sandbox, command: str) -> tuple[Grant | None, str | None]:
    action = ShellAction(command, sandbox.root)
    return sandbox.policy.grant_for(action), sandbox.policy.grant_refusal(action)


@pytest.mark.parametrize(
    ("command", "pattern"),
    [
        ("git push origin main", "git push …"),
        ("npm publish --tag next", "npm publish …"),
        ("curl -s https://example.com/api", "curl -s …"),
        ("rm -rf build", "rm -rf …"),
        ("timeout 60 cargo publish", "cargo publish …"),
        ("docker run --rm alpine true", "docker run …"),
        ("git status && git push", "git push …"),
    ],
)
def test_the_offered_grant_is_the_exact_program_and_subcommand(
    sandbox: Sandbox, command: str, pattern: str
) -> None:
    grant, refusal = offer(sandbox, command)
    assert refusal is None
    assert grant is not None and grant.pattern == pattern


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("bash -c 'curl x'", "inside bash -c"),
        ("eval 'curl x'", "inside eval"),
        ("sh script.sh --upload", "runs without asking"),
        ("python -c 'import urllib'", "runs without asking"),
        ("curl x | python", "python runs arbitrary code"),
        ("env -S 'curl x'", "env"),
        ("sudo ls", "sudo runs commands as another user"),
        ("git", "runs without asking"),
        ("git -c core.pager=sh log", "bare git"),
        ("$(echo curl) x", "computed at run time"),
        ('eval "$x"', "eval runs other commands"),
        ("ls", "runs without asking"),
        ("rm -rf /", "denies"),
        ("cat ~/.ssh/id_rsa", "not the program itself"),
        ("echo x > /etc/hosts", "not the program itself"),
        ("curl x && wget y", "more than one program"),
        ("xargs curl < list.txt", "through xargs"),
        ("sudo -u bob curl x", "sudo"),
    ],
)
def test_grants_are_refused_with_a_reason(sandbox: Sandbox, command: str, why: str) -> None:
    grant, refusal = offer(sandbox, command)
    assert grant is None
    assert refusal is not None and why in refusal, refusal


def test_a_grant_allows_the_same_program_and_subcommand_for_the_session(
    sandbox: Sandbox,
) -> None:
    policy = sandbox.policy
    grant, _ = offer(sandbox, "git push origin main")
    assert grant is not None
    policy.add_grant(grant)
    try:
        decision = policy.classify(ShellAction("git push origin feature", sandbox.root))
        assert decision.tier == 2
        assert grant.id in [r.id for r in decision.rules]
        assert any("allowed for this session" in r for r in decision.reasons)
        # Narrow: another subcommand, a force push, or other risks in the same command still ask.
        assert policy.classify(ShellAction("git push --force", sandbox.root)).tier == 3
        assert policy.classify(ShellAction("git reset --hard", sandbox.root)).tier == 3
        assert policy.classify(ShellAction("git push && curl x", sandbox.root)).tier == 3
        assert policy.classify(ShellAction("sudo git push", sandbox.root)).tier == 3
        assert policy.classify(ShellAction("git push > /etc/x", sandbox.root)).tier == 3
        assert policy.grants == (grant,)
    finally:
        assert policy.revoke_grant(grant.id)
    assert policy.grants == ()
    assert policy.classify(ShellAction("git push origin feature", sandbox.root)).tier == 3
    assert not policy.revoke_grant(grant)


def test_a_grant_never_overrides_deny(sandbox: Sandbox) -> None:
    policy = sandbox.policy
    grant = Grant("rm", ("-rf",), ("builtin:rm-recursive",))
    policy.add_grant(grant)
    try:
        assert policy.classify(ShellAction("rm -rf build", sandbox.root)).tier == 2
        assert policy.classify(ShellAction("rm -rf /", sandbox.root)).tier is Tier.DENY
        assert policy.classify(ShellAction("rm -rf ../elsewhere", sandbox.root)).tier == 3
    finally:
        policy.revoke_grant(grant)


def test_grants_round_trip_through_dicts() -> None:
    grant = Grant("npm", ("publish",), ("builtin:publish",))
    assert Grant.from_dict(grant.to_dict()) == grant
    assert grant.to_dict()["pattern"] == "npm publish …"
    assert grant.id == "grant:npm publish"
