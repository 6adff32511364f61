"""`cockpit log show` says something about every kind of event cockpit writes: a kind
added to the registry without a rendering fails here, instead of printing an empty
RESULT column (as a failed `task.verified` once did)."""

from __future__ import annotations

from typing import Any

import pytest

from cockpit.session import events as k
from cockpit.session.events import Event
from cockpit.session.kinds import REGISTRY
from cockpit.session.show import describe

# One realistic event per kind: the data cockpit writes for it.
SAMPLES: dict[str, dict[str, Any]] = {
    k.SESSION_STARTED: {"agents": ["builder"], "version": "0.1.0"},
    k.SESSION_RESUMED: {"agents": ["builder"], "recovered": {}},
    k.SESSION_ENDED: {"reason": "finished", "statuses": {"builder": "done"}},
    k.AGENT_STARTED: {"model": "claude-sonnet-4-5", "tools": ["bash"], "source": "builtin"},
    k.AGENT_STATUS: {"status": "thinking", "detail": "reading plan.md"},
    k.AGENT_BLOCKED: {"reason": "the tests need a database"},
    k.MODEL_MESSAGE: {"message": {"role": "assistant", "content": "Reading the plan."}},
    k.MODEL_USAGE: {"model": "m", "input_tokens": 5, "output_tokens": 2, "cost_usd": 0.1},
    k.TOOL_REQUESTED: {"tool": "bash", "input": {"command": "ls"}},
    k.POLICY_DECIDED: {"tier": 1, "reasons": ["lists files"], "rules": []},
    k.APPROVAL_REQUESTED: {"tool": "bash", "command": "rm -rf build", "tier": 3},
    k.APPROVAL_RESOLVED: {"approved": False, "by": "human", "reason": "not now"},
    k.SAFEGUARD_SNAPSHOT: {"ref": "refs/cockpit/snapshots/s/1", "commit": "abc"},
    k.TOOL_STARTED: {"tool": "bash", "command": "ls"},
    k.TOOL_FINISHED: {"exit_code": 0, "output": "a\n"},
    k.PLAN_CHANGED: {"by": "human", "digest": "0123456789abcdef", "diff": "+x"},
    k.TASK_UPDATED: {"task": "phase-1/fix", "status": "doing"},
    k.TASK_VERIFIED: {"task": "phase-1/fix", "command": "pytest", "passed": False, "exit_code": 1},
    k.HUMAN_MESSAGE: {"text": "use the other database"},
    k.LOG_RECOVERED: {"bytes_dropped": 12, "line": 40},
    k.PLAN_DELIVERED: {"digest": "0123456789abcdef", "restarted": True},
    k.GRANT_REVOKED: {"pattern": "rm -rf …", "id": "grant:1", "by": "human"},
}


def test_every_registered_kind_has_a_sample_here() -> None:
    assert set(SAMPLES) == set(REGISTRY), "add a sample for the new kind"


@pytest.mark.parametrize("kind", list(REGISTRY))
def test_every_known_kind_says_what_happened(kind: str) -> None:
    event = Event(seq=3, ts="2026-12-03T10:00:00.000000Z", session="s", kind=kind)
    event.data.update(SAMPLES[kind])
    _state, action, result, _artifacts = describe(event)
    assert result.strip() or action != kind, f"{kind} prints nothing but its name"


def test_a_failed_verification_says_it_failed_and_with_what() -> None:
    event = Event(seq=3, ts="2026-12-03T10:00:00.000000Z", session="s", kind=k.TASK_VERIFIED)
    event.data.update(SAMPLES[k.TASK_VERIFIED])
    _state, action, result, _artifacts = describe(event)
    assert "pytest" in action and result == "FAILED (exit 1)"
