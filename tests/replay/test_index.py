"""The index beside the log: built once (verifying the chain), reused, extended, invalidated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.errors import LogCorruptError
from cockpit.replay.index import HEADER_SIZE, RECORD_SIZE, Index, index_path
from cockpit.replay.lines import Flag, fast_parse, ts_seconds
from cockpit.session.chain import parse_line
from cockpit.session.events import FIELDS, GENESIS, digest, encode_line
from cockpit.session.log import SessionLog
from tests.replay._logs import lines_of, realistic, timed, ts


def _built(path: Path) -> Index:
    index = Index.open(path)
    index.update()
    return index


def test_build_records_offsets_times_kinds_and_markers(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    realistic(path).close()
    index = _built(path)
    raw = lines_of(path)
    assert len(index) == len(raw) and index.rebuilt
    assert index.indexed_bytes == path.stat().st_size
    offset = 0
    for i, line in enumerate(raw):
        obj = json.loads(line)
        assert index.offset(i) == offset
        assert index.end(i) == offset + len(line)
        assert index.kind(i) == obj["kind"]
        assert index.ts(i) == pytest.approx(ts_seconds(obj["ts"]), abs=1e-6)
        offset += len(line)
    marked = {i: index.flags(i) for i in index.markers()}
    kinds = {i: json.loads(raw[i])["kind"] for i in marked}
    assert marked == {
        12: Flag.APPROVAL,  # pip install rich: asked
        13: Flag.APPROVAL,  # ... approved by a human
        18: Flag.APPROVAL,  # rm -rf build: asked
        19: Flag.APPROVAL,  # ... approved by a rule
        24: Flag.APPROVAL,  # git push --force: asked
        25: Flag.DENIAL,  # ... a timeout denies, even when it says approved
        27: Flag.DENIAL,  # curl | sh: a deny rule
        31: Flag.ERROR,  # make lint: exit 2
        39: Flag.ERROR,  # make test: exit 2, with an artifact
        40: Flag.ERROR,  # tester failed
    }
    assert kinds[27] == "policy.decided" and kinds[40] == "agent.status"
    assert index.next_marker(13) == 18 and index.next_marker(40) is None
    assert index.prev_marker(18) == 13 and index.prev_marker(12) is None


def test_the_index_is_reused_when_the_log_did_not_change(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    realistic(path).close()
    first = _built(path)
    assert index_path(path).stat().st_mode & 0o777 == 0o600
    assert index_path(path).stat().st_size == HEADER_SIZE + len(first) * RECORD_SIZE
    again = Index.open(path)
    assert not again.rebuilt
    assert len(again) == len(first) and again.session == first.session
    assert [again.offset(i) for i in range(len(again))] == [
        first.offset(i) for i in range(len(first))
    ]
    assert again.update() == 0
    assert list(again.markers()) == list(first.markers())


def test_a_grown_log_extends_the_index_without_rebuilding(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    realistic(path).close()
    before = len(_built(path))
    log = SessionLog.open(path, env={})
    for n in range(5):
        log.append("human.message", {"text": f"more {n}"}, agent="builder")
    log.append("approval.requested", {"tier": 3}, agent="builder", call="c-9")
    log.close()
    index = Index.open(path)
    assert not index.rebuilt and len(index) == before
    assert index.update() == 6  # only the new lines were read
    assert len(index) == before + 6 and index.indexed_bytes == path.stat().st_size
    assert index.next_marker(before) == before + 5
    assert Index.open(path).update() == 0  # and the extension was saved


def test_an_index_built_in_pieces_equals_one_built_at_once(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    realistic(path).close()
    pieces = Index.open(path)
    counts = []
    while n := pieces.update(limit=7):
        counts.append(n)
    assert counts == [7, 7, 7, 7, 7, 7] and pieces.at_end
    whole = Index.open(path, persist=False)
    whole.update()
    assert [pieces.offset(i) for i in range(len(pieces))] == [
        whole.offset(i) for i in range(len(whole))
    ]
    assert list(pieces.markers()) == list(whole.markers())
    assert index_path(path).stat().st_size == HEADER_SIZE + len(whole) * RECORD_SIZE


def test_changing_the_last_indexed_line_rebuilds_and_reports_it(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    lines = timed(path, [0, 1, 2, 3, 4, 5])
    _built(path)
    forged = lines[-1].replace(b"thinking", b"sleeping")
    path.write_bytes(b"".join(line + b"\n" for line in [*lines[:-1], forged]))
    index = Index.open(path)
    assert index.rebuilt and len(index) == 0
    with pytest.raises(LogCorruptError) as err:
        index.update()
    assert err.value.line == 6 and "head file digest differs" in err.value.reason


def test_a_changed_line_is_reported_with_its_number_on_the_first_build(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    lines = timed(path, [0, 1, 2, 3, 4, 5])
    lines[2] = lines[2].replace(b"thinking", b"sleeping")
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    index = Index.open(path)
    with pytest.raises(LogCorruptError) as err:
        index.update()
    assert err.value.line == 3 and "changed after it was written" in err.value.reason
    assert len(index) == 2 and index.indexed_bytes == len(lines[0]) + len(lines[1]) + 2
    again = Index.open(path)  # the good lines before it were kept, the changed one was not
    assert not again.rebuilt and len(again) == 2
    with pytest.raises(LogCorruptError) as err:
        again.update()
    assert err.value.line == 3


def test_a_changed_line_indexed_in_an_earlier_piece_is_taken_back(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    lines = timed(path, [0, 1, 2, 3, 4, 5])
    lines[2] = lines[2].replace(b"thinking", b"sleeping")
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    index = Index.open(path)
    assert index.update(limit=3) == 3  # line 3 looks fine until line 4 is read
    with pytest.raises(LogCorruptError) as err:
        index.update()
    assert err.value.line == 3 and len(index) == 2
    assert Index.open(path).last_digest == digest(lines[1])


def test_a_removed_line_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    lines = timed(path, [0, 1, 2, 3, 4, 5])
    path.write_bytes(b"".join(line + b"\n" for line in lines[:2] + lines[3:]))
    with pytest.raises(LogCorruptError) as err:
        _built(path)
    assert err.value.line == 3 and "seq is 3, expected 2" in err.value.reason


def test_lines_cut_from_the_end_are_reported_by_the_head_file(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    lines = timed(path, [0, 1, 2, 3, 4, 5])
    path.write_bytes(b"".join(line + b"\n" for line in lines[:4]))
    with pytest.raises(LogCorruptError) as err:
        _built(path)
    assert err.value.line == 5 and "2 event(s) were cut from the end" in err.value.reason


def test_a_shorter_or_replaced_log_rebuilds(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [0, 1, 2, 3, 4, 5])
    _built(path)
    timed(path, [0, 1, 2])  # a new log under the same name
    index = Index.open(path)
    assert index.rebuilt
    assert index.update() == 3


@pytest.mark.parametrize("damage", ["crc", "short", "version", "records"])
def test_a_damaged_index_file_is_rebuilt(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [0, 1, 2, 3])
    _built(path)
    idx = index_path(path)
    raw = bytearray(idx.read_bytes())
    if damage == "crc":
        raw[20] ^= 1  # the count
    elif damage == "short":
        raw = raw[:40]
    elif damage == "version":
        raw[8] = 9
    else:
        raw = raw[:-3]
    idx.write_bytes(bytes(raw))
    index = Index.open(path)
    assert index.rebuilt
    assert index.update() == 4


def test_a_line_being_written_is_indexed_once_complete(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    lines = timed(path, [0, 1, 2, 3], iteration=1)
    extra = encode_line(
        1, 4, ts(4), "s-hand", "a", 1, "agent.status", None, {"status": "x"}, digest(lines[-1])
    )
    with path.open("ab") as f:
        f.write(extra[:10])
    index = _built(path)  # the head file still says seq 3: a torn tail is not damage
    assert len(index) == 4 and index.at_end
    with path.open("ab") as f:
        f.write(extra[10:] + b"\n")
    assert index.update() == 1 and index.kind(4) == "agent.status"


def test_an_index_kept_in_memory_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [0, 1, 2])
    index = Index.open(path, persist=False)
    assert index.update() == 3
    assert not index_path(path).exists()


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
VALUES = st.none() | st.booleans() | st.integers(-3, 3) | TEXT | st.just({}) | st.just([])


@st.composite
def odd_objects(draw: st.DrawFn) -> tuple[dict[str, Any], int, str]:
    """A well-formed event object with a few fields (maybe) replaced, dropped or reordered."""
    prev = draw(st.sampled_from([GENESIS, digest(b"x")]))
    seq = draw(st.integers(0, 3))
    obj: dict[str, Any] = {
        "v": 1,
        "seq": seq,
        "ts": ts(draw(st.integers(0, 10**6))),
        "session": "s",
        "agent": draw(st.none() | st.just("a")),
        "iteration": draw(st.integers(0, 4)),
        "kind": draw(st.sampled_from(["agent.status", "x.y"])),
        "call": draw(st.none() | st.just("c1")),
        "data": {"k": draw(TEXT)},
        "prev": prev,
    }
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=3)):
        action = draw(st.sampled_from(["replace", "drop", "move"]))
        if action == "replace":
            obj[name] = draw(VALUES | st.sampled_from(["2026-11-21T10:00:00Z", "s", 1.0, True]))
        elif action == "drop":
            obj.pop(name, None)
        elif name in obj:
            obj[name] = obj.pop(name)
    return obj, draw(st.integers(0, 3)), draw(st.sampled_from([prev, GENESIS]))


@given(odd_objects(), st.sampled_from([None, "s", "t"]))
def test_fast_parse_agrees_with_parse_line(
    case: tuple[dict[str, Any], int, str], session: str | None
) -> None:
    obj, seq, prev = case
    line = json.dumps(obj, separators=(",", ":")).encode()
    fast = fast_parse(line, seq, prev, session)
    slow = parse_line(line, seq, prev, session, json.loads)
    if fast is not None:
        assert fast == slow
    else:
        assert isinstance(slow, str)
