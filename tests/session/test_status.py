"""An agent's status is logged as the words the screen shows, and read back as itself."""

from __future__ import annotations

from pathlib import Path

from cockpit.session.chain import read_events
from cockpit.session.log import SessionLog
from cockpit.session.show import describe
from cockpit.session.state import fold
from cockpit.session.status import FINAL, TIMED, AgentStatus
from cockpit.session.verify import verify_log


def test_every_status_is_logged_as_its_words_and_folds_back(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with SessionLog.create(path, "20261203-120000-0001", env={}) as log:
        log.append("agent.started", {"model": "m"}, agent="builder")
        for status in AgentStatus:
            log.append("agent.status", {"status": status, "detail": ""}, agent="builder")
            state = fold(read_events(path)).agents["builder"]
            assert state.status is status
    lines = path.read_text(encoding="utf-8").splitlines()
    for line, status in zip(lines[1:], AgentStatus, strict=True):
        assert f'"data":{{"status":"{status.value}","detail":""}}' in line
    assert verify_log(path).valid


def test_a_status_from_a_newer_cockpit_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with SessionLog.create(path, "20261203-120000-0002", env={}) as log:
        log.append("agent.status", {"status": "sandboxed", "detail": "in a container"}, agent="a")
    state = fold(read_events(path)).agents["a"]
    assert state.status == "sandboxed"
    assert state.status not in FINAL and state.status not in TIMED
    assert "sandboxed" in describe(next(iter(read_events(path))))[0]
