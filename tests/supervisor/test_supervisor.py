"""The supervisor's approval queue and the human's commands, in-process."""

from __future__ import annotations

from pathlib import Path

from cockpit.session.audit import audit
from cockpit.supervisor.launch import Prepared
from tests.supervisor._inprocess import backend, finish, last_request_text, logged, start
from tests.waiting import wait_until


def _audits_clean(prepared: Prepared) -> None:
    """The real session's log: valid, keyed, and no violation (what ran was allowed)."""
    report = audit(prepared.log.path)
    try:
        assert (report.valid, report.chain, report.violations) == (True, "keyed", []), report.reason
    finally:
        report.close()


RISKY = """
agents:
  builder:
    - calls:
        - bash: {command: "mkdir -p build && rm -rf build"}
    - calls:
        - bash: {command: "mkdir -p dist && rm -rf dist"}
    - text: "Done."
"""


async def test_a_human_approval_runs_the_command_once(workspace: Path) -> None:
    prepared = await start(workspace, RISKY, ["builder"])
    sup = prepared.supervisor
    try:
        await wait_until(lambda: bool(sup.pending))
        (pending,) = sup.inbox()
        assert sup.runtimes["builder"].status == "waiting for you"
        assert "recursive deletion" in " ".join(pending.request.decision.reasons)
        assert await sup.resolve(pending.request.call, True, "human")
        assert not await sup.resolve(pending.request.call, True, "human")  # not twice
        await wait_until(lambda: bool(sup.pending))
        (second,) = sup.inbox()
        await sup.resolve(second.request.call, False, "human", "keep dist")
        assert await sup.wait() == {"builder": "done"}
        resolved = logged(prepared, "approval.resolved")
        assert [(r["data"]["approved"], r["data"]["by"]) for r in resolved] == [
            (True, "human"),
            (False, "human"),
        ]
        started = logged(prepared, "tool.started")
        assert [s["call"] for s in started] == [pending.request.call]
        assert "keep dist" in last_request_text(prepared, "builder")
        _audits_clean(prepared)
    finally:
        await finish(prepared)


async def test_a_timeout_denies_and_is_not_a_human_decision(workspace: Path) -> None:
    prepared = await start(workspace, RISKY, ["builder"], approval_timeout_s=0.2)
    try:
        assert await prepared.supervisor.wait() == {"builder": "done"}
        resolved = logged(prepared, "approval.resolved")
        assert {(r["data"]["approved"], r["data"]["by"]) for r in resolved} == {(False, "timeout")}
        assert all(r["data"]["reason"] == "timed_out" for r in resolved)
        assert not logged(prepared, "tool.started")
    finally:
        await finish(prepared)


async def test_the_configured_timeout_of_a_tier_denies_and_another_tier_waits(
    workspace: Path,
) -> None:
    """``approvals: timeout_s: {tier3: ...}`` times out tier-3 questions only: the settings a
    user writes reach the session."""
    from cockpit.config.settings import load_settings

    config = workspace / ".cockpit" / "config.yaml"
    config.parent.mkdir(exist_ok=True)
    config.write_text("approvals:\n  timeout_s:\n    tier3: 0.2\n")
    settings = load_settings(config)
    assert settings.approvals.timeouts == {"3": 0.2}
    prepared = await start(workspace, RISKY, ["builder"], settings=settings)
    try:
        assert prepared.supervisor.approvals.timeout_for("1") is None
        assert await prepared.supervisor.wait() == {"builder": "done"}
        resolved = logged(prepared, "approval.resolved")
        assert {(r["data"]["approved"], r["data"]["by"]) for r in resolved} == {(False, "timeout")}
    finally:
        await finish(prepared)


def test_a_bad_approval_timeout_names_its_line(tmp_path: Path) -> None:
    from cockpit.config.settings import load_settings
    from cockpit.errors import ConfigError

    config = tmp_path / "config.yaml"
    config.write_text("approvals:\n  timeout_s:\n    tier4: 10\n")
    try:
        load_settings(config)
    except ConfigError as exc:
        assert "config.yaml:3" in str(exc) and "keyed by tier" in str(exc)
    else:
        raise AssertionError("tier 4 must be refused")


GRANTED = """
agents:
  builder:
    - calls:
        - bash: {command: "git push origin main"}
    - calls:
        - bash: {command: "git push origin feature"}
    - text: "Done."
"""


async def test_allow_for_session_saves_a_narrow_grant(workspace: Path) -> None:
    prepared = await start(workspace, GRANTED, ["builder"])
    sup = prepared.supervisor
    try:
        await wait_until(lambda: bool(sup.pending))
        (pending,) = sup.inbox()
        grant = sup.session_grant_for(pending.request.call)
        assert grant is not None and grant.pattern == "git push …"
        assert await sup.allow_for_session(pending.request.call) == grant
        assert await sup.wait() == {"builder": "done"}
        decided = logged(prepared, "policy.decided")
        assert decided[1]["data"]["tier"] == 2  # the grant lowered the second push
        assert any(r["id"] == grant.id for r in decided[1]["data"]["rules"])
        resolved = logged(prepared, "approval.resolved")
        assert len(resolved) == 1 and resolved[0]["data"]["grant"]["pattern"] == "git push …"
        _audits_clean(prepared)  # the grant was used inside its scope
    finally:
        await finish(prepared)


async def test_no_grant_for_shells(workspace: Path) -> None:
    script = (
        "agents:\n  builder:\n    - calls:\n        - bash: {command: \"bash -c 'rm -rf x'\"}\n"
    )
    prepared = await start(workspace, script, ["builder"])
    sup = prepared.supervisor
    try:
        await wait_until(lambda: bool(sup.pending))
        call = sup.inbox()[0].request.call
        assert sup.session_grant_for(call) is None
        assert sup.session_grant_refusal(call)
    finally:
        await finish(prepared)


PAUSABLE = """
agents:
  builder:
    - calls:
        - bash: {command: "echo one"}
    - calls:
        - bash: {command: "echo two"}
    - text: "Done."
"""


async def test_pause_holds_the_agent_between_steps_and_a_message_arrives(
    workspace: Path,
) -> None:
    prepared = await start(workspace, PAUSABLE, ["builder"], keep_alive=True)
    sup = prepared.supervisor
    try:
        sup.pause("builder")
        await wait_until(lambda: sup.runtimes["builder"].status == "paused")
        count = len(backend(prepared, "builder").requests)
        await sup.message("builder", "Please also print three.")
        assert len(backend(prepared, "builder").requests) == count
        sup.unpause("builder")
        await wait_until(lambda: sup.runtimes["builder"].status == "done")
        texts = [str(r.messages) for r in backend(prepared, "builder").requests]
        assert any("Please also print three." in t for t in texts)
        assert logged(prepared, "human.message")[0]["data"]["text"] == "Please also print three."
        statuses = [e["data"]["status"] for e in logged(prepared, "agent.status")]
        assert "paused" in statuses
    finally:
        await finish(prepared)


READ_ONLY = """
agents:
  reviewer:
    - calls:
        - bash: {command: "sed -i 's/hello/bye/' src/app.py"}
        - bash: {command: "echo notes > /tmp/cockpit-reviewer-scratch.txt && cat src/app.py"}
    - text: "Reviewed."
"""


async def test_a_read_only_agent_cannot_edit_through_bash(workspace: Path) -> None:
    prepared = await start(workspace, READ_ONLY, ["reviewer"])
    try:
        assert await prepared.supervisor.wait() == {"reviewer": "done"}
        decided = logged(prepared, "policy.decided")
        assert decided[0]["data"]["tier"] == "deny"
        assert "outside reviewer's scope" in " ".join(decided[0]["data"]["reasons"])
        assert decided[1]["data"]["tier"] != "deny"  # scratch files outside the repo are fine
        assert (workspace / "src" / "app.py").read_text().endswith("'hello'\n")
    finally:
        await finish(prepared)
