"""Tool calls as the Messages API and the log see them: blocks, results, settled calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cockpit.agent.tools import ToolOutcome
from cockpit.policy.model import Decision, RuleRef, Tier, parse_tier
from cockpit.session.state import CallState


def tool_uses(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if not isinstance(content, list):
        return []
    return [b for b in content if isinstance(b, dict) and b.get("type") == "tool_use"]


def tool_result(tool_use_id: str, content: str, is_error: bool) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": tool_use_id, "content": content}
    if is_error:
        block["is_error"] = True
    return block


def describe(name: str, args: Mapping[str, Any]) -> str:
    if name == "bash":
        return str(args.get("command", ""))
    target = args.get("path") or args.get("task") or args.get("reason") or ""
    return f"{name} {target}".strip()


def decision_from_log(c: CallState) -> Decision:
    rules = tuple(
        RuleRef(str(r.get("id", "")), str(r.get("source", "")))
        for r in c.rules
        if isinstance(r, dict)
    )
    tier = parse_tier(c.tier) or Tier.ASK
    return Decision(tier=tier, reasons=tuple(c.reasons), rules=rules)


def answered_from_log(c: CallState) -> ToolOutcome | None:
    """A call the log already settled: finished, or denied."""
    if c.finished:
        text = c.error or (c.artifact or {}).get("path") or ""
        body = c.output if c.output is not None else text
        failed = bool(c.error) or c.exit_code not in (0, None)
        return ToolOutcome(content=body or "(no output)", is_error=failed)
    if c.denied:
        by = c.decided_by or "policy"
        why = c.decision_reason or "; ".join(c.reasons)
        return ToolOutcome(content=f"Denied by {by}: {why}", is_error=True)
    return None
