"""`cockpit log show` says something about every kind of event cockpit writes: a kind
added to the registry without a rendering fails here, instead of printing an empty
RESULT column (as a failed `task.verified` once did)."""

from __future__ import annotations

from typing import Any

import pytest

from cockpit.session.events import Event
from cockpit.session.kinds import (
    REGISTRY,
    AgentBlocked,
    AgentStarted,
    AgentStatusChanged,
    ApprovalRequested,
    ApprovalResolved,
    GrantRevoked,
    HumanMessage,
    LogRecovered,
    MergeAdvanced,
    MergeBrought,
    MergeChecked,
    MergeCommitted,
    MergeConflict,
    MergeFinished,
    MergeQuarantined,
    MergeSkipped,
    MergeStarted,
    ModelMessage,
    ModelUsage,
    PhaseGate,
    PhaseOpened,
    PlanChanged,
    PlanDelivered,
    PolicyDecided,
    RadarOverlap,
    SafeguardSnapshot,
    SandboxBlocked,
    SessionEnded,
    SessionResumed,
    SessionStarted,
    StrategyShifted,
    TaskAnswered,
    TaskEscalated,
    TaskRed,
    TaskStateChanged,
    TaskUpdated,
    TaskVerified,
    ToolFinished,
    ToolRequested,
    ToolStarted,
)
from cockpit.session.show import describe

# One realistic event per kind: the data cockpit writes for it.
SAMPLES: dict[str, dict[str, Any]] = {
    TaskStateChanged.kind: {
        "task": "api",
        "state": "pending",
        "was": "ready",
        "waits_for": ["#schema (in_progress)"],
    },
    PhaseOpened.kind: {"phase": "Phase 2: Build", "line": 7, "index": 2},
    PhaseGate.kind: {"phase": "Phase 1", "command": "make lint", "passed": False, "exit_code": 2},
    TaskRed.kind: {
        "task": "api",
        "command": "pytest -q",
        "passes_already": True,
        "exit_code": 0,
        "mode": "warn",
    },
    StrategyShifted.kind: {
        "task": "api",
        "strategy": 2,
        "failures": 5,
        "reason": "5 failed verify runs",
        "rolled_back_to": "abc123",
    },
    TaskEscalated.kind: {"task": "api", "to": "planner", "reason": "tests need a database"},
    TaskAnswered.kind: {"task": "api", "by": "human", "how": "message"},
    SessionStarted.kind: {"agents": ["builder"], "version": "0.1.0"},
    SessionResumed.kind: {"agents": ["builder"], "recovered": {}},
    SessionEnded.kind: {"reason": "finished", "statuses": {"builder": "done"}},
    AgentStarted.kind: {"model": "claude-sonnet-4-5", "tools": ["bash"], "source": "builtin"},
    AgentStatusChanged.kind: {"status": "thinking", "detail": "reading plan.md"},
    AgentBlocked.kind: {"reason": "the tests need a database"},
    ModelMessage.kind: {"message": {"role": "assistant", "content": "Reading the plan."}},
    ModelUsage.kind: {"model": "m", "input_tokens": 5, "output_tokens": 2, "cost_usd": 0.1},
    ToolRequested.kind: {"tool": "bash", "input": {"command": "ls"}},
    PolicyDecided.kind: {"tier": 1, "reasons": ["lists files"], "rules": []},
    ApprovalRequested.kind: {"tool": "bash", "command": "rm -rf build", "tier": 3},
    ApprovalResolved.kind: {"approved": False, "by": "human", "reason": "not now"},
    SafeguardSnapshot.kind: {"ref": "refs/cockpit/snapshots/s/1", "commit": "abc"},
    ToolStarted.kind: {"tool": "bash", "command": "ls"},
    ToolFinished.kind: {"exit_code": 0, "output": "a\n"},
    PlanChanged.kind: {"by": "human", "digest": "0123456789abcdef", "diff": "+x"},
    TaskUpdated.kind: {"task": "phase-1/fix", "status": "doing"},
    TaskVerified.kind: {
        "task": "phase-1/fix",
        "command": "pytest",
        "passed": False,
        "exit_code": 1,
    },
    HumanMessage.kind: {"text": "use the other database"},
    LogRecovered.kind: {"bytes_dropped": 12, "line": 40},
    PlanDelivered.kind: {"digest": "0123456789abcdef", "restarted": True},
    GrantRevoked.kind: {"pattern": "rm -rf …", "id": "grant:1", "by": "human"},
    SandboxBlocked.kind: {"boundary": "no network", "detail": "curl: (6) Could not resolve"},
    MergeStarted.kind: {
        "integration": "cockpit/s/integration",
        "base": "main",
        "before": "a" * 40,
        "queue": ["cockpit/s/builder", "cockpit/s/tester"],
    },
    MergeConflict.kind: {
        "branch": "cockpit/s/tester",
        "head": "b" * 40,
        "before": "a" * 40,
        "after": "a" * 40,
        "paths": ["src/app.py"],
    },
    MergeChecked.kind: {
        "branch": "cockpit/s/builder",
        "head": "b" * 40,
        "before": "a" * 40,
        "after": "c" * 40,
        "passed": True,
        "exit_code": 0,
        "output": "3 passed",
    },
    MergeAdvanced.kind: {
        "branch": "cockpit/s/builder",
        "head": "b" * 40,
        "before": "a" * 40,
        "after": "c" * 40,
    },
    MergeSkipped.kind: {
        "branch": "cockpit/s/tester",
        "head": "b" * 40,
        "before": "a" * 40,
        "after": "a" * 40,
        "reason": "conflict",
        "why": "conflicts in src/app.py",
    },
    MergeQuarantined.kind: {
        "agent": "builder",
        "branch": "cockpit/s/builder",
        "head": "b" * 40,
        "paths": ["secrets.txt"],
        "scope": ["src"],
    },
    RadarOverlap.kind: {
        "agents": ["builder", "tester"],
        "heads": ["b" * 40, "d" * 40],
        "paths": ["src/app.py"],
        "conflict": True,
        "conflicts": ["src/app.py"],
    },
    MergeCommitted.kind: {
        "agent": "builder",
        "branch": "cockpit/s/builder",
        "before": "a" * 40,
        "after": "b" * 40,
        "files": ["src/app.py"],
    },
    MergeFinished.kind: {
        "integration": "cockpit/s/integration",
        "before": "a" * 40,
        "after": "c" * 40,
        "merged": ["cockpit/s/builder"],
        "skipped": ["cockpit/s/tester"],
    },
    MergeBrought.kind: {
        "integration": "cockpit/s/integration",
        "target": "main",
        "before": "a" * 40,
        "after": "c" * 40,
        "fast_forward": True,
        "by": "human",
        "merged": ["builder"],
    },
}


def test_a_ceremony_reads_as_what_was_left_out_and_what_each_check_ran() -> None:
    started = Event(seq=1, ts="2026-12-03T10:00:00.000000Z", session="s", kind="merge.started")
    started.data.update(
        {
            **SAMPLES[MergeStarted.kind],
            "left_out": [{"agent": "tester", "verdict": "running", "why": "it is still thinking"}],
        }
    )
    checked = Event(seq=2, ts="2026-12-03T10:00:00.000000Z", session="s", kind="merge.checked")
    checked.data.update(
        {
            **SAMPLES[MergeChecked.kind],
            "commands": [{"command": "make test", "tier": 1, "exit_code": 0, "output": "ok"}],
        }
    )
    assert describe(started)[3] == "left out: tester (running: it is still thinking)"
    assert "`make test` (tier 1) exit 0" in describe(checked)[2]
    finished = Event(seq=3, ts="2026-12-03T10:00:00.000000Z", session="s", kind="merge.finished")
    finished.data.update(SAMPLES[MergeFinished.kind])
    assert describe(finished)[2].endswith("; merged: builder; skipped: tester")


def test_every_registered_kind_has_a_sample_here() -> None:
    assert set(SAMPLES) == set(REGISTRY), "add a sample for the new kind"


@pytest.mark.parametrize("kind", list(REGISTRY))
def test_every_known_kind_says_what_happened(kind: str) -> None:
    event = Event(seq=3, ts="2026-12-03T10:00:00.000000Z", session="s", kind=kind)
    event.data.update(SAMPLES[kind])
    _state, action, result, _artifacts = describe(event)
    assert result.strip() or action != kind, f"{kind} prints nothing but its name"


def test_a_failed_verification_says_it_failed_and_with_what() -> None:
    event = Event(seq=3, ts="2026-12-03T10:00:00.000000Z", session="s", kind=TaskVerified.kind)
    event.data.update(SAMPLES[TaskVerified.kind])
    _state, action, result, _artifacts = describe(event)
    assert "pytest" in action and result == "FAILED (exit 1)"


def test_a_merge_ceremony_reads_step_by_step_with_its_shas() -> None:
    def shown(kind: str) -> tuple[str, str, str, str]:
        event = Event(seq=3, ts="2026-12-03T10:00:00.000000Z", session="s", kind=kind)
        event.data.update(SAMPLES[kind])
        return describe(event)

    assert shown(MergeAdvanced.kind)[1:3] == (
        "merge cockpit/s/builder",
        f"advanced {'a' * 12} -> {'c' * 12}",
    )
    assert shown(MergeConflict.kind)[2] == f"CONFLICT in src/app.py onto {'a' * 12}"
    assert shown(MergeQuarantined.kind)[2] == "QUARANTINED: outside its scope: secrets.txt"
    assert shown(RadarOverlap.kind)[1:3] == ("radar builder & tester", "CONFLICT: src/app.py")
