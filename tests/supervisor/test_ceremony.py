"""The merge ceremony's driver, called as the live session will call it (`run_merge` with
a ``record`` and an ``approve``): triage verdicts and plan order, checks through the policy
and the sandbox, the notes for skipped agents, and the end marker."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from cockpit.agent.catalog import load_agents
from cockpit.config.settings import SandboxSettings
from cockpit.config.workspace import Workspace
from cockpit.plan.document import load_plan
from cockpit.policy.model import Decision
from cockpit.sandbox.boundary import Executor
from cockpit.sandbox.local import LocalBwrap
from cockpit.sandbox.probe import require
from cockpit.sandbox.unsandboxed import Unsandboxed
from cockpit.session.chain import read_events
from cockpit.session.events import Event
from cockpit.session.kinds import EventBody, MergeChecked, MergeFinished, MergeStarted
from cockpit.supervisor.ceremony import (
    CeremonyError,
    CeremonyReport,
    CeremonySetup,
    run_merge,
    unfinished_ceremony,
)
from cockpit.worktrees.layout import base_ref
from tests.cli.merge_sessions import Agent, make_session
from tests.worktrees.repos import git


class Recorded:
    """What the driver handed to ``record``: (body, agent) in order."""

    def __init__(self) -> None:
        self.items: list[tuple[EventBody, str | None]] = []

    def __call__(self, body: EventBody, agent: str | None) -> None:
        self.items.append((body, agent))

    def of(self, kind: type[EventBody]) -> list[tuple[EventBody, str | None]]:
        return [(b, a) for b, a in self.items if isinstance(b, kind)]


def _ceremony(
    root: Path,
    *,
    executor: Executor | None = None,
    integration: tuple[str, ...] = (),
    answers: list[bool] | None = None,
    env: dict[str, str] | None = None,
) -> tuple[CeremonyReport, Recorded, list[str]]:
    asked: list[str] = []

    async def approve(command: str, decision: Decision) -> bool:
        asked.append(f"{command} (tier {decision.tier.wire})")
        return (answers or [False]).pop(0)

    workspace = Workspace(root)
    setup = CeremonySetup(
        top=root,
        session="s1",
        plan=load_plan(root / "plan.md"),
        scopes={n: d.write_scope for n, d in load_agents(workspace).agents.items()},
        executor=executor or Unsandboxed(),
        env=env or {"PATH": "/usr/bin:/bin", "HOME": str(root.parent)},
        sandbox=SandboxSettings(),
        approve=approve,
        integration=integration,
    )
    events = list(read_events(root / ".cockpit/sessions/s1.jsonl"))
    recorded = Recorded()
    report = asyncio.run(run_merge(setup, events, recorded))
    return report, recorded, asked


def test_triage_queues_only_done_and_verified_work_in_plan_order(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(
        root,
        Agent("first", {"a.txt": "a\n"}),
        Agent("unverified", {"b.txt": "b\n"}, verified=False),
        Agent("failed", {"c.txt": "c\n"}, status="failed"),
        Agent("blocked", {"d.txt": "d\n"}, status="blocked"),
        Agent("idle", {}),
        Agent("last", {"e.txt": "e\n"}),
    )

    report, recorded, _ = _ceremony(root)

    verdicts = {t.agent: str(t.verdict) for t in report.triaged}
    assert verdicts == {
        "first": "done and verified",
        "unverified": "not verified",
        "failed": "failed",
        "blocked": "blocked",
        "idle": "no work",
        "last": "done and verified",
    }
    started = recorded.of(MergeStarted)[0][0]
    assert isinstance(started, MergeStarted)
    assert started.queue == ["cockpit/s1/first", "cockpit/s1/last"]
    why = {item["agent"]: item["why"] for item in started.left_out or []}
    assert why["unverified"] == "task build/unverified-work: `true` has not passed"
    assert why["idle"] == "cockpit/s1/idle has nothing against the base: nothing to merge"
    assert report.merged_agents == ("first", "last")


def test_plan_order_is_each_agents_first_task_not_the_order_they_started(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    make_session(root, Agent("zed", {"z.txt": "z\n"}), Agent("amy", {"a.txt": "a\n"}))
    plan = root / "plan.md"
    lines = plan.read_text().splitlines()
    plan.write_text("\n".join([lines[0], lines[1], *lines[4:6], *lines[2:4]]) + "\n")

    report, _recorded, _ = _ceremony(root)

    assert [r.agent for r in report.result.results] == ["amy", "zed"]


def test_an_agent_that_shared_the_tree_or_lost_its_file_is_left_out(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(root, Agent("builder", {"a.txt": "a\n"}), Agent("gone", {"g.txt": "g\n"}))
    (root / ".cockpit/agents/gone.md").unlink()
    git(root, "worktree", "remove", "--force", str(root / ".cockpit/worktrees/s1/builder"))
    git(root, "branch", "-D", "cockpit/s1/builder")

    report, _recorded, _ = _ceremony(root)

    verdicts = {t.agent: (str(t.verdict), t.why) for t in report.triaged}
    assert verdicts["builder"] == ("no worktree", "it worked in the shared tree: no branch")
    assert verdicts["gone"] == (
        "unknown agent",
        "its agent file is gone: its scope cannot be checked",
    )
    assert report.result.results == ()


def test_a_tier_3_check_asks_and_a_refusal_fails_the_merge(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(root, Agent("builder", {"a.txt": "a\n"}))

    report, recorded, asked = _ceremony(root, integration=("rm -rf build",), answers=[False])

    assert asked == ["rm -rf build (tier 3)"]
    assert report.merged_agents == ()
    checked = recorded.of(MergeChecked)[0][0]
    assert isinstance(checked, MergeChecked) and checked.passed is False
    assert checked.commands == [
        {"command": "true", "tier": 1, "exit_code": 0, "output": ""},
        {
            "command": "rm -rf build",
            "tier": 3,
            "refused": "refused: tier 3 and the human did not approve it",
        },
    ]
    assert "rm -rf build" in report.notes[0].text and report.notes[0].agent == "builder"


def test_a_tier_3_check_the_human_approves_runs(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(root, Agent("builder", {"a.txt": "a\n"}))

    report, _recorded, asked = _ceremony(root, integration=("rm -rf build",), answers=[True])

    assert asked == ["rm -rf build (tier 3)"]
    assert report.merged_agents == ("builder",)


def test_a_denied_check_fails_without_asking(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(root, Agent("builder", {"a.txt": "a\n"}))

    report, recorded, asked = _ceremony(root, integration=("chmod -R 777 /",))

    assert asked == []
    assert report.merged_agents == ()
    checked = recorded.of(MergeChecked)[0][0]
    assert isinstance(checked, MergeChecked)
    assert "denied by the policy" in str((checked.commands or [{}])[-1]["refused"])


def test_checks_run_in_the_sandbox_with_a_scrubbed_environment(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(root, Agent("builder", {"a.txt": "a\n"}), sandbox="bwrap")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ANTHROPIC_API_KEY": "sk-secret"}
    probe = 'test -e a.txt && test -z "$ANTHROPIC_API_KEY" && ! touch /usr/cockpit-probe'

    # Writing /usr is tier 3: the human says yes, and the sandbox still holds.
    report, recorded, asked = _ceremony(
        root, executor=LocalBwrap(require()), integration=(probe,), env=env, answers=[True]
    )

    checked = recorded.of(MergeChecked)[0][0]
    assert isinstance(checked, MergeChecked)
    assert report.merged_agents == ("builder",), checked.commands
    assert not Path("/usr/cockpit-probe").exists()
    assert asked == [f"{probe} (tier 3)"]


def test_the_ceremony_ends_with_its_marker_and_a_cut_one_is_found() -> None:
    def event(seq: int, kind: str) -> Event:
        return Event(seq=seq, ts="2026-12-03T10:00:00.000000Z", session="s1", kind=kind)

    done = [event(0, MergeStarted.kind), event(1, MergeFinished.kind)]
    cut = [*done, event(2, MergeStarted.kind)]

    assert unfinished_ceremony(done) is None
    assert unfinished_ceremony(cut) == cut[2]
    assert unfinished_ceremony([]) is None


def test_a_session_without_a_base_has_nothing_to_merge(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(root, Agent("builder", {"a.txt": "a\n"}))
    git(root, "update-ref", "-d", base_ref("s1"))

    with pytest.raises(CeremonyError, match="shared one tree: nothing to merge"):
        _ceremony(root)


def test_the_finished_marker_names_what_merged_and_what_was_skipped(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(
        root,
        Agent("builder", {"README.md": "one\n"}),
        Agent("tester", {"README.md": "two\n"}),
    )

    report, recorded, _ = _ceremony(root)

    body, agent = recorded.items[-1]
    assert isinstance(body, MergeFinished) and agent is None
    assert body.merged == ["cockpit/s1/builder"] and body.skipped == ["cockpit/s1/tester"]
    assert body.before == report.result.before and body.after == report.result.after


def test_a_vanished_worktree_is_left_out_and_the_others_still_merge(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(root, Agent("builder", {"a.txt": "a\n"}), Agent("lost", {"l.txt": "l\n"}))
    shutil.rmtree(root / ".cockpit/worktrees/s1/lost")

    report, _recorded, _ = _ceremony(root)

    lost = next(t for t in report.triaged if t.agent == "lost")
    assert str(lost.verdict) == "worktree vanished"
    assert "cockpit/s1/lost is kept" in lost.why
    assert report.merged_agents == ("builder",)
