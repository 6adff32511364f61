"""The merge ceremony's engine on real repositories: what lands on the integration branch,
what is skipped and why, what the log is told, and that the user's checkout never moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.errors import PolicyError
from cockpit.merge.ceremony import Candidate, CheckResult, Outcome, Queued, run_ceremony
from cockpit.merge.checkout import throwaway_worktree
from cockpit.merge.git import MergeError
from cockpit.merge.names import agent_branch, integration_branch
from cockpit.merge.radar import AgentHead, Radar
from cockpit.policy.scope import WriteScope
from cockpit.session.kinds import (
    MergeAdvanced,
    MergeChecked,
    MergeConflict,
    MergeQuarantined,
    MergeSkipped,
    MergeStarted,
)
from tests.merge.repos import (
    SESSION,
    Recorder,
    agent_worktree,
    checkout_fingerprint,
    command_check,
    commit_in,
    git,
    make_repo,
    merge_parents,
    passes,
    write,
)

INTEGRATION = integration_branch(SESSION)


def queued(agent: str, scope: tuple[str, ...] | None = None, tree: Path | None = None) -> Queued:
    write_scope = WriteScope(agent, f"{agent}.md", scope) if scope is not None else None
    return Queued(agent, agent_branch(SESSION, agent), write_scope, tree)


def file_on(repo: Path, ref: str, path: str) -> str:
    return git(repo, "show", f"{ref}:{path}")


async def test_two_branches_with_different_files_both_merge_and_the_checkout_is_untouched(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"README.md": "hello\n", "src/app.py": "A = 1\n"})
    # The user is mid-edit in their checkout: staged, unstaged and untracked work.
    write(repo, {"README.md": "hello, staged\n"})
    git(repo, "add", "README.md")
    write(repo, {"src/app.py": "A = 2  # unstaged\n", "notes.txt": "untracked\n"})
    before = checkout_fingerprint(repo)
    login = commit_in(agent_worktree(repo, "builder", base), {"src/login.py": "LOGIN = 1\n"})
    docs = commit_in(agent_worktree(repo, "writer", base), {"docs/guide.md": "# Guide\n"})
    record = Recorder()

    result = await run_ceremony(
        repo, base, INTEGRATION, [queued("builder"), queued("writer")], passes, record
    )

    assert result.merged == (agent_branch(SESSION, "builder"), agent_branch(SESSION, "writer"))
    assert file_on(repo, INTEGRATION, "src/login.py") == "LOGIN = 1\n"
    assert file_on(repo, INTEGRATION, "docs/guide.md") == "# Guide\n"
    assert file_on(repo, INTEGRATION, "src/app.py") == "A = 1\n"  # the user's edit stays theirs
    assert merge_parents(repo, INTEGRATION) == [login, docs]
    assert checkout_fingerprint(repo) == before
    assert record.kinds() == [
        MergeStarted.kind,
        MergeChecked.kind,
        MergeAdvanced.kind,
        MergeChecked.kind,
        MergeAdvanced.kind,
    ]
    first, second = record.of(MergeAdvanced)
    assert isinstance(first, MergeAdvanced) and isinstance(second, MergeAdvanced)
    assert (first.before, first.after, second.before) == (base, second.before, first.after)
    assert second.after == git(repo, "rev-parse", INTEGRATION).strip() == result.after


async def test_two_branches_editing_the_same_lines_the_radar_warns_and_the_second_conflicts(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"src/app.py": "def greet():\n    return 'hi'\n", "x.txt": "x\n"})
    one = commit_in(
        agent_worktree(repo, "builder", base), {"src/app.py": "def greet():\n    return 'hello'\n"}
    )
    two = commit_in(
        agent_worktree(repo, "fixer", base), {"src/app.py": "def greet():\n    return 'hey'\n"}
    )
    radar = Radar(repo, base)

    overlaps = await radar.scan([AgentHead("builder", one), AgentHead("fixer", two)])

    assert [(o.agents, o.paths, o.conflict, o.conflicts) for o in overlaps] == [
        (("builder", "fixer"), ("src/app.py",), True, ("src/app.py",))
    ]
    assert overlaps[0].event().data()["conflict"] is True
    record = Recorder()
    result = await run_ceremony(
        repo, base, INTEGRATION, [queued("builder"), queued("fixer")], passes, record
    )
    assert [r.outcome for r in result.results] == [Outcome.MERGED, Outcome.CONFLICT]
    (conflict,) = record.of(MergeConflict)
    assert isinstance(conflict, MergeConflict)
    assert conflict.branch == agent_branch(SESSION, "fixer")
    assert conflict.paths == ["src/app.py"]
    assert conflict.before == conflict.after == result.after
    (skip,) = record.of(MergeSkipped)
    assert isinstance(skip, MergeSkipped) and "src/app.py" in str(skip.why)
    assert result.results[1].why == skip.why  # what the fixer is told
    assert "'hello'" in file_on(repo, INTEGRATION, "src/app.py")
    assert merge_parents(repo, INTEGRATION) == [one]


async def test_a_branch_failing_its_check_is_skipped_and_the_others_merge(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"README.md": "hello\n"})
    commit_in(agent_worktree(repo, "builder", base), {"a.txt": "a\n"})
    commit_in(agent_worktree(repo, "breaker", base), {"BROKEN": "yes\n"})
    commit_in(agent_worktree(repo, "writer", base), {"b.txt": "b\n"})
    check = command_check(repo, "if [ -e BROKEN ]; then echo 'test_app FAILED'; exit 3; fi")
    record = Recorder()

    result = await run_ceremony(
        repo,
        base,
        INTEGRATION,
        [queued("builder"), queued("breaker"), queued("writer")],
        check,
        record,
    )

    assert [r.outcome for r in result.results] == [
        Outcome.MERGED,
        Outcome.CHECKS_FAILED,
        Outcome.MERGED,
    ]
    listed = git(repo, "ls-tree", "--name-only", INTEGRATION).split()
    assert sorted(listed) == ["README.md", "a.txt", "b.txt"]
    failed = [b for b in record.of(MergeChecked) if isinstance(b, MergeChecked) and not b.passed]
    assert [(b.branch, b.exit_code, b.output) for b in failed] == [
        (agent_branch(SESSION, "breaker"), 3, "test_app FAILED\n")
    ]
    assert "test_app FAILED" in result.results[1].why
    # The throwaway worktrees the checks ran in are gone, and unregistered.
    listed_trees = git(repo, "worktree", "list", "--porcelain")
    assert "cockpit-check-" not in listed_trees


async def test_an_untracked_file_outside_scope_quarantines_the_branch(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"src/app.py": "A = 1\n"})
    tree = agent_worktree(repo, "builder", base)
    commit_in(tree, {"src/login.py": "L = 1\n"})
    write(tree, {"deploy/secrets.yaml": "token: x\n"})  # never committed, never staged
    commit_in(agent_worktree(repo, "writer", base), {"docs/a.md": "a\n"})
    record = Recorder()

    result = await run_ceremony(
        repo,
        base,
        INTEGRATION,
        [queued("builder", ("src",), tree), queued("writer", ("docs",))],
        passes,
        record,
    )

    assert [r.outcome for r in result.results] == [Outcome.QUARANTINED, Outcome.MERGED]
    assert result.results[0].paths == ("deploy/secrets.yaml",)
    (quarantine,) = record.of(MergeQuarantined)
    assert isinstance(quarantine, MergeQuarantined)
    assert quarantine.paths == ["deploy/secrets.yaml"] and quarantine.scope == ["src"]
    assert "src/login.py" not in git(repo, "ls-tree", "-r", "--name-only", INTEGRATION)


async def test_a_branch_already_merged_is_not_merged_again(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"README.md": "hello\n"})
    head = commit_in(agent_worktree(repo, "builder", base), {"a.txt": "a\n"})
    await run_ceremony(repo, base, INTEGRATION, [queued("builder")], passes, Recorder())
    record = Recorder()

    again = await run_ceremony(repo, base, INTEGRATION, [queued("builder")], passes, record)

    assert [r.outcome for r in again.results] == [Outcome.ALREADY_MERGED]
    assert again.before == again.after
    assert merge_parents(repo, INTEGRATION) == [head]
    assert record.kinds() == [MergeStarted.kind, MergeSkipped.kind]


async def test_the_integration_branch_moved_by_someone_else_is_never_overwritten(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"README.md": "hello\n"})
    commit_in(agent_worktree(repo, "builder", base), {"a.txt": "a\n"})
    intruder = commit_in(agent_worktree(repo, "other", base), {"z.txt": "z\n"})

    async def meddling(candidate: Candidate) -> CheckResult:
        git(repo, "update-ref", f"refs/heads/{INTEGRATION}", intruder)
        return CheckResult(True, 0, "")

    with pytest.raises(MergeError, match="moved while cockpit merged"):
        await run_ceremony(repo, base, INTEGRATION, [queued("builder")], meddling, Recorder())
    assert git(repo, "rev-parse", INTEGRATION).strip() == intruder


async def test_a_branch_that_does_not_exist_is_skipped_by_name(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"README.md": "hello\n"})
    record = Recorder()
    result = await run_ceremony(repo, base, INTEGRATION, [queued("ghost")], passes, record)
    assert result.results[0].outcome is Outcome.MISSING
    assert "cockpit/s1/ghost" in result.results[0].why


async def test_a_base_git_cannot_read_fails_with_one_line(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_repo(repo, {"README.md": "hello\n"})
    with pytest.raises(MergeError, match="rev-parse failed") as caught:
        await run_ceremony(repo, "no-such-ref", INTEGRATION, [], passes, Recorder())
    assert "\n" not in str(caught.value)


async def test_checks_that_cannot_run_do_not_pass_and_leave_no_worktree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"README.md": "hello\n"})
    commit_in(agent_worktree(repo, "builder", base), {"a.txt": "a\n"})
    seen: list[Path] = []

    async def broken(candidate: Candidate) -> CheckResult:
        async with throwaway_worktree(repo, candidate.commit) as tree:
            seen.append(tree)
            assert (tree / "a.txt").read_text() == "a\n"  # the merge, checked out
            raise PolicyError("the sandbox is not available")

    result = await run_ceremony(repo, base, INTEGRATION, [queued("builder")], broken, Recorder())

    assert result.results[0].outcome is Outcome.CHECKS_FAILED
    assert "could not run: the sandbox is not available" in result.results[0].why
    assert result.after == base
    assert not seen[0].exists()
    assert str(seen[0]) not in git(repo, "worktree", "list", "--porcelain")


async def test_a_branch_queued_twice_is_merged_once_where_it_first_appears(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"README.md": "hello\n"})
    one = commit_in(agent_worktree(repo, "builder", base), {"a.txt": "a\n"})
    two = commit_in(agent_worktree(repo, "writer", base), {"b.txt": "b\n"})
    queue = [queued("builder"), queued("writer"), queued("builder")]
    result = await run_ceremony(repo, base, INTEGRATION, queue, passes, Recorder())
    assert [r.agent for r in result.results] == ["builder", "writer"]
    assert merge_parents(repo, INTEGRATION) == [one, two]


async def test_a_branch_checked_out_somewhere_is_never_merged_onto(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"README.md": "hello\n"})
    commit_in(agent_worktree(repo, "builder", base), {"a.txt": "a\n"})
    git(repo, "switch", "-q", "-c", INTEGRATION)  # the user checked it out to look at it
    before = checkout_fingerprint(repo)
    with pytest.raises(MergeError, match=f"{INTEGRATION} is checked out in {repo}"):
        await run_ceremony(repo, base, INTEGRATION, [queued("builder")], passes, Recorder())
    assert checkout_fingerprint(repo) == before
