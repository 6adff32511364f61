"""plan.md edit -> the agent has the new plan: p50/p95 over 50 edits (goal p95 < 500 ms).

A real in-process session (log, policy, plan watcher, scripted builder that is always in
the middle of a long streaming turn). Each edit is an atomic-rename save; the time runs
until the builder's next model request contains the edit. The baseline, measured in the
same run on the same file, is bare `watchfiles.awatch` noticing the same kind of save.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import watchfiles

from cockpit.agent.backends.scripted import ScriptedBackend
from cockpit.config.workspace import Workspace
from cockpit.supervisor.launch import LaunchOptions, prepare_new

PLAN = "# Bench\n\n## Phase 1\n- [ ] Keep thinking @builder\n"
SCRIPT = "agents:\n  builder:\n" + "    - delay_s: 600\n      text: thinking\n" * 3


def run(quick: bool = False) -> dict[str, Any]:
    edits = 10 if quick else 50
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-plan-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        (root / "plan.md").write_text(PLAN)
        baseline = asyncio.run(_bare_watch(root / "plan.md", edits))
        cockpit = asyncio.run(_session(root, Path(tmp) / "script.yaml", edits))
    p95, base95 = _p(cockpit, 95), _p(baseline, 95)
    return {
        "edits": edits,
        "edit_to_agent_ms": {"p50": _p(cockpit, 50), "p95": p95, "max": round(max(cockpit), 1)},
        "baseline_bare_watchfiles_ms": {"p50": _p(baseline, 50), "p95": base95},
        "ratio_p95_vs_baseline": round(p95 / base95, 2) if base95 else None,
        "goal_p95_ms": 500,
        "goal_met": p95 < 500,
    }


def _save(path: Path, text: str) -> None:
    tmp = path.with_name(".plan.md.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


async def _bare_watch(path: Path, edits: int) -> list[float]:
    seen: list[float] = []
    got = asyncio.Event()

    async def watch() -> None:
        async for _changes in watchfiles.awatch(path.parent, debounce=50, step=10):
            got.set()

    watcher = asyncio.ensure_future(watch())
    await asyncio.sleep(0.3)
    for i in range(edits):
        got.clear()
        begin = time.monotonic()
        _save(path, PLAN + f"- [ ] baseline edit {i} @builder\n")
        await got.wait()
        seen.append((time.monotonic() - begin) * 1000)
        await asyncio.sleep(0.1)
    watcher.cancel()
    return seen


async def _session(root: Path, script: Path, edits: int) -> list[float]:
    script.write_text(SCRIPT)
    (root / "plan.md").write_text(PLAN)
    prepared = prepare_new(
        LaunchOptions(
            workspace=Workspace(root),
            agents=["builder"],
            script=script,
            keep_alive=True,
            env={"PATH": os.environ.get("PATH", "")},
        )
    )
    sup = prepared.supervisor
    await sup.start(prepared.setups, prepared.kickoff, started=prepared.started)
    model = prepared.setups[0].backend
    assert isinstance(model, ScriptedBackend)
    while not model.requests:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)
    took: list[float] = []
    for i in range(edits):
        marker = f"edit number {i} for the bench"
        count = len(model.requests)
        begin = time.monotonic()
        _save(root / "plan.md", PLAN + f"- [ ] {marker} @builder\n")
        while len(model.requests) <= count or marker not in str(model.requests[-1].messages):
            await asyncio.sleep(0.002)
        took.append((time.monotonic() - begin) * 1000)
        await asyncio.sleep(0.1)
    await sup.stop("bench over")
    prepared.log.close()
    return took


def _p(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return round(ordered[0], 1)
    return round(statistics.quantiles(ordered, n=100, method="inclusive")[pct - 1], 1)
