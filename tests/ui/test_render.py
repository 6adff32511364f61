"""How events read in a pane: the wording, tier styles and output rules (no screen)."""

from __future__ import annotations

from typing import Any

import pytest

from cockpit.session.events import Event
from cockpit.session.kinds import (
    AgentStatusChanged,
    ApprovalResolved,
    GrantRevoked,
    ModelMessage,
    PlanDelivered,
    PolicyDecided,
    SafeguardSnapshot,
    TaskUpdated,
    TaskVerified,
    ToolFinished,
)
from cockpit.session.state import AgentState, CallState
from cockpit.ui import render


def event(kind: str, data: dict[str, Any], *, agent: str = "builder", call: str = "c-1") -> Event:
    return Event(
        seq=1,
        ts="2026-11-21T10:15:03.123456Z",
        session="s",
        kind=kind,
        agent=agent,
        call=call,
        data=data,
    )


def bash_call(command: str) -> CallState:
    return CallState("c-1", "builder", 1, tool="bash", input={"command": command})


@pytest.mark.parametrize(
    ("tier", "style", "label"),
    [
        (1, "tier-1", "[T1]"),
        (2, "tier-2", "[T2]"),
        (3, "tier-3", "[T3]"),
        ("deny", "deny", "[DENY]"),
    ],
)
def test_a_decision_shows_the_command_in_its_tier_colour(
    tier: object, style: str, label: str
) -> None:
    lines = render.describe(
        event(PolicyDecided.kind, {"tier": tier, "reasons": ["why one", "why two"], "rules": []}),
        bash_call("rm -rf build"),
    )
    assert lines[0] == (style, f"{label} $ rm -rf build")
    reasons = [text.strip() for _, text in lines[1:]]
    assert reasons == ([] if tier == 1 else ["why one", "why two"])
    assert {s for s, _ in lines} == {style}


def test_file_tools_read_as_tool_and_path() -> None:
    call = CallState("c-1", "builder", 1, tool="read_file", input={"path": "plan.md"})
    lines = render.describe(event(PolicyDecided.kind, {"tier": 1, "reasons": ["r"]}), call)
    assert lines == [("tier-1", "[T1] read_file plan.md")]


def test_cockpits_own_tools_are_left_to_their_own_events() -> None:
    call = CallState("c-1", "builder", 1, tool="update_task", input={"task": "x"})
    assert render.describe(event(PolicyDecided.kind, {"tier": 1}), call) == []
    assert render.describe(event(ToolFinished.kind, {"exit_code": None}), call) == []
    updated = render.describe(
        event(TaskUpdated.kind, {"task": "Fix it", "status": "done", "note": "3 passed"}), None
    )
    assert updated == [("note", "▸ task “Fix it”: done — 3 passed")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"approved": True, "by": "human"}, ("ok", "  ✓ approved by human")),
        (
            {"approved": False, "by": "human", "reason": "not now"},
            ("fail", "  ✗ denied by human: not now"),
        ),
        ({"approved": True, "by": "timeout"}, ("fail", "  ✗ denied by timeout")),
        ({"approved": False, "by": "headless"}, ("fail", "  ✗ denied by headless")),
    ],
)
def test_approvals_say_who_decided(data: dict[str, Any], expected: tuple[str, str]) -> None:
    assert render.describe(event(ApprovalResolved.kind, data), None) == [expected]


def test_finished_command_shows_output_tail_only_when_it_was_not_streamed() -> None:
    output = "\n".join(f"line {n}" for n in range(10)) + "\n"
    data = {"exit_code": 1, "output": output, "duration_s": 12.4}
    shown = render.describe(event(ToolFinished.kind, data), bash_call("pytest"))
    assert shown[-1] == ("fail", "  ✗ exit 1 · 12 s")
    assert [t for _, t in shown[:-1]] == [f"  line {n}" for n in range(4, 10)]
    streamed = render.describe(
        event(ToolFinished.kind, data), bash_call("pytest"), output_streamed=True
    )
    assert streamed == [("fail", "  ✗ exit 1 · 12 s")]


def test_errors_and_snapshots() -> None:
    failed = render.describe(
        event(ToolFinished.kind, {"exit_code": None, "error": "timed out\nmore"}), bash_call("x")
    )
    assert failed == [("fail", "  ✗ timed out")]
    snap = render.describe(
        event(
            SafeguardSnapshot.kind,
            {"ref": "refs/cockpit/snapshots/s/1", "commit": "0123456789abcdef"},
        ),
        None,
    )
    assert snap == [("dim", "  snapshot 0123456789 saved before it runs")]
    skipped = render.describe(
        event(SafeguardSnapshot.kind, {"skipped": "not a git repository"}), None
    )
    assert skipped == [("tier-2", "  no snapshot: not a git repository")]


def test_clean_shows_control_characters_and_output_drops_only_colours() -> None:
    assert render.clean("\x1b[31mred\x1b[0m\tx\x07") == "\\x1b[31mred\\x1b[0m  x\\x07"
    assert render.clean_output("\x1b[31mred\x1b[0m\tx\x07") == "red x\\x07"
    # a carriage return that would overwrite the line is shown, a CRLF is a line end
    assert render.clean_output("10%\r50%\r100%\r\nnext") == "10%\\r50%\\r100%\nnext"
    assert render.clean_output("osc \x1b]0;title\x07end") == "osc \\x1b]0;title\\x07end"
    assert render.clean("rtl \u202eexe.txt zw\u200bj") == "rtl \\u202eexe.txt zw\\u200bj"


def test_model_text_comes_from_assistant_messages_only() -> None:
    said = event(
        ModelMessage.kind,
        {
            "message": {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "one"},
                    {"type": "tool_use", "id": "t"},
                    {"type": "text", "text": "two"},
                ],
            }
        },
    )
    assert render.model_text(said) == "one\ntwo"
    heard = event(ModelMessage.kind, {"message": {"role": "user", "content": "hi"}})
    assert render.model_text(heard) == ""


@pytest.mark.parametrize(
    ("count", "text"), [(0, "0"), (999, "999"), (12_345, "12.3k"), (1_250_000, "1.25M")]
)
def test_tokens(count: int, text: str) -> None:
    assert render.tokens(count) == text


def test_total_tokens_counts_cache_too() -> None:
    agent = AgentState(
        "a", input_tokens=1, output_tokens=2, cache_read_tokens=3, cache_write_tokens=4
    )
    assert render.total_tokens(agent) == 10


def test_every_status_has_a_colour() -> None:
    statuses = [
        "thinking",
        "running",
        "waiting for you",
        "paused",
        "blocked",
        "retrying",
        "done",
        "failed",
        "idle",
        "stalled",
    ]
    assert all(s in render.STATUS_COLOURS for s in statuses)


def test_verification_results() -> None:
    passed = render.describe(
        event(TaskVerified.kind, {"command": "pytest -q", "passed": True}), None
    )
    assert passed == [("ok", "  ✓ verified: pytest -q")]
    failed = render.describe(
        event(TaskVerified.kind, {"command": "pytest -q", "passed": False, "exit_code": 1}), None
    )
    assert failed == [("fail", "  ✗ verify failed (exit 1): pytest -q")]


def test_quick_commands_do_not_show_their_duration() -> None:
    quick = render.describe(
        event(ToolFinished.kind, {"exit_code": 0, "duration_s": 0.3}), bash_call("ls")
    )
    assert quick == [("ok", "  ✓ exit 0")]


def test_a_command_with_escape_codes_and_tabs_reaches_the_pane_clean() -> None:
    command = "printf '\x1b[2J\x1b]0;owned\x07'\tdone"
    lines = render.describe(
        event(PolicyDecided.kind, {"tier": 1, "reasons": ["read-only"]}), bash_call(command)
    )
    assert lines
    for _, text in lines:
        assert "\x1b" not in text and "\x07" not in text and "\t" not in text
    assert lines[0][1] == "[T1] $ printf '\\x1b[2J\\x1b]0;owned\\x07' done"


EDIT_DIFF = "\n".join(
    [
        "--- a/textstats/core.py",
        "+++ b/textstats/core.py",
        "@@ -1,4 +1,4 @@",
        " def word_count(text):",
        '-    return len(text.split(" "))',
        "+    return len(text.split())",
        " ",
        " ",
        "@@ -10,3 +10,5 @@ def line_count(text):",
        '     return text.count("\\n")',
        "+",
        "+--- not a header: an added line that starts with dashes",
        "",
    ]
)


def file_call(tool: str, path: str) -> CallState:
    return CallState("c-1", "builder", 1, tool=tool, input={"path": path})


def test_an_edit_shows_its_counts_and_changed_lines_in_diff_colours() -> None:
    data = {"exit_code": None, "output": "edited textstats/core.py", "diff": EDIT_DIFF}
    lines = render.describe(event(ToolFinished.kind, data), file_call("edit_file", "x"))
    assert lines == [
        ("dim", "  edited textstats/core.py"),
        ("ok", "  ✓ done · +3 -1"),
        ("removed", '    -    return len(text.split(" "))'),
        ("added", "    +    return len(text.split())"),
        ("added", "    +"),
        ("added", "    +--- not a header: an added line that starts with dashes"),
    ]


def test_a_long_diff_shows_its_first_changed_lines_and_how_many_more() -> None:
    body = "".join(f"+line {n}\n" for n in range(30))
    diff = f"--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,30 @@\n{body}"
    data = {"exit_code": None, "diff": diff, "diff_truncated": True}
    lines = render.describe(event(ToolFinished.kind, data), file_call("write_file", "new.txt"))
    assert lines[0] == ("ok", "  ✓ done · +30 -0 in the part logged")
    assert lines[1 : 1 + render.DIFF_LINES] == [
        ("added", f"    +line {n}") for n in range(render.DIFF_LINES)
    ]
    assert lines[-1] == ("dim", f"    … {30 - render.DIFF_LINES} more changed lines")


def test_a_diff_with_escape_codes_reaches_the_pane_clean() -> None:
    diff = "@@ -1 +1 @@\n-old\n+\x1b]0;owned\x07new\tline\n"
    lines = render.describe(
        event(ToolFinished.kind, {"exit_code": None, "diff": diff}), file_call("edit_file", "x")
    )
    # the tab expanded, the codes shown, not obeyed
    assert ("added", "    +\\x1b]0;owned\\x07new    line") in lines


@pytest.mark.parametrize(
    ("data", "line"),
    [
        ({"digest": "ab12", "restarted": True}, "the turn restarted with it"),
        ({"digest": "ab12", "restarted": False}, "delivered with this turn"),
    ],
)
def test_a_delivered_plan_change_is_one_line_in_the_pane(data: dict[str, Any], line: str) -> None:
    lines = render.describe(event(PlanDelivered.kind, data, call=None), None)  # type: ignore[arg-type]
    assert len(lines) == 1 and lines[0][0] == "note"
    assert "plan.md change delivered" in lines[0][1] and line in lines[0][1]


def test_a_stall_and_a_failure_say_why() -> None:
    stalled = {"status": "stalled", "detail": "no answer from the model for 45 s"}
    assert render.describe(event(AgentStatusChanged.kind, stalled), None) == [
        ("tier-2", "… stalled: no answer from the model for 45 s")
    ]
    failed = {"status": "failed", "detail": "plan.md line 3 is not UTF-8"}
    assert render.describe(event(AgentStatusChanged.kind, failed), None) == [
        ("fail", "✗ failed: plan.md line 3 is not UTF-8")
    ]


def test_a_revoked_grant_is_said() -> None:
    data = {"pattern": "rm -rf …", "id": "grant:rm -rf", "by": "human"}
    lines = render.describe(event(GrantRevoked.kind, data, agent=None, call=None), None)  # type: ignore[arg-type]
    assert lines == [("note", "── session grant revoked by you: rm -rf … asks again ──")]


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (12.9, "12s"), (65, "1m05s"), (3725, "1h02m")]
)
def test_elapsed(seconds: float, text: str) -> None:
    assert render.elapsed(seconds) == text


def test_an_unpriced_model_costs_a_question_mark_not_zero() -> None:
    priced = AgentState("a", cost_usd=0.25)
    unpriced = AgentState("b", unpriced_model="my-local-model")
    assert render.agent_cost(priced) == "$0.250"
    assert render.agent_cost(unpriced) == "cost ?"
    assert render.session_cost([priced, unpriced]) == "$0.250 + ?"
    assert render.session_cost([priced]) == "$0.250"


def test_a_stall_keeps_the_time_of_the_request_it_interrupts() -> None:
    from cockpit.session.state import fold

    def status(seq: int, ts: str, value: str) -> Event:
        return Event(seq, ts, "s", AgentStatusChanged.kind, agent="b", data={"status": value})

    ts = ["2026-11-21T10:00:00.000000Z", "2026-11-21T10:00:45.000000Z"]
    state = fold([status(0, ts[0], "thinking"), status(1, ts[1], "stalled")])
    assert state.agents["b"].status_since == ts[0]
    state = fold([status(0, ts[0], "running"), status(1, ts[1], "thinking")])
    assert state.agents["b"].status_since == ts[1]
