"""Every kind of tampering fails `cockpit audit` and names the first bad line."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cockpit.errors import LogCorruptError
from cockpit.session.audit import audit
from cockpit.session.chain import read_events
from cockpit.session.events import GENESIS
from cockpit.session.log import SessionLog
from tests.session._util import build_log, cockpit, lines_of, write_session

Edit = Callable[[list[bytes]], list[bytes]]


@pytest.fixture
def session_log(tmp_path: Path) -> Path:
    path = tmp_path / "tampered.jsonl"
    write_session(path).close()
    assert cockpit("audit", path).code == 0
    return path


def _flip(line: bytes, at: int) -> bytes:
    """The line with the byte at ``at`` replaced by a different one."""
    old = line[at : at + 1]
    if old.isdigit():
        new = b"7" if old != b"7" else b"3"
    elif old.isalpha():
        new = b"q" if old != b"q" else b"z"
    else:
        new = b"#"
    return line[:at] + new + line[at + 1 :]


def _expect_bad(path: Path, line: int, *, head: str | None = None) -> dict[str, object]:
    run = cockpit("audit", "--json", path)
    assert run.code == 1, run.out
    assert "Traceback" not in run.err
    report = run.json
    assert report["valid"] is False
    assert report["first_bad_line"] == line, report["reason"]
    assert report["first_bad_seq"] == line - 1
    assert report["reason"]
    if head is not None:
        assert report["head"]["status"] == head
    text = cockpit("audit", path)
    assert text.code == 1
    assert text.out.startswith("INVALID: ")
    assert f"first problem: line {line} (seq {line - 1})" in text.out
    return dict(report)


def _rewrite(path: Path, edit: Edit) -> None:
    path.write_bytes(b"".join(edit(lines_of(path))))


@pytest.mark.parametrize("where", [0.2, 0.5, 0.8])
@pytest.mark.parametrize("line", [1, 2, 12, "last-but-one", "last"])
def test_one_byte_edited_names_that_line(session_log: Path, line: int | str, where: float) -> None:
    lines = lines_of(session_log)
    n = len(lines)
    target = {"last-but-one": n - 1, "last": n}.get(str(line), line)
    assert isinstance(target, int)
    original = lines[target - 1]
    lines[target - 1] = _flip(original, int(len(original) * where))
    assert lines[target - 1] != original
    session_log.write_bytes(b"".join(lines))

    _expect_bad(session_log, target)
    with pytest.raises(LogCorruptError) as info:
        SessionLog.open(session_log, env={})
    assert info.value.line == target


def test_string_edit_is_named_by_the_chain(session_log: Path) -> None:
    """A change that keeps the line well-formed JSON ("exit 0" made "exit 1") is caught only
    by the next line's 'prev' -- and still reported at the changed line."""
    lines = lines_of(session_log)
    k = next(i for i, raw in enumerate(lines) if b'"exit_code":2' in raw) + 1
    lines[k - 1] = lines[k - 1].replace(b'"exit_code":2', b'"exit_code":0')
    session_log.write_bytes(b"".join(lines))
    report = _expect_bad(session_log, k, head="unchecked")
    assert f"line {k} was changed" in str(report["reason"])
    with pytest.raises(LogCorruptError) as info:
        list(read_events(session_log))
    assert info.value.line == k


def test_edited_prev_names_its_own_line(session_log: Path) -> None:
    lines = lines_of(session_log)
    k = 9
    obj = json.loads(lines[k - 1])
    flipped = ("0" if obj["prev"][10] != "0" else "1").encode()
    lines[k - 1] = lines[k - 1].replace(
        obj["prev"].encode(), obj["prev"][:10].encode() + flipped + obj["prev"][11:].encode()
    )
    session_log.write_bytes(b"".join(lines))
    report = _expect_bad(session_log, k)
    assert "prev" in str(report["reason"])


@pytest.mark.parametrize("k", [1, 7, 20])
def test_deleted_line(session_log: Path, k: int) -> None:
    _rewrite(session_log, lambda ls: ls[: k - 1] + ls[k:])
    report = _expect_bad(session_log, k)
    assert f"seq is {k}, expected {k - 1}" in str(report["reason"])


@pytest.mark.parametrize("k", [1, 7, 20])
def test_swapped_lines(session_log: Path, k: int) -> None:
    def swap(ls: list[bytes]) -> list[bytes]:
        ls[k - 1], ls[k] = ls[k], ls[k - 1]
        return ls

    _rewrite(session_log, swap)
    _expect_bad(session_log, k)


def test_duplicated_line(session_log: Path) -> None:
    _rewrite(session_log, lambda ls: [*ls[:5], ls[4], *ls[5:]])
    _expect_bad(session_log, 6)


@pytest.mark.parametrize("cut", [1, 3])
def test_truncated_by_whole_lines(session_log: Path, cut: int) -> None:
    n = len(lines_of(session_log))
    _rewrite(session_log, lambda ls: ls[:-cut])
    report = _expect_bad(session_log, n - cut + 1, head="ahead")
    assert f"{cut} event(s) were cut from the end" in str(report["reason"])
    assert "head: ahead" in cockpit("audit", session_log).out
    with pytest.raises(LogCorruptError):
        SessionLog.open(session_log, env={})


def test_rechained_after_an_edit_is_caught_at_the_edit(session_log: Path) -> None:
    """Someone who edits a line and recomputes every later 'prev' still fails, at the
    edited line: its keyed digest needs the user's key."""
    lines = [json.loads(raw) for raw in lines_of(session_log)]
    lines[10]["data"]["command"] = "echo harmless"
    prev = GENESIS
    out = []
    for obj in lines:
        obj["prev"] = prev
        raw = json.dumps(obj, separators=(",", ":")).encode()
        prev = hashlib.sha256(raw).hexdigest()
        out.append(raw + b"\n")
    session_log.write_bytes(b"".join(out))
    report = _expect_bad(session_log, 11, head="unchecked")
    assert "keyed digest" in str(report["reason"])


def test_missing_head_file_fails_audit(session_log: Path) -> None:
    session_log.with_suffix(".head").unlink()
    run = cockpit("audit", "--json", session_log)
    assert run.code == 1
    assert run.json["head"]["status"] == "missing"
    assert "head file missing" in cockpit("audit", session_log).out


def test_unreadable_head_file_fails_audit(session_log: Path) -> None:
    session_log.with_suffix(".head").write_text("not json")
    run = cockpit("audit", "--json", session_log)
    assert run.code == 1
    assert run.json["head"]["status"] == "unreadable"
    assert "Traceback" not in run.err


def test_head_of_another_session_fails_audit(session_log: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    write_session(other, session="20261122-090000-aaaa").close()
    session_log.with_suffix(".head").write_bytes(other.with_suffix(".head").read_bytes())
    run = cockpit("audit", "--json", session_log)
    assert run.code == 1
    assert run.json["head"]["status"] == "mismatch"


def _hand_log(path: Path) -> list[bytes]:
    rows = [{"kind": "human.message", "agent": "a", "data": {"text": str(i)}} for i in range(6)]
    lines = build_log(path, rows)
    path.with_suffix(".head").write_text(
        json.dumps({"session": "s-hand", "seq": 5, "digest": hashlib.sha256(lines[-1]).hexdigest(),
                    "ts": "2026-11-21T10:15:05.000005Z"})
    )  # fmt: skip
    return lines


BAD_FIELDS = [
    ("v", 0, "bad 'v'"),
    ("v", "1", "bad 'v'"),
    ("v", True, "bad 'v'"),
    ("seq", "3", "bad 'seq'"),
    ("seq", 3.0, "bad 'seq'"),
    ("ts", "2026-11-21 10:15:03Z", "bad 'ts'"),
    ("ts", "2026-11-21T10:15:03.123Z", "bad 'ts'"),
    ("ts", 5, "bad 'ts'"),
    ("session", "", "bad 'session'"),
    ("session", 7, "bad 'session'"),
    ("session", "someone-else", "session is 'someone-else', expected 's-hand'"),
    ("agent", 5, "bad 'agent'"),
    ("iteration", "1", "bad 'iteration'"),
    ("iteration", 1.5, "bad 'iteration'"),
    ("iteration", False, "bad 'iteration'"),
    ("kind", "", "bad 'kind'"),
    ("kind", ["x"], "bad 'kind'"),
    ("call", 5, "bad 'call'"),
    ("data", [], "bad 'data'"),
    ("data", "x", "bad 'data'"),
    ("prev", "XYZ", "bad 'prev'"),
]


@pytest.mark.parametrize(("field", "value", "reason"), BAD_FIELDS)
def test_malformed_field_names_its_line(
    tmp_path: Path, field: str, value: object, reason: str
) -> None:
    """Every schema rule holds on every line: a line that parses but breaks one is named,
    with the rule, however the reader reads it."""
    path = tmp_path / "s.jsonl"
    lines = _hand_log(path)
    k = 4
    obj = json.loads(lines[k - 1])
    obj[field] = value
    lines[k - 1] = json.dumps(obj, separators=(",", ":")).encode()
    path.write_bytes(b"".join(line + b"\n" for line in lines))

    report = audit(path)
    report.close()
    assert (report.valid, report.first_bad_line, report.first_bad_seq) == (False, k, k - 1)
    assert reason in str(report.reason)
    with pytest.raises(LogCorruptError) as info:
        list(read_events(path))
    assert (info.value.line, reason in info.value.reason) == (k, True)


@pytest.mark.parametrize(
    "change",
    [
        lambda o: {**o, "extra": 1},
        lambda o: {k: o[k] for k in [*list(o)[1:], "v"]},
        lambda o: {k: v for k, v in o.items() if k != "call"},
    ],
    ids=["extra-field", "fields-out-of-order", "missing-field"],
)
def test_malformed_shape_names_its_line(
    tmp_path: Path, change: Callable[[dict[str, object]], dict[str, object]]
) -> None:
    path = tmp_path / "s.jsonl"
    lines = _hand_log(path)
    lines[2] = json.dumps(change(json.loads(lines[2])), separators=(",", ":")).encode()
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    report = audit(path)
    report.close()
    assert (report.valid, report.first_bad_line) == (False, 3)
    assert "field" in str(report.reason)


def test_lines_from_other_tools_still_verify(tmp_path: Path) -> None:
    """Raw UTF-8 instead of \\u escapes, or spaces after the separators: not what the writer
    makes, but a well-formed, chained event all the same."""
    path = tmp_path / "s.jsonl"
    rows = [{"kind": "human.message", "data": {"text": t}} for t in ("a", "b", "c")]
    lines = build_log(path, rows)
    prev = GENESIS
    rewritten = []
    for i, line in enumerate(lines):
        obj = json.loads(line)
        obj["prev"] = prev
        if i == 1:
            obj["data"]["text"] = "café ✓"
        raw = json.dumps(obj, ensure_ascii=False).encode()  # ", " and ": " separators
        prev = hashlib.sha256(raw).hexdigest()
        rewritten.append(raw + b"\n")
    path.write_bytes(b"".join(rewritten))
    path.with_suffix(".head").write_text(
        json.dumps({"session": "s-hand", "seq": 2, "digest": prev, "ts": obj["ts"]})
    )
    report = audit(path)
    report.close()
    assert report.valid, report.reason
    assert [e.data["text"] for e in read_events(path)] == ["a", "café ✓", "c"]


# -- Forgeries by a writer without the key (issue 11) ------------------------------------
# The attacker can write every file in the workspace: the log, its head file. They cannot
# read the user's key or write the anchor beside it (outside the workspace; a credential
# path for the policy). Each forgery below passed `cockpit audit` while the chain was an
# unkeyed sha256 of the previous line.


@pytest.fixture
def ended_log(tmp_path: Path) -> Path:
    """A session that ended cleanly: the head file and the anchor are at its last line."""
    path = tmp_path / "ended.jsonl"
    log = write_session(path)
    log.append("session.ended", {"reason": "quit", "statuses": {}})
    log.close()
    assert cockpit("audit", path).code == 0
    return path


def _forge(path: Path, objs: list[dict[str, object]]) -> None:
    """Write ``objs`` as the log with every 'seq' and 'prev' recomputed, and a head file
    that agrees: all a writer without the key can do. Keyed digests are left as they were
    (the forger cannot compute new ones)."""
    prev, out = GENESIS, []
    for seq, obj in enumerate(objs):
        obj = {**obj, "seq": seq, "prev": prev}
        raw = json.dumps(obj, separators=(",", ":")).encode()
        prev = hashlib.sha256(raw).hexdigest()
        out.append(raw + b"\n")
    path.write_bytes(b"".join(out))
    last = json.loads(out[-1])
    head = {"session": last["session"], "seq": last["seq"], "digest": prev, "ts": last["ts"]}
    path.with_suffix(".head").write_text(json.dumps(head) + "\n")


def _objs(path: Path) -> list[dict[str, object]]:
    return [json.loads(raw) for raw in lines_of(path)]


def _refused_everywhere(path: Path, line: int) -> dict[str, object]:
    """Audit names ``line`` (exit 1); resume and replay refuse the log, naming it too."""
    report = _expect_bad(path, line)
    with pytest.raises(LogCorruptError) as info:
        SessionLog.open(path, env={})
    assert info.value.line == line
    replay = cockpit("replay", "--headless", path)
    assert replay.code != 0
    assert f"{path}:{line}:" in replay.err, replay.err
    return report


def test_forged_line_appended_with_the_chain_recomputed(ended_log: Path) -> None:
    objs = _objs(ended_log)
    forged = {**objs[-3], "kind": "approval.resolved", "data": {"approved": True, "by": "human"}}
    _forge(ended_log, [*objs, forged])
    report = _refused_everywhere(ended_log, len(objs) + 1)
    assert "keyed digest" in str(report["reason"])


def test_forged_unkeyed_line_appended_to_a_keyed_log(ended_log: Path) -> None:
    objs = _objs(ended_log)
    forged = {k: v for k, v in objs[-1].items() if k != "mac"}
    _forge(ended_log, [*objs, {**forged, "v": 1, "kind": "human.message"}])
    report = _refused_everywhere(ended_log, len(objs) + 1)
    assert "no keyed digest" in str(report["reason"])


def test_line_edited_with_the_whole_chain_and_head_recomputed(ended_log: Path) -> None:
    objs = _objs(ended_log)
    k = next(i for i, o in enumerate(objs) if o["kind"] == "tool.requested") + 1
    objs[k - 1] = {**objs[k - 1], "data": {"tool": "bash", "input": {"command": "true"}}}
    _forge(ended_log, objs)
    _refused_everywhere(ended_log, k)


def test_line_deleted_with_the_whole_chain_and_head_recomputed(ended_log: Path) -> None:
    objs = _objs(ended_log)
    k = next(i for i, o in enumerate(objs) if o["kind"] == "approval.resolved") + 1
    _forge(ended_log, objs[: k - 1] + objs[k:])
    _refused_everywhere(ended_log, k)  # the line that took its place is not the one signed


def test_head_rolled_back_after_a_clean_end(ended_log: Path) -> None:
    objs = _objs(ended_log)
    n = len(objs)
    back = lines_of(ended_log)[n - 4][:-1]  # the head as it was three events earlier
    head = {"session": objs[0]["session"], "seq": n - 4, "ts": objs[n - 4]["ts"],
            "digest": hashlib.sha256(back).hexdigest()}  # fmt: skip
    ended_log.with_suffix(".head").write_text(json.dumps(head) + "\n")
    report = _refused_everywhere(ended_log, n - 2)
    assert "rolled back" in str(report["reason"])


def test_head_rolled_back_after_a_clean_end_of_an_unkeyed_log(tmp_path: Path) -> None:
    """Without the key nor an anchor, a clean session.ended still says where the head was."""
    path = tmp_path / "old.jsonl"
    log = SessionLog.create(path, "s-old", env={}, keyed=False)
    for i in range(6):
        log.append("human.message", {"text": str(i)})
    log.append("session.ended", {"reason": "quit"})
    log.close()
    lines = lines_of(path)
    head = {"session": "s-old", "seq": 4, "ts": json.loads(lines[4])["ts"],
            "digest": hashlib.sha256(lines[4][:-1]).hexdigest()}  # fmt: skip
    path.with_suffix(".head").write_text(json.dumps(head) + "\n")
    report = _refused_everywhere(path, 6)
    assert "ended cleanly at seq 6" in str(report["reason"])


@pytest.mark.parametrize("garbage", [b"x", b"garbage without a newline", b'{"v":2,"seq":3,'])
def test_garbage_appended_without_a_newline(ended_log: Path, garbage: bytes) -> None:
    n = len(lines_of(ended_log))
    with ended_log.open("ab") as f:
        f.write(garbage)
    run = cockpit("audit", "--json", ended_log)
    assert run.code == 1, run.out
    assert (run.json["valid"], run.json["first_bad_line"]) == (False, n + 1)
    assert "bytes after" in run.json["reason"]
    with pytest.raises(LogCorruptError) as info:
        SessionLog.open(ended_log, env={})
    assert info.value.line == n + 1
    assert garbage in ended_log.read_bytes()  # the evidence is kept
    replay = cockpit("replay", "--headless", ended_log)
    assert replay.code != 0
    shown = cockpit("log", "show", ended_log)
    assert shown.code == 1
    assert shown.out.splitlines()[-1].startswith(f"-- TORN at line {n + 1}: ")


@pytest.mark.parametrize("k", [2, 12])
def test_lines_reordered_with_the_chain_recomputed(ended_log: Path, k: int) -> None:
    objs = _objs(ended_log)
    objs[k - 1], objs[k] = objs[k], objs[k - 1]
    _forge(ended_log, objs)
    _refused_everywhere(ended_log, k)


@pytest.mark.parametrize("cut", [1, 4])
def test_tail_truncated_with_the_head_recomputed(ended_log: Path, cut: int) -> None:
    objs = _objs(ended_log)
    lines = lines_of(ended_log)[:-cut]
    ended_log.write_bytes(b"".join(lines))
    last = json.loads(lines[-1])
    head = {"session": last["session"], "seq": last["seq"], "ts": last["ts"],
            "digest": hashlib.sha256(lines[-1][:-1]).hexdigest()}  # fmt: skip
    ended_log.with_suffix(".head").write_text(json.dumps(head) + "\n")
    report = _refused_everywhere(ended_log, len(objs) - cut + 1)
    assert f"{cut} event(s) were cut from the end" in str(report["reason"])
    assert "anchor" in str(report["reason"])
    shown = cockpit("log", "show", ended_log)
    assert shown.code == 1
    assert shown.out.splitlines()[-1].startswith(f"-- CUT at line {len(objs) - cut + 1}: ")


def test_replay_refuses_a_cut_log_again_when_its_index_is_reused(ended_log: Path) -> None:
    """The first replay of a cut log indexes it and refuses it; the second reuses that
    index (it covers the whole log), and used to play the log without a word."""
    objs = _objs(ended_log)
    ended_log.write_bytes(b"".join(lines_of(ended_log)[:-2]))
    line = len(objs) - 1
    for attempt in ("builds the index", "reuses it"):
        replay = cockpit("replay", "--headless", "--speed", "0", ended_log)
        assert replay.code == 1, attempt
        assert f"{ended_log}:{line}: " in replay.err and "were cut from the end" in replay.err
        assert ended_log.with_suffix(".idx").exists()


@pytest.mark.parametrize("keep_mac", [False, True])
def test_log_rewritten_whole_under_a_new_session_name(ended_log: Path, keep_mac: bool) -> None:
    """Renamed, no anchor matches the session: unkeyed it passed as an old log (exit 0), with
    the old keyed digests as another machine's (exit 3). This user's anchor of the file says
    which session it held."""
    objs = _objs(ended_log)
    old = str(objs[0]["session"])
    renamed = [{**o, "session": "s-forged"} for o in objs if o["kind"] != "approval.resolved"]
    if not keep_mac:
        renamed = [{**{k: v for k, v in o.items() if k != "mac"}, "v": 1} for o in renamed]
    _forge(ended_log, renamed)
    report = _refused_everywhere(ended_log, 1)
    assert f"wrote this log as session {old}" in str(report["reason"])
    assert "it was replaced" in str(report["reason"])


def test_log_emptied_with_a_head_at_its_start(ended_log: Path) -> None:
    """No events and a head at seq -1 is what a session just begun looks like: it audited
    VALID. This user's anchor of the file says how far it went."""
    old = str(_objs(ended_log)[0]["session"])
    ended_log.write_bytes(b"")
    head = {"session": old, "seq": -1, "digest": GENESIS, "ts": "2026-01-01T00:00:00.000000Z"}
    ended_log.with_suffix(".head").write_text(json.dumps(head) + "\n")
    run = cockpit("audit", "--json", ended_log)
    assert run.code == 1, run.out
    assert run.json["first_bad_line"] == 1
    assert f"held session {old} up to seq" in run.json["reason"]
    assert cockpit("audit", ended_log).out.startswith("INVALID: ")
