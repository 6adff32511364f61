"""The writer: line schema, chain, reopen, and many writers at once."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import re
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from cockpit.errors import LogError
from cockpit.session import log as log_module
from cockpit.session.chain import Head, read_events
from cockpit.session.events import Event
from cockpit.session.log import SessionLog
from tests.session._util import TS_PATTERN, cockpit, lines_of
from tests.waiting import wait_until_sync

KEYS = ["v", "seq", "ts", "session", "agent", "iteration", "kind", "call", "data", "prev", "mac"]
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _user_key() -> bytes:
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "cockpit"
    assert folder.stat().st_mode & 0o777 == 0o700
    return bytes.fromhex((folder / "log.key").read_text())


def _check_schema(path: Path, session: str) -> list[dict[str, object]]:
    """Check every line the way a third-party verifier would; return the parsed lines."""
    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    prev = hashlib.sha256(b"").hexdigest()
    assert prev == EMPTY_SHA256
    objs = []
    last_ts = ""
    for seq, line in enumerate(raw.split(b"\n")[:-1]):
        assert line.isascii()
        pairs = json.loads(line, object_pairs_hook=lambda kv: kv)
        assert [k for k, _ in pairs] == KEYS
        obj = dict(pairs)
        assert obj["v"] == 2
        # The keyed digest: HMAC-SHA256 under the user's key of the line without 'mac'.
        body = line[: -len(',"mac":"' + 64 * "0" + '"}')] + b"}"
        assert (
            body
            == json.dumps(
                {k: v for k, v in json.loads(line).items() if k != "mac"}, separators=(",", ":")
            ).encode()
        )
        assert obj["mac"] == hmac.new(_user_key(), body, "sha256").hexdigest()
        assert obj["seq"] == seq
        assert re.fullmatch(TS_PATTERN, str(obj["ts"]))
        assert str(obj["ts"]) >= last_ts
        last_ts = str(obj["ts"])
        assert obj["session"] == session
        assert obj["prev"] == prev
        assert json.dumps(json.loads(line), separators=(",", ":")).encode() == line  # compact
        prev = hashlib.sha256(line).hexdigest()
        objs.append(json.loads(line))
    head = json.loads(path.with_suffix(".head").read_text())
    assert head["seq"] == len(objs) - 1
    assert head["digest"] == prev
    assert head["session"] == session
    return objs


def test_line_schema_and_chain(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "s.jsonl"  # folders are created
    log = SessionLog.create(path, "20261121-101500-7f3a", env={})
    returned = [
        log.append("session.started", {"agents": ["builder"]}),
        log.append("agent.status", {"status": "thinking"}, agent="builder", iteration=3),
        log.append(
            "policy.decided",
            {"tier": 3, "reasons": ["recursive deletion: rm -rf build"], "rules": []},
            agent="builder",
            iteration=3,
            call="c-12",
        ),
        log.append("human.message", {"text": 'naïve café ✓ \U0001f680 \\ " \n \t'}),
    ]
    log.close()
    objs = _check_schema(path, "20261121-101500-7f3a")
    assert objs[2]["agent"] == "builder"
    assert objs[2]["iteration"] == 3
    assert objs[2]["call"] == "c-12"
    assert objs[0]["agent"] is None and objs[0]["call"] is None and objs[0]["iteration"] == 0
    assert objs[3]["data"] == {"text": 'naïve café ✓ \U0001f680 \\ " \n \t'}
    # What append returned is exactly what a reader gets back, byte for byte.
    assert list(read_events(path)) == returned
    assert [e.to_line() for e in returned] == [raw[:-1] for raw in lines_of(path)]


def test_reopen_continues_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    log = SessionLog.create(path, "s-reopen", env={})
    for i in range(5):
        log.append("human.message", {"text": str(i)})
    log.close()
    last_line = lines_of(path)[-1][:-1]

    log = SessionLog.open(path, env={})
    assert (log.session, log.next_seq) == ("s-reopen", 5)
    first_new = log.append("session.resumed", {"recovered": {}})
    log.append("human.message", {"text": "5"})
    log.close()

    assert first_new.seq == 5
    assert first_new.prev == hashlib.sha256(last_line).hexdigest()
    _check_schema(path, "s-reopen")
    run = cockpit("audit", "--json", path)
    assert run.code == 0
    assert run.json["events"] == 7
    assert run.json["head"]["status"] == "ok"


def test_head_follows_commits_before_close(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    log = SessionLog.create(path, "s-head", env={})
    for i in range(20):
        last = log.append("human.message", {"text": str(i)})
    wait_until_sync(
        lambda: json.loads(path.with_suffix(".head").read_text())["seq"] == last.seq,
        "the head file to catch up",
        timeout=10,
    )
    head = json.loads(path.with_suffix(".head").read_text())
    assert head["digest"] == hashlib.sha256(last.to_line()).hexdigest()
    log.close()


def test_a_burst_of_commits_costs_few_head_refreshes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each refresh creates and renames a file that the next fsync must write out too, so
    the head is refreshed at most every HEAD_REFRESH_S, and still catches up."""
    refreshes: list[int] = []
    real_write_head = log_module.write_head

    def counting(path: Path, head: Head, *, durable: bool = False) -> None:
        if not durable:
            refreshes.append(head.seq)
        real_write_head(path, head, durable=durable)

    monkeypatch.setattr(log_module, "write_head", counting)
    path = tmp_path / "s.jsonl"
    log = SessionLog.create(path, "s-burst", env={})
    start = time.monotonic()
    for i in range(300):
        last = log.append("human.message", {"text": str(i)})
    elapsed = time.monotonic() - start
    wait_until_sync(
        lambda: refreshes and refreshes[-1] == last.seq,
        "the head to catch up",
        timeout=10,
        detail=lambda: f"refreshes: {refreshes}",
    )
    log.close()
    assert len(refreshes) <= elapsed / log_module.HEAD_REFRESH_S + 3, (len(refreshes), elapsed)
    assert refreshes == sorted(refreshes)


def test_closed_log_refuses_appends(tmp_path: Path) -> None:
    log = SessionLog.create(tmp_path / "s.jsonl", "s-closed", env={})
    log.append("human.message", {"text": "x"})
    log.close()
    log.close()  # twice is fine
    with pytest.raises(LogError, match="closed"):
        log.append("human.message", {"text": "y"})


def test_close_right_after_append_leaves_a_current_head(tmp_path: Path) -> None:
    """The head thread and the final head write used to race on one temp file."""
    for i in range(40):
        path = tmp_path / f"s{i}.jsonl"
        log = SessionLog.create(path, f"s-{i}", env={})
        for j in range(i % 4 + 1):
            log.append("human.message", {"text": str(j)})
        log.close()
        assert json.loads(path.with_suffix(".head").read_text())["seq"] == i % 4
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


THREADS = 8
PER_THREAD = 300


def _check_concurrent(path: Path, events: list[Event], per_writer: int) -> None:
    on_disk = list(read_events(path))
    assert [e.seq for e in on_disk] == list(range(THREADS * per_writer))
    assert sorted(e.seq for e in events) == [e.seq for e in on_disk]
    seen = Counter((e.agent, e.data["i"]) for e in on_disk)
    assert set(seen.values()) == {1}
    assert len(seen) == THREADS * per_writer
    for w in range(THREADS):  # each writer's own events stay in its order
        mine = [e.data["i"] for e in on_disk if e.agent == f"w{w}"]
        assert mine == list(range(per_writer))
    run = cockpit("audit", "--json", path)
    assert run.code == 0
    assert run.json["head"]["status"] == "ok"


def test_eight_threads_append_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    syncs = 0
    real_fdatasync = os.fdatasync

    def counting_fdatasync(fd: int) -> None:
        nonlocal syncs
        syncs += 1
        real_fdatasync(fd)

    monkeypatch.setattr(os, "fdatasync", counting_fdatasync)
    path = tmp_path / "threads.jsonl"
    log = SessionLog.create(path, "s-threads", env={})
    start = threading.Barrier(THREADS)
    results: list[list[Event]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []

    def work(w: int) -> None:
        try:
            start.wait()
            for i in range(PER_THREAD):
                results[w].append(
                    log.append("tool.requested", {"i": i, "pad": "x" * (i % 97)}, agent=f"w{w}")
                )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.close()
    assert errors == []
    _check_concurrent(path, [e for r in results for e in r], PER_THREAD)
    # Group commit: writers waiting at the same time share one fsync.
    assert syncs < THREADS * PER_THREAD * 0.8, syncs


def test_eight_asyncio_tasks_append_at_once(tmp_path: Path) -> None:
    path = tmp_path / "tasks.jsonl"
    log = SessionLog.create(path, "s-tasks", env={})
    per_task = 100

    async def agent(w: int) -> list[Event]:
        return [
            await log.append_async("model.usage", {"i": i, "output_tokens": i}, agent=f"w{w}")
            for i in range(per_task)
        ]

    async def main() -> list[list[Event]]:
        return await asyncio.gather(*(agent(w) for w in range(THREADS)))

    results = asyncio.run(main())
    log.close()
    _check_concurrent(path, [e for r in results for e in r], per_task)
