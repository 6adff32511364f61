"""An agent's write scope is the policy's decision: a write outside it is a deny naming the
agent file as its rule, through a file tool or a shell command alike."""

from __future__ import annotations

import pytest

from cockpit.policy.model import FileAction, ShellAction, Tier
from cockpit.policy.scope import WriteScope
from tests.policy.conftest import Sandbox

DOCS = WriteScope("writer", ".cockpit/agents/writer.md", ("docs", "README.md"))
SEARCHER = WriteScope("searcher", ".claude/agents/searcher.md", (), read_only_shell=True)


@pytest.mark.parametrize(
    ("command", "tier"),
    [
        ("echo hi > docs/new.md", Tier.RUN),
        ("echo hi > src/app.py", Tier.DENY),
        ("rm docs/guide.md", Tier.SNAPSHOT),
        ("rm -f src/util.py", Tier.DENY),
        ("cat src/app.py", Tier.RUN),
    ],
)
def test_shell_writes_are_held_to_the_scope(sandbox: Sandbox, command: str, tier: Tier) -> None:
    assessment = sandbox.policy.assess(ShellAction(command, sandbox.root), DOCS)
    assert assessment.decision.tier is tier, assessment.decision.reasons


def test_an_out_of_scope_write_says_whose_scope_and_names_the_agent_file(
    sandbox: Sandbox,
) -> None:
    unscoped = sandbox.policy.assess(ShellAction("echo hi > src/app.py", sandbox.root))
    scoped = sandbox.policy.assess(ShellAction("echo hi > src/app.py", sandbox.root), DOCS)
    assert unscoped.decision.tier is Tier.SNAPSHOT
    real = str((sandbox.root / "src/app.py").resolve())
    assert scoped.writes == unscoped.writes == (real,)
    assert scoped.decision.reasons == (
        *unscoped.decision.reasons,
        f"{real} is outside writer's scope (it may write: docs, README.md)",
    )
    assert scoped.decision.rules[-1].to_dict() == {
        "id": "scope:writer",
        "source": ".cockpit/agents/writer.md",
    }
    assert scoped.decision.to_dict()["tier"] == "deny"


def test_file_tools_are_held_to_the_scope_and_reads_are_not(sandbox: Sandbox) -> None:
    policy = sandbox.policy
    write = policy.assess(FileAction("write", sandbox.root / "src/app.py"), DOCS).decision
    assert write.tier is Tier.DENY
    assert (
        write.reasons[-1] == "src/app.py is outside writer's scope (it may write: docs, README.md)"
    )
    assert policy.assess(FileAction("edit", sandbox.root / "README.md"), DOCS).decision.tier < 3
    assert policy.assess(FileAction("read", sandbox.root / "src/app.py"), DOCS).decision.tier == 1
    nothing = WriteScope("reviewer", "reviewer.md", ())
    denied = policy.assess(FileAction("write", sandbox.root / "docs/x.md"), nothing).decision
    assert denied.reasons[-1].endswith("(it may write: nothing)")


def test_a_write_whose_target_cannot_be_known_is_out_of_scope(sandbox: Sandbox) -> None:
    command = 'echo hi > "$(cat name.txt)"'
    everywhere = WriteScope("builder", "builder.md", ("**",))
    decision = sandbox.policy.assess(ShellAction(command, sandbox.root), everywhere).decision
    assert decision.tier is Tier.DENY
    assert "a path it cannot tell is outside builder's scope" in decision.reasons[-1]


def test_outside_the_workspace_the_policy_tier_decides(sandbox: Sandbox) -> None:
    scratch = sandbox.root.parent / "tmp" / "scratch.txt"
    plain = sandbox.policy.assess(ShellAction(f"echo hi > {scratch}", sandbox.root))
    scoped = sandbox.policy.assess(ShellAction(f"echo hi > {scratch}", sandbox.root), DOCS)
    assert scoped.decision == plain.decision
    assert scoped.decision.tier is not Tier.DENY


def test_a_searching_agent_runs_read_only_commands_only(sandbox: Sandbox) -> None:
    policy = sandbox.policy
    assert policy.assess(ShellAction("grep -r app src", sandbox.root), SEARCHER).decision.tier == 1
    make = policy.assess(ShellAction("make", sandbox.root), SEARCHER).decision
    assert make.tier is Tier.DENY
    assert make.reasons[-1] == (
        "searcher may run read-only commands only: its file grants Grep, not Bash "
        "(this one is tier 2)"
    )
    assert make.rules[-1].id == "shell:searcher"
