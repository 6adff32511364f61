"""plan.md is the human's: an agent that writes it by any route other than update_task is
asked about (tier 3), and the prompt says it is the human's plan being edited."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cockpit.policy.engine import Policy
from cockpit.policy.model import FileAction, ShellAction
from tests.policy.conftest import Sandbox, make_sandbox

PLAN_REASON = "the human's plan: agents change it only through update_task"


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    sandbox = make_sandbox(tmp_path_factory.mktemp("plan"))
    (sandbox.root / "plan.md").write_text("# Plan\n- [ ] Fix it @builder\n")
    (sandbox.root / "sub").mkdir()
    os.symlink("plan.md", sandbox.root / "steering.md")
    return sandbox


def plan_reasons(reasons: tuple[str, ...]) -> list[str]:
    return [r for r in reasons if PLAN_REASON in r]


@pytest.mark.parametrize(
    "command",
    [
        "echo '- [x] Fix it @builder' >> plan.md",
        "printf x > ./plan.md",
        "sed -i 's/\\[ \\]/[x]/' plan.md",
        "echo x | tee plan.md",
        "echo x | tee -a plan.md",
        "cp README.md plan.md",
        "mv docs/guide.md plan.md",
        "rm plan.md",
        "rm -rf .",
        "git checkout -- plan.md",
        "git checkout plan.md",
        "git restore plan.md",
        "git restore .",
        "git stash",
        "git stash pop",
        "cd sub && echo x >> ../plan.md",
        "echo x > steering.md",
        "bash -c 'echo x >> plan.md'",
    ],
)
def test_a_shell_write_to_the_plan_is_tier_3_and_says_whose_plan_it_is(
    box: Sandbox, command: str
) -> None:
    decision = box.policy.classify(ShellAction(command, box.root))
    assert decision.tier == 3
    assert plan_reasons(decision.reasons), decision.reasons
    assert any(r.id == "builtin:plan-write" for r in decision.rules)


@pytest.mark.parametrize("op", ["write", "edit"])
@pytest.mark.parametrize("spelling", ["plan.md", "./plan.md", "sub/../plan.md", "steering.md"])
def test_a_file_tool_write_to_the_plan_is_tier_3_by_any_spelling(
    box: Sandbox, op: str, spelling: str
) -> None:
    for path in (box.root / spelling, Path(os.path.abspath(box.root / spelling))):
        decision = box.policy.classify(FileAction(op=op, path=str(path)))  # type: ignore[arg-type]
        assert decision.tier == 3
        (reason,) = plan_reasons(decision.reasons)
        assert reason.startswith("writes ") and "plan.md, the human's plan" in reason


@pytest.mark.parametrize(
    "command",
    ["cat plan.md", "grep -n verify plan.md", "echo x >> notes.md", "git checkout -- README.md"],
)
def test_reading_the_plan_or_writing_elsewhere_does_not_mention_it(
    box: Sandbox, command: str
) -> None:
    decision = box.policy.classify(ShellAction(command, box.root))
    assert not plan_reasons(decision.reasons)
    assert decision.tier in (1, 2, 3)


def test_reading_the_plan_with_a_file_tool_stays_tier_1(box: Sandbox) -> None:
    decision = box.policy.classify(FileAction(op="read", path=str(box.root / "plan.md")))
    assert decision.tier == 1


def test_the_plan_is_the_sessions_plan_path(tmp_path: Path) -> None:
    sandbox = make_sandbox(tmp_path)
    (sandbox.root / "docs/PLAN.md").write_text("# Plan\n")
    policy = Policy.load(
        sandbox.root,
        home=sandbox.home,
        temp_dir=tmp_path / "tmp",
        plan=sandbox.root / "docs/PLAN.md",
    )
    decision = policy.classify(ShellAction("echo x >> docs/PLAN.md", sandbox.root))
    assert decision.tier == 3
    assert plan_reasons(decision.reasons) == [
        f"writes docs/PLAN.md, {PLAN_REASON}: echo x >> docs/PLAN.md"
    ]
    other = policy.classify(ShellAction("echo x >> plan.md", sandbox.root))
    assert not plan_reasons(other.reasons)


def test_a_session_grant_never_covers_a_write_to_the_plan(box: Sandbox) -> None:
    """`A` on `git checkout -- README.md` allows that program for the session; the same
    program on plan.md still asks, and a write to the plan is never offered a grant."""
    policy = Policy.load(box.root, home=box.home, temp_dir=box.root.parent / "tmp")
    grant = policy.grant_for(ShellAction("git checkout -- README.md", box.root))
    assert grant is not None
    policy.add_grant(grant)
    granted = policy.classify(ShellAction("git checkout -- docs/guide.md", box.root))
    assert granted.tier == 2
    again = policy.classify(ShellAction("git checkout -- plan.md", box.root))
    assert again.tier == 3 and plan_reasons(again.reasons)
    refusal = policy.grant_refusal(ShellAction("sed -i s/a/b/ plan.md", box.root))
    assert refusal is not None and PLAN_REASON in refusal
