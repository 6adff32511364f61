"""Typed events: every registered class reads and gives back the data cockpit really logs,
the derived facts (granted? the text?) are the readers' answers, and a kind this cockpit
does not know still opens in `log show`, audit and replay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cockpit.session.chain import read_events
from cockpit.session.events import Event
from cockpit.session.kinds import (
    REGISTRY,
    ApprovalResolved,
    ModelMessage,
    TaskUpdated,
    ToolFinished,
    UnknownEvent,
    read_body,
)
from cockpit.session.state import fold
from tests.session._util import REPO, cockpit, write_session
from tests.session.test_show_kinds import SAMPLES

NEW_KIND = "sandbox.entered"
"""A kind a newer cockpit might write."""


@pytest.fixture(scope="module")
def demo_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The log of a real session: the scripted demo, run headless by the real CLI."""
    where = tmp_path_factory.mktemp("demo") / "demo"
    env = {k: v for k, v in os.environ.items() if k != "COCKPIT_DEBUG"}
    env["XDG_CONFIG_HOME"] = str(where.parent / "config")
    demo = ["demo", "--headless", "--speed", "0.02", "--dir", str(where)]
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", *demo],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (log,) = (where / ".cockpit" / "sessions").glob("*.jsonl")
    return log


def _logged(demo_log: Path, tmp_path: Path) -> list[Event]:
    written = tmp_path / "written.jsonl"
    write_session(written).close()
    return [*read_events(demo_log), *read_events(written)]


def test_every_kind_gives_back_exactly_the_data_it_was_read_from(
    demo_log: Path, tmp_path: Path
) -> None:
    events = _logged(demo_log, tmp_path)
    samples = [Event(seq=0, ts="t", session="s", kind=k, data=d) for k, d in SAMPLES.items()]
    seen = {e.kind for e in events}
    assert len(seen) >= 15, seen  # a real session writes most kinds
    for event in [*events, *samples]:
        body = event.body
        assert type(body) is REGISTRY[event.kind]
        assert body.data() == event.data, event.kind
        for name, value in event.data.items():
            if name in type(body)._keys and value is not None:
                assert getattr(body, name) == value, (event.kind, name)


def test_every_key_a_real_session_writes_is_a_declared_field(demo_log: Path) -> None:
    undeclared = {
        (event.kind, key)
        for event in read_events(demo_log)
        for key, value in event.body.extra.items()
        if value is not None  # an optional field logged null is kept aside, as logged
    }
    assert not undeclared, "declare these fields on their classes"


WRITTEN_KEYS = Path(__file__).with_name("written_keys.json")
"""The key order (and the keys logged null) of every kind in the demo's log as cockpit
wrote it before writers built typed bodies: ``{kind: ["key key=null ...", ...]}``."""


def _shape(data: dict[str, Any]) -> str:
    return " ".join(key + ("=null" if value is None else "") for key, value in data.items())


def test_a_real_session_writes_the_bytes_earlier_cockpits_wrote(demo_log: Path) -> None:
    """Writers log ``body.data()``: each kind keeps its keys in the order, and its nulls
    where, the dict-building writers put them (a reordered field changes every line)."""
    earlier: dict[str, list[str]] = json.loads(WRITTEN_KEYS.read_text())
    written: dict[str, set[str]] = {}
    for event in read_events(demo_log):
        written.setdefault(event.kind, set()).add(_shape(event.data))
    assert written.keys() == earlier.keys()
    for kind, shapes in written.items():
        assert shapes <= set(earlier[kind]), kind


def test_a_key_always_written_is_written_null_and_an_older_log_without_it_reads_back() -> None:
    updated = TaskUpdated(task="fix", status="doing", id="phase-1/fix")
    assert _shape(updated.data()) == "task status note=null id"
    older = {"task": "fix", "status": "doing"}  # a log from before ``note`` was written
    assert read_body(TaskUpdated.kind, older).data() == older


def test_a_body_built_by_a_writer_is_the_data_it_logs() -> None:
    failed = ToolFinished(exit_code=None, error="no such file")
    assert failed.data() == {"exit_code": None, "error": "no such file"}
    assert read_body(ToolFinished.kind, failed.data()) == failed
    assert failed.failed and not ToolFinished(exit_code=0, output="ok").failed


@pytest.mark.parametrize(
    ("data", "granted"),
    [
        ({"approved": True, "by": "human"}, True),
        ({"approved": True, "by": "rule"}, True),
        ({"approved": True, "by": "timeout"}, False),  # a timeout always denies
        ({"approved": False, "by": "human"}, False),
        ({"approved": "yes", "by": "human"}, False),  # a forged value is not a yes
        ({"by": "human"}, False),
    ],
)
def test_granted_is_approved_and_not_by_a_timeout(data: dict[str, Any], granted: bool) -> None:
    assert ApprovalResolved.from_data(data).granted is granted
    event = Event(seq=0, ts="t", session="s", kind=ApprovalResolved.kind, call="c", data=data)
    assert (fold([event]).calls["c"].approval == "approved") is granted


@pytest.mark.parametrize(
    ("content", "text"),
    [
        ("plain words", "plain words"),
        ([{"type": "text", "text": "one"}, {"type": "tool_use", "name": "bash"}], "one"),
        ([{"type": "text", "text": "a"}, {"type": "text", "text": ""}, "junk"], "a"),
        ([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}], "a\nb"),
        (None, ""),
    ],
)
def test_a_message_text_is_its_text_blocks(content: Any, text: str) -> None:
    body = ModelMessage.from_data({"message": {"role": "assistant", "content": content}})
    assert body.text == text


def test_an_unknown_kind_keeps_its_data() -> None:
    event = Event(seq=0, ts="t", session="s", kind=NEW_KIND, data={"where": "/tmp/box"})
    assert isinstance(event.body, UnknownEvent)
    assert event.body.data() == {"where": "/tmp/box"}


def test_a_newer_kind_shows_in_log_show_audit_and_replay(tmp_path: Path) -> None:
    path = tmp_path / "newer.jsonl"
    log = write_session(path)
    log.append(NEW_KIND, {"where": "/tmp/box"}, agent="builder", iteration=5)
    log.append("session.ended", {"reason": "finished"})
    log.close()
    shown = cockpit("log", "show", path)
    assert shown.code == 0, shown.err
    (line,) = [x for x in shown.out.splitlines() if NEW_KIND in x]
    assert json.dumps({"where": "/tmp/box"}) in line
    audited = cockpit("audit", path)
    assert audited.out.startswith("VALID"), audited.out + audited.err
    assert f"{len(shown.out.splitlines())} events" in audited.out
    replayed = cockpit("replay", path, "--headless", "--speed", "0")
    assert replayed.code == 0, replayed.err
    assert line in replayed.out.splitlines()
