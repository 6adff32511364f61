"""The state at any event equals the fold of the prefix, however it is reached."""

from __future__ import annotations

import gc
import tempfile
import weakref
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.errors import LogCorruptError
from cockpit.replay.index import Index, index_path
from cockpit.replay.player import Player
from cockpit.replay.states import _copy_containers
from cockpit.session.chain import read_events
from cockpit.session.events import APPROVERS, KNOWN_KINDS
from cockpit.session.state import AgentState, SessionState, fold
from tests.replay._logs import chained, lines_of, realistic, timed, ts

NAMES = st.sampled_from(["a", "b", "c"])
CALLS = st.sampled_from(["c1", "c2", "c3", "c4", "c5"])
TEXT = st.text(max_size=6)
DATA: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "session.started": st.fixed_dictionaries({"agents": st.lists(NAMES, max_size=3)}),
    "agent.status": st.fixed_dictionaries({"status": st.sampled_from(["thinking", "failed"])}),
    "agent.blocked": st.fixed_dictionaries({"reason": TEXT}),
    "model.message": st.fixed_dictionaries(
        {"message": st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]),
                                           "content": TEXT})}
    ),
    "model.usage": st.fixed_dictionaries(
        {"input_tokens": st.integers(0, 999), "output_tokens": st.integers(0, 99),
         "cost_usd": st.floats(0, 1)}
    ),
    "human.message": st.fixed_dictionaries({"text": TEXT}),
    "tool.requested": st.fixed_dictionaries(
        {"tool": st.just("bash"), "input": st.fixed_dictionaries({"command": TEXT})}
    ),
    "policy.decided": st.fixed_dictionaries(
        {"tier": st.sampled_from([1, 2, 3, "deny"]), "reasons": st.lists(TEXT, max_size=2)}
    ),
    "approval.resolved": st.fixed_dictionaries(
        {"approved": st.booleans(), "by": st.sampled_from(APPROVERS)}
    ),
    "safeguard.snapshot": st.fixed_dictionaries({"ref": TEXT}),
    "tool.finished": st.fixed_dictionaries(
        {"exit_code": st.none() | st.integers(0, 2), "output": TEXT}
    ),
    "task.updated": st.fixed_dictionaries({"task": st.sampled_from(["t1", "t2"]), "status": TEXT}),
    "log.recovered": st.fixed_dictionaries({"bytes_dropped": st.integers(0, 9)}),
}  # fmt: skip


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(KNOWN_KINDS | {"agent.dreamed"})))
    data = draw(DATA.get(kind, st.just({})))
    return {
        "kind": kind,
        "agent": draw(st.none() | NAMES),
        "call": draw(st.none() | CALLS),
        "iteration": draw(st.integers(0, 3)),
        "data": data,
    }


def _log(folder: Path, events: list[dict[str, Any]]) -> Path:
    path = folder / "s.jsonl"
    chained(path, [{**row, "ts": ts(i)} for i, row in enumerate(events)])
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(rows(), min_size=1, max_size=60),
    st.integers(1, 8),
    st.integers(1, 4),
    st.lists(st.integers(0, 60), min_size=1, max_size=8),
)
def test_state_at_equals_the_fold_of_the_prefix(
    events: list[dict[str, Any]], every: int, full_every: int, seeks: list[int]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _log(Path(tmp), events)
        expected = list(read_events(path))
        with Player(Index.open(path), checkpoint_every=every) as player:
            player.states.full_every = full_every
            player.refresh()
            # seeks in any order (building checkpoints lazily), then everything once warm
            for i in seeks:
                i = min(i, len(expected))
                assert player.state_at(i) == fold(expected[:i])
            while not player.warm(7):
                pass
            for i in range(len(expected) + 1):
                assert player.state_at(i) == fold(expected[:i]), i


def test_a_state_handed_out_can_be_extended_without_touching_the_checkpoints(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.jsonl"
    realistic(path).close()
    events = list(read_events(path))
    player = Player.open(path, checkpoint_every=4)
    player.warm(10_000)
    builder = player.builder_at(8)
    for event in events[8:]:
        builder.apply(event)  # the live screen's way: apply each event it is fed
    assert builder.state == fold(events)
    for i in (8, 9, 12, 20, 30, len(events)):
        assert player.state_at(i) == fold(events[:i]), i
    state = player.state_at(12)
    state.calls.clear()
    state.agents["builder"].messages.clear()
    assert player.state_at(12) == fold(events[:12])


def test_checkpoints_copy_every_container_field() -> None:
    """A field added to the state later must not be shared between checkpoints."""
    state = SessionState(session="s")
    state.agent("a").messages.append({"role": "user"})
    copy = SessionState(**{f: getattr(state, f) for f in state.__dataclass_fields__})
    _copy_containers(copy, frozenset())
    for name in state.__dataclass_fields__:
        value = getattr(state, name)
        if isinstance(value, dict | list | set):
            assert getattr(copy, name) is not value, name
    agent = AgentState("a")
    other = AgentState(**{f: getattr(agent, f) for f in agent.__dataclass_fields__})
    _copy_containers(other, frozenset())
    assert other.messages is not agent.messages and other.undelivered is not agent.undelivered


def test_the_warm_pass_verifies_a_reused_index_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [float(i) for i in range(600)])
    Index.open(path).update()
    lines = lines_of(path)
    lines[400] = lines[400].replace(b"thinking", b"sleeping")  # same length, chain not fixed
    path.write_bytes(b"".join(lines))
    player = Player.open(path)
    assert not player.index.rebuilt  # reopening checks only the last line...
    assert player.event(3).seq == 3  # (a page is checked as it is read)
    with pytest.raises(LogCorruptError) as err:
        while not player.warm(8):  # ...the background pass reads every line
            pass
    assert err.value.line == 401 and "changed after it was written" in err.value.reason
    assert not index_path(path).exists()  # dropped: the next open rebuilds and reports it
    with pytest.raises(LogCorruptError):
        Player.open(path).end()


def test_reading_a_changed_line_reports_it(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [float(i) for i in range(600)])
    Index.open(path).update()
    lines = lines_of(path)
    lines[400] = lines[400].replace(b"thinking", b"sleeping")
    path.write_bytes(b"".join(lines))
    player = Player.open(path)
    assert player.event(10).seq == 10
    with pytest.raises(LogCorruptError) as err:
        player.event(400)
    assert err.value.line == 401


def test_a_log_rewritten_with_other_line_lengths_is_not_misread(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    timed(path, [float(i) for i in range(40)])
    Index.open(path).update()
    lines = lines_of(path)
    lines[5] = lines[5].replace(b"thinking", b"thinking harder")
    path.write_bytes(b"".join(lines))
    with pytest.raises(LogCorruptError) as err:  # the last line moved: rebuilt, verified
        Player.open(path).events_between(0, 40)
    assert err.value.line == 6


def test_states_are_freed_without_the_cycle_collector(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    realistic(path).close()
    player = Player.open(path, checkpoint_every=8)
    while not player.warm(5):
        pass
    assert gc.isenabled()  # paused while folding, and only then
    collecting = gc.isenabled()
    gc.disable()
    try:
        state = player.state_at(20)
        ref = weakref.ref(state)
        del state
        assert ref() is None  # freed by reference counting alone
    finally:
        if collecting:
            gc.enable()
    player.close()
