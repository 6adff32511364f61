"""The screen under load: N scripted agents each streaming 200 lines a second.

For 8 agents and for 1 (each in a fresh interpreter, so memory is its own), in a headless
app (`App.run_test`, 160x48) over a real session: real agent runtimes, supervisor, policy
and log, with a paced scripted backend that streams its text at 200 lines a second by the
wall clock (catching up after a busy moment, as a network stream does; the stock scripted
backend sleeps between chunks, so a busy loop would slow the model instead of the screen).

* keypress-to-render: a key is posted to the app every 100 ms (tab: focus the next pane,
  which restyles two pane headers); the time until the screen has been refreshed after its
  action. Goal: p95 under 50 ms. Zoom (a full relayout) is measured the same way.
* approval-request-to-prompt: one agent asks a tier-3 question after every second of
  streaming; the time from the supervisor's request to the prompt being on screen (it is
  then answered at once). Goal: p95 under 50 ms.
* memory: resident set size at a third of the run (every pane's scrollback, 2,000 lines,
  is full by then) and at the end. Goal: flat, under 300 MB.

Usage: python -m bench ui [--quick]   (quick: 4-second runs)
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

LINES_PER_S = 200
LINE = "streamed output line {n:06d} " + "x" * 30 + "\n"
KEY_EVERY_S = 0.1
SIZE = (160, 48)
SCROLLBACK = 2000  # lines a pane keeps: reached after 10 s, so the rest of the run shows
# whether memory stays flat once every pane is full


class PacedBackend:
    """Streams ``lines`` lines at LINES_PER_S by the wall clock, then (when ``ask``) asks to
    run a tier-3 command."""

    name = "paced"

    def __init__(self, agent: str, lines: int, ask: bool) -> None:
        self.agent = agent
        self.lines = lines
        self.ask = ask
        self.turns = 0

    async def turn(self, request: Any, on_event: Any) -> Any:
        from cockpit.agent.backends.base import TextDelta, TurnResult
        from cockpit.agent.models import Usage

        loop = asyncio.get_running_loop()
        start, sent = loop.time(), 0
        while sent < self.lines:
            due = min(self.lines, int((loop.time() - start) * LINES_PER_S) + 1)
            for n in range(sent, due):
                on_event(TextDelta(LINE.format(n=n)))
            sent = due
            await asyncio.sleep(1 / LINES_PER_S)
        self.turns += 1
        content: list[dict[str, Any]] = [{"type": "text", "text": f"{self.lines} lines"}]
        if self.ask:
            content.append(
                {
                    "type": "tool_use",
                    "id": f"toolu_{self.agent}_{self.turns}",
                    "name": "bash",
                    "input": {"command": "rm -rf build"},
                }
            )
        stop = "tool_use" if self.ask else "end_turn"
        return TurnResult(content, stop, Usage(1000, 2000), request.model, 0.01)


def run(quick: bool = False) -> dict[str, Any]:
    seconds = 4.0 if quick else 30.0
    many = _in_child(8, seconds)
    one = _in_child(1, seconds)
    ratio = {
        key: round(many[key] / one[key], 2) if one.get(key) else None
        for key in ("key_p95_ms", "approval_p95_ms", "rss_end_mb")
    }
    return {
        "seconds": seconds,
        "lines_per_s_per_agent_asked": LINES_PER_S,
        "agents_8": many,
        "agents_1": one,
        "ratio_8_to_1": ratio,
        "goals": {"key_p95_ms": 50, "approval_p95_ms": 50, "rss_end_mb": 300},
    }


def _in_child(agents: int, seconds: float) -> dict[str, Any]:
    code = f"import json, bench.ui as b; print(json.dumps(b.measure({agents}, {seconds})))"
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=seconds * 10 + 120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench child failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(agents: int, seconds: float) -> dict[str, Any]:
    """One configuration, in this process."""
    return asyncio.run(_measure(agents, seconds))


def _rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _workspace(root: Path, agents: int, seconds: float) -> Path:
    (root / "build").mkdir(parents=True)
    (root / "plan.md").write_text("# Bench\n", encoding="utf-8")
    defs = root / ".cockpit" / "agents"
    defs.mkdir(parents=True)
    script: dict[str, Any] = {"agents": {}}
    for index in range(agents):
        name = f"worker{index + 1}"
        (defs / f"{name}.md").write_text(
            textwrap.dedent(f"""\
                ---
                name: {name}
                description: streams output for the benchmark
                model: sonnet
                tools: [bash, read_file]
                ---
                You stream.
                """),
            encoding="utf-8",
        )
        script["agents"][name] = []  # the paced backend replaces the scripted one
    path = root / "script.json"  # JSON is YAML
    path.write_text(json.dumps(script), encoding="utf-8")
    return path


async def _measure(agents: int, seconds: float) -> dict[str, Any]:
    from textual import events

    from cockpit.config.workspace import Workspace
    from cockpit.supervisor.launch import LaunchOptions, prepare_new
    from cockpit.ui.app import CockpitApp
    from cockpit.ui.approval import ApprovalScreen
    from cockpit.ui.settings import ScreenConfig

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bench"
        script = _workspace(root, agents, seconds)
        options = LaunchOptions(
            workspace=Workspace(root),
            agents=[f"worker{i + 1}" for i in range(agents)],
            script=script,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            keep_alive=True,
            session_dir=Path(tmp) / "sessions",
        )
        prepared = prepare_new(options)
        prepared.setups = [
            dataclasses.replace(
                setup,
                backend=PacedBackend(
                    setup.definition.name,
                    # one agent asks after every second of streaming; the others stream on
                    LINES_PER_S if index == 0 else int(LINES_PER_S * (seconds + 5)),
                    ask=index == 0,
                ),
            )
            for index, setup in enumerate(prepared.setups)
        ]
        config = ScreenConfig(notifications="off", scrollback=SCROLLBACK)
        app = CockpitApp(prepared, config, env={})
        key_ms: dict[str, list[float]] = {"tab": [], "z": []}
        approval_ms: list[float] = []
        rss_third = 0.0
        async with app.run_test(size=SIZE) as pilot:
            while not app.started:
                await pilot.pause(0.01)
            screen = app.main
            pressed: list[tuple[str, float]] = []

            def timed(action: Any) -> Any:
                def run_and_time(*args: Any) -> Any:
                    result = action(*args)
                    if pressed:
                        key, sent = pressed.pop()
                        app.call_after_refresh(
                            lambda: key_ms[key].append((time.perf_counter() - sent) * 1000)
                        )
                    return result

                return run_and_time

            app.action_focus_next = timed(app.action_focus_next)  # type: ignore[method-assign]
            screen.action_zoom = timed(screen.action_zoom)  # type: ignore[method-assign]
            keys = ["tab", "tab", "tab", "tab", "z"]
            start = time.monotonic()
            next_key = start
            answered: set[str] = set()
            while (now := time.monotonic()) - start < seconds:
                if now >= next_key:
                    next_key += KEY_EVERY_S
                    if pressed and time.perf_counter() - pressed[0][1] > 2:
                        pressed.clear()  # its key reached a prompt that opened meanwhile
                    if app.screen is screen and not pressed and not app.supervisor.pending:
                        key = keys[int((now - start) / KEY_EVERY_S) % len(keys)]
                        pressed.append((key, time.perf_counter()))
                        app.post_message(events.Key(key, "\t" if key == "tab" else key))
                prompt = app.screen
                if isinstance(prompt, ApprovalScreen) and prompt.shown_at is not None:
                    call = prompt.call
                    pending = app.supervisor.pending.get(call)
                    if pending is not None and call not in answered:
                        answered.add(call)
                        approval_ms.append((prompt.shown_at - pending.asked_at) * 1000)
                        await app.supervisor.resolve(call, False, "rule", "benchmark")
                if not rss_third and now - start >= seconds / 3:
                    rss_third = _rss_mb()
                await asyncio.sleep(0.005)
            lines = app.feed.received
            await app.supervisor.stop("benchmark over")
        prepared.log.close()
        rss_end = _rss_mb()
    return {
        "agents": agents,
        "stream_chunks_per_s_per_agent": round(lines / seconds / agents, 1),
        "terminal": f"{SIZE[0]}x{SIZE[1]}",
        "key_presses": len(key_ms["tab"]),
        "key_p50_ms": _pct(key_ms["tab"], 50),
        "key_p95_ms": _pct(key_ms["tab"], 95),
        "zoom_presses": len(key_ms["z"]),
        "zoom_p95_ms": _pct(key_ms["z"], 95),
        "approvals": len(approval_ms),
        "approval_p50_ms": _pct(approval_ms, 50),
        "approval_p95_ms": _pct(approval_ms, 95),
        "scrollback_lines": SCROLLBACK,
        "rss_third_mb": round(rss_third, 1),
        "rss_end_mb": round(rss_end, 1),
    }


def _pct(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1], 2)
