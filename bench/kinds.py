"""What a writer pays for a typed body: building it and its ``data()``, against building
the same dict by hand (what writers did before they logged typed bodies), and against one
durable append of that data (what every writer's event costs anyway).

For the kinds written most (``agent.status``, ``model.message``, ``tool.finished``,
``model.usage``), medians of 5 rounds, each timing many builds:
- dict_us: the dict literal a writer used to build (the baseline);
- body_us: the body and its ``data()``; ratio: body_us / dict_us;
- share_of_append: body_us as a fraction of one durable `SessionLog.append` of that data.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cockpit.session.kinds import AgentStatusChanged, ModelMessage, ModelUsage, ToolFinished
from cockpit.session.log import SessionLog

MESSAGE = {"role": "assistant", "content": [{"type": "text", "text": "Reading the plan."}]}

CASES: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
    "agent.status": (
        lambda: {"status": "thinking", "detail": ""},
        lambda: AgentStatusChanged(status="thinking", detail="").data(),
    ),
    "model.message": (
        lambda: {"message": MESSAGE},
        lambda: ModelMessage(message=MESSAGE).data(),
    ),
    "tool.finished": (
        lambda: {"exit_code": 0, "output": "ok\n", "truncated": False, "duration_s": 0.25},
        lambda: ToolFinished(exit_code=0, output="ok\n", truncated=False, duration_s=0.25).data(),
    ),
    "model.usage": (
        lambda: {
            "model": "claude-sonnet-5-5",
            "input_tokens": 1200,
            "output_tokens": 80,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 900,
            "cost_usd": 0.0042,
        },
        lambda: ModelUsage(
            model="claude-sonnet-5-5",
            input_tokens=1200,
            output_tokens=80,
            cache_creation_input_tokens=0,
            cache_read_input_tokens=900,
            cost_usd=0.0042,
        ).data(),
    ),
}


def _per_call_us(build: Callable[[], object], n: int, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            build()
        times.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(times)


def _append_us(appends: int) -> float:
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-") as tmp:
        log = SessionLog.create(Path(tmp) / "s.jsonl", "bench-kinds", env={})
        data = CASES["tool.finished"][0]()
        assert isinstance(data, dict)
        start = time.perf_counter()
        for _ in range(appends):
            log.append(ToolFinished.kind, data, agent="a", call="c-1")
        elapsed = time.perf_counter() - start
        log.close()
    return elapsed / appends * 1e6


def run(quick: bool = False) -> dict[str, Any]:
    """Time each case; return the figures (nothing is printed)."""
    n, rounds = (20_000, 3) if quick else (200_000, 5)
    append_us = _append_us(100 if quick else 500)
    figures: dict[str, Any] = {"append_us": round(append_us, 1)}
    for kind, (as_dict, as_body) in CASES.items():
        assert as_dict() == as_body(), kind  # the same data, key for key
        dict_us = _per_call_us(as_dict, n, rounds)
        body_us = _per_call_us(as_body, n, rounds)
        figures[kind] = {
            "dict_us": round(dict_us, 3),
            "body_us": round(body_us, 3),
            "ratio": round(body_us / dict_us, 1),
            "share_of_append": round(body_us / append_us, 4),
        }
    figures["goal"] = "share_of_append < 0.01 (a body costs under 1% of the append it feeds)"
    return figures
