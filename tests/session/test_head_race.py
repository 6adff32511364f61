"""The head file never goes back: a refresh that took an older head just before the
durable write of a newer one (at close) must not land after it. It did, and a clean
session then failed its own audit ("head file ... behind this user's anchor")."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import cockpit.session.log as log_module
from cockpit.session.chain import Head, read_head


def test_an_older_head_written_late_never_replaces_a_newer_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head_file = tmp_path / "s.head"
    refresh_started, durable_done = threading.Event(), threading.Event()
    real_write = log_module.write_head

    def write_head(path: Path, head: Head, *, durable: bool = False) -> None:
        if not durable:  # the refresh thread: let the durable write go first if it can
            refresh_started.set()
            durable_done.wait(1.0)
        real_write(path, head, durable=durable)

    monkeypatch.setattr(log_module, "write_head", write_head)
    keeper = log_module._HeadKeeper(head_file, "s", None, tmp_path / "s.jsonl")
    keeper.publish(5, "a" * 64, "2026-12-03T10:00:00.000000Z")  # the refresh takes seq 5
    assert refresh_started.wait(10), "the refresh thread never wrote"
    keeper.publish(9, "b" * 64, "2026-12-03T10:00:01.000000Z", durable=True)  # close
    durable_done.set()
    keeper.stop()
    head = read_head(head_file)
    assert head is not None and head.seq == 9
