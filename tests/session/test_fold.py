"""`fold`: the state resume, replay and audit rebuild from the events alone."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cockpit.session.chain import read_events
from cockpit.session.events import APPROVERS, KNOWN_KINDS, Event
from cockpit.session.log import SessionLog
from cockpit.session.state import StateBuilder, fold
from tests.session._util import cockpit, write_session

TS = "2026-11-21T10:15:03.123456Z"


def _events(*rows: tuple[Any, ...]) -> list[Event]:
    """(kind, agent, call, data) rows -> events with seq in order."""
    return [
        Event(seq=i, ts=f"2026-11-21T10:15:{i:02d}.000000Z", session="s", kind=kind, agent=agent,
              iteration=i // 4, call=call, data=data)
        for i, (kind, agent, call, data) in enumerate(rows)
    ]  # fmt: skip


SESSION = _events(
    ("session.started", None, None, {"agents": ["a", "b", "c"]}),
    ("agent.started", "a", None, {"model": "sonnet"}),
    ("agent.status", "a", None, {"status": "thinking", "detail": "reading"}),
    ("agent.blocked", "b", None, {"reason": "needs a key"}),
    ("model.message", "a", None, {"message": {"role": "assistant", "content": "hi"}}),
    (
        "model.usage",
        "a",
        None,
        {
            "input_tokens": 100,
            "output_tokens": 10,
            "cost_usd": 0.25,
            "cache_read_input_tokens": 7,
            "cache_creation_input_tokens": 3,
        },
    ),
    ("model.usage", "a", None, {"input_tokens": 50, "output_tokens": 5, "cost_usd": 0.5}),
    ("model.usage", "c", None, {"input_tokens": None, "cost_usd": "n/a"}),  # odd: counts 0
    # c1: tier 1, ran, exit 0
    ("tool.requested", "a", "c1", {"tool": "bash", "input": {"command": "ls"}}),
    ("policy.decided", "a", "c1", {"tier": 1, "reasons": [], "rules": []}),
    ("tool.started", "a", "c1", {"tool": "bash"}),
    ("tool.finished", "a", "c1", {"exit_code": 0, "output": "x"}),
    # c2: tier 3, waiting for a human
    ("tool.requested", "a", "c2", {"tool": "bash", "input": {"command": "rm -rf /tmp/x"}}),
    ("policy.decided", "a", "c2", {"tier": 3, "reasons": ["recursive deletion"]}),
    ("approval.requested", "a", "c2", {"tier": 3}),
    # c3: approved by a human, started, never finished
    ("tool.requested", "b", "c3", {"tool": "bash", "input": {"command": "make"}}),
    ("policy.decided", "b", "c3", {"tier": 3, "reasons": ["build"]}),
    ("approval.requested", "b", "c3", {"tier": 3}),
    ("approval.resolved", "b", "c3", {"approved": True, "by": "human"}),
    ("safeguard.snapshot", "b", "c3", {"ref": "refs/cockpit/1", "commit": "abc"}),
    ("tool.started", "b", "c3", {"tool": "bash"}),
    # c4: denied by a rule
    ("tool.requested", "b", "c4", {"tool": "bash", "input": {"command": "curl x | sh"}}),
    ("policy.decided", "b", "c4", {"tier": "deny", "reasons": ["curl piped to a shell"]}),
    # c5: a timeout "approving" still denies
    ("tool.requested", "a", "c5", {"tool": "bash", "input": {"command": "git push"}}),
    ("policy.decided", "a", "c5", {"tier": 3, "reasons": ["push"]}),
    ("approval.requested", "a", "c5", {"tier": 3}),
    ("approval.resolved", "a", "c5", {"approved": True, "by": "timeout"}),
    # c6: a kind from the future, with a call id: counted, not interpreted
    ("tool.teleported", "a", "c6", {"to": "mars"}),
    ("plan.changed", None, None, {"by": "human", "diff": "-a\n+b", "digest": "d1"}),
    ("task.updated", "a", None, {"task": "t1", "status": "doing"}),
    ("log.recovered", None, None, {"bytes_dropped": 12, "line": 30}),
    ("session.ended", None, None, {"reason": "done"}),
)


def test_fold_builds_the_session_state() -> None:
    s = fold(SESSION)
    assert (s.session, s.events, s.last_seq) == ("s", len(SESSION), len(SESSION) - 1)
    assert (s.ended, s.end_reason) == (True, "done")
    assert s.started_ts == SESSION[0].ts and s.last_ts == SESSION[-1].ts
    a, b, c = s.agents["a"], s.agents["b"], s.agents["c"]
    assert (a.status, a.detail, a.model) == ("thinking", "reading", "sonnet")
    assert (b.status, b.blocked_reason) == ("blocked", "needs a key")
    assert c.status == "starting"
    assert a.messages == [{"role": "assistant", "content": "hi"}]
    assert (a.input_tokens, a.output_tokens, a.cache_read_tokens, a.cache_write_tokens) == (
        150, 15, 7, 3
    )  # fmt: skip
    assert a.cost_usd == pytest.approx(0.75)
    assert (c.input_tokens, c.cost_usd) == (0, 0.0)
    assert (a.tool_calls, b.tool_calls) == (3, 2)
    assert a.task == "t1" and s.tasks["t1"]["status"] == "doing"
    assert a.iteration == max(e.iteration for e in SESSION if e.agent == "a")

    assert [c.call for c in s.pending_approvals] == ["c2"]
    assert [c.call for c in s.open_calls] == ["c3"]
    calls = s.calls
    assert (calls["c1"].status, calls["c1"].exit_code, calls["c1"].decided_by) == (
        "finished", 0, "policy"
    )  # fmt: skip
    assert calls["c1"].command == "ls"
    assert (calls["c2"].status, calls["c2"].reasons) == ("waiting", ["recursive deletion"])
    assert (calls["c3"].status, calls["c3"].decided_by, calls["c3"].snapshot) == (
        "running", "human", "refs/cockpit/1"
    )  # fmt: skip
    assert (calls["c4"].status, calls["c4"].decided_by) == ("denied", "rule")
    assert (calls["c5"].status, calls["c5"].approval, calls["c5"].decided_by) == (
        "denied", "denied", "timeout"
    )  # fmt: skip
    assert "c6" not in calls

    assert dict(s.tiers) == {"1": 1, "3": 3, "deny": 1}
    assert dict(s.approvals_by) == {"human": 1}
    assert dict(s.denials_by) == {"rule": 1, "timeout": 1}
    assert s.snapshots == 1
    assert s.kinds["tool.teleported"] == 1 and s.kinds["model.usage"] == 3
    assert s.plan_digest == "d1"
    assert s.recoveries == [{"seq": 30, "ts": SESSION[30].ts, "bytes_dropped": 12, "line": 30}]


def test_resume_reopens_an_ended_session() -> None:
    more = _events(*[(e.kind, e.agent, e.call, e.data) for e in SESSION])
    more.append(Event(len(more), TS, "s", "session.resumed", data={"recovered": {}}))
    s = fold(more)
    assert (s.ended, s.end_reason, s.resumes) == (False, None, 1)


def test_fold_of_nothing() -> None:
    s = fold([])
    assert (s.session, s.events, s.last_seq, s.agents, s.calls) == (None, 0, -1, {}, {})


def test_fold_reads_a_real_log_like_audit_does(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_session(path).close()
    s = fold(read_events(path))
    report = cockpit("audit", "--json", path).json
    assert report["tiers"] == {t: s.tiers.get(t, 0) for t in ("1", "2", "3", "deny")}
    assert report["approvals"] == {by: s.approvals_by.get(by, 0) for by in APPROVERS}
    assert report["denials"]["by"] == {by: s.denials_by.get(by, 0) for by in APPROVERS}
    assert [c["call"] for c in report["commands"] if not c["finished"]] == [
        c.call for c in s.open_calls
    ]
    assert {c["call"]: c["exit_code"] for c in report["commands"]} == {
        c.call: c.exit_code for c in s.calls.values() if c.started
    }


# -- properties ------------------------------------------------------------------------

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(-(10**9), 10**9)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
# Keys the state reads, so odd values land where they matter, and keys it does not know.
field_names = st.sampled_from(
    ["agents", "status", "detail", "task", "model", "message", "input_tokens", "output_tokens",
     "cache_read_input_tokens", "cache_creation_input_tokens", "cost_usd", "tool", "input",
     "tier", "reasons", "rules", "approved", "by", "reason", "ref", "exit_code", "error",
     "output", "artifact", "digest", "text", "bytes_dropped", "tool_use_id"]
)  # fmt: skip
any_data = st.dictionaries(field_names | st.text(max_size=6), json_value, max_size=5)
names = st.sampled_from(["a", "b", "c"])

PLAUSIBLE: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "session.started": st.fixed_dictionaries({"agents": st.lists(names, max_size=3)}),
    "agent.status": st.fixed_dictionaries({"status": st.sampled_from(["thinking", "idle"])}),
    "model.message": st.fixed_dictionaries(
        {"message": st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]),
                                           "content": st.text(max_size=20)})}
    ),
    "model.usage": st.fixed_dictionaries(
        {"input_tokens": st.integers(0, 10**6), "output_tokens": st.integers(0, 10**5),
         "cost_usd": st.floats(0, 5)}
    ),
    "tool.requested": st.fixed_dictionaries(
        {"tool": st.sampled_from(["bash", "edit"]),
         "input": st.fixed_dictionaries({"command": st.text(max_size=20)})}
    ),
    "policy.decided": st.fixed_dictionaries(
        {"tier": st.sampled_from([1, 2, 3, "deny"]), "reasons": st.lists(st.text(max_size=8))}
    ),
    "approval.resolved": st.fixed_dictionaries(
        {"approved": st.booleans(), "by": st.sampled_from(APPROVERS)}
    ),
    "tool.finished": st.fixed_dictionaries(
        {"exit_code": st.none() | st.integers(-1, 255), "output": st.text(max_size=20)}
    ),
}  # fmt: skip
kinds = st.sampled_from(sorted(KNOWN_KINDS | {"agent.dreamed", "x.y"}))


@st.composite
def event_rows(draw: st.DrawFn, data: st.SearchStrategy[dict[str, Any]] | None = None) -> Any:
    kind = draw(kinds)
    body = draw(data if data is not None else PLAUSIBLE.get(kind, any_data))
    agent = draw(st.none() | names)
    call = draw(st.none() | st.sampled_from(["c1", "c2", "c3"]))
    return kind, agent, call, draw(st.integers(0, 5)), body


def _write(path: Path, rows: list[Any]) -> list[Event]:
    log = SessionLog.create(path, "s-prop", env={})
    try:
        return [
            log.append(kind, body, agent=agent, call=call, iteration=it)
            for kind, agent, call, it, body in rows
        ]
    finally:
        log.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(event_rows(), max_size=25))
def test_fold_is_deterministic_and_survives_the_disk(rows: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.jsonl"
        written = _write(path, rows)
        snapshot = copy.deepcopy(written)
        state = fold(written)
        assert fold(written) == state
        assert written == snapshot  # pure: the events are not touched
        assert fold(read_events(path)) == state


@settings(max_examples=200, deadline=None)
@given(st.lists(event_rows(any_data), max_size=30))
@example([("model.usage", "a", None, 0, {"cost_usd": "n/a", "input_tokens": [1]})])
@example([("model.usage", "a", None, 0, {"output_tokens": float("nan")})])
@example([("policy.decided", "a", "c1", 0, {"tier": "deny", "reasons": 5, "rules": 1})])
@example([("policy.decided", "a", "c1", 0, {"tier": "deny", "reasons": [1, None]})])
@example([("session.started", None, None, 0, {"agents": 3})])
def test_fold_never_fails_on_odd_data(rows: list[Any]) -> None:
    """Any well-formed event folds, whatever its data: a newer cockpit's log still opens."""
    events = [
        Event(seq=i, ts=TS, session="s", kind=kind, agent=agent, iteration=it, call=call,
              data=body)
        for i, (kind, agent, call, it, body) in enumerate(rows)
    ]  # fmt: skip
    state = fold(events)
    assert state.events == len(events)
    builder = StateBuilder()
    for event in events:
        builder.apply(event)
    assert builder.state == state  # the incremental builder is the same function
    closed: list[str] = []
    lean = StateBuilder(lean=True, on_call_closed=lambda c: closed.append(c.call))
    for event in events:
        lean.apply(event)
    # The lean builder audit uses forgets finished calls, never the tallies.
    for field in ("events", "kinds", "tiers", "approvals_by", "denials_by", "snapshots"):
        assert getattr(lean.state, field) == getattr(state, field), field
    assert set(lean.state.calls) <= set(state.calls)
