"""`cockpit log show`, `cockpit replay --headless` and `cockpit audit` print what a log
holds with its control characters shown: a command, model text, a reason or output that
carries escape codes cannot retitle the terminal, write the clipboard or fake a line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.session.log import SessionLog
from tests.hostile import HOSTILE, assert_shown
from tests.session._util import cockpit


@pytest.fixture
def hostile_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session where every field an agent or a command fills holds a hostile string: the
    agent's name and status, its model text, its commands, the reasons, the human's
    message, a denial's reason and the output. Written per test: each test has its own log
    key, and audit checks the log with it."""
    path = tmp_path_factory.mktemp("hostile") / "s.jsonl"
    log = SessionLog.create(path, "20261121-101500-7f3a", env={})
    log.append("session.started", {"agents": ["builder"], "version": "0.1.0"})
    for number, payload in enumerate(HOSTILE.values()):
        kw = {"agent": "builder", "iteration": number, "call": f"c-{number}"}
        log.append("agent.status", {"status": "failed", "detail": payload}, agent="builder")
        message = {"role": "assistant", "content": payload}
        log.append("model.message", {"message": message}, agent="builder", iteration=number)
        log.append("tool.requested", {"tool": "bash", "input": {"command": payload}}, **kw)
        log.append("policy.decided", {"tier": 3, "reasons": [payload], "rules": []}, **kw)
        log.append("approval.requested", {"tool": "bash", "command": payload, "tier": 3}, **kw)
        approved = number % 2 == 0
        verdict = {"approved": approved, "by": "human", "reason": None if approved else payload}
        log.append("approval.resolved", verdict, **kw)
        if approved:
            log.append("tool.started", {"tool": "bash", "command": payload}, **kw)
            log.append("tool.finished", {"exit_code": 1, "error": payload}, **kw)
        log.append("human.message", {"text": payload}, agent="builder")
        log.append("task.updated", {"task": payload, "status": "doing"}, agent="builder")
    log.append("session.ended", {"reason": "finished"})
    log.close()
    return path


def test_log_show_prints_every_hostile_string_escaped(hostile_log: Path) -> None:
    run = cockpit("log", "show", hostile_log)
    assert run.code == 0, run.err
    assert_shown(run.out)
    assert len(run.out.splitlines()) == len(hostile_log.read_bytes().splitlines())


def test_replay_headless_prints_every_hostile_string_escaped(hostile_log: Path) -> None:
    run = cockpit("replay", hostile_log, "--headless", "--speed", "0")
    assert run.code == 0, run.err
    assert_shown(run.out)


def test_audit_prints_every_hostile_command_and_reason_escaped(hostile_log: Path) -> None:
    run = cockpit("audit", hostile_log)
    assert run.out.startswith("VALID"), run.out
    assert_shown(run.out)  # the commands run, and the denials with their reasons


def test_an_error_naming_a_hostile_path_shows_it_escaped(tmp_path: Path) -> None:
    missing = tmp_path / f"x{HOSTILE['osc-0-title']}{HOSTILE['bidi-rlo']}.jsonl"
    run = cockpit("log", "show", missing)
    assert run.code != 0
    assert_shown(run.err, [HOSTILE["osc-0-title"], HOSTILE["bidi-rlo"]])
    assert run.err.count("\n") == 1  # one line, never a traceback
