"""The replay screen on a 1M-event log: `cockpit replay` to its first screen in a real
(pseudo-)terminal, and seek latency on the screen: a digit key to its redraw drawn.

Seeks are timed twice: on a reopened log before the background pass has folded the state
that far (the screen draws the events page first and the state when it comes: "lands" is
the first, "state" the second), and after it. Goals: first screen < 2 s, seek < 200 ms.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import select
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any

from bench.replay import generate
from cockpit.replay.index import Index, index_path
from cockpit.replay.player import Player
from cockpit.ui.replay import ReplayApp
from cockpit.ui.replay_screen import ReplayScreen
from cockpit.ui.replay_transport import Redraw

REPO = Path(__file__).resolve().parents[1]
KEYS = "5917302864" * 2


def first_screen(log: Path, *, timeout: float = 60) -> float:
    """Seconds from starting `cockpit replay LOG` in a terminal of 140x40 to the transport
    line on screen (the first redraw is drawn with it)."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real command, as a user starts it
        os.chdir(REPO)
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, [sys.executable, "-m", "cockpit", "replay", str(log)])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    seen = b""
    elapsed = float("nan")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    seen = (seen + os.read(fd, 65536))[-4096:]
                except OSError:
                    break
                if b"paused" in seen:
                    elapsed = time.perf_counter() - start
                    break
        os.write(fd, b"q")
        _drain(fd, deadline)
    finally:
        os.waitpid(pid, 0)
        os.close(fd)
    return elapsed


def _drain(fd: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                if not os.read(fd, 65536):
                    return
            except OSError:
                return


async def seeks(log: Path, *, warm: bool) -> dict[str, list[float]]:
    """Milliseconds from each digit key to its redraw drawn (first and final)."""
    drawn: list[tuple[float, bool]] = []
    redraw = ReplayScreen.redraw

    async def timed(self: ReplayScreen, report: Redraw) -> None:
        await redraw(self, report)
        drawn.append((time.perf_counter(), report.provisional))

    ReplayScreen.redraw = timed  # type: ignore[method-assign]
    lands, states = [], []
    try:
        with Player.open(log) as player:
            while warm and not player.warm(65536):
                pass
            app = ReplayApp(player)
            async with app.run_test(size=(140, 40)) as pilot:
                while not drawn:
                    await asyncio.sleep(0.005)
                for key in KEYS:
                    count = len(drawn)
                    start = time.perf_counter()
                    await pilot.press(key)
                    while not (len(drawn) > count and not drawn[-1][1]):
                        await asyncio.sleep(0.001)
                    lands.append((drawn[count][0] - start) * 1e3)
                    states.append((drawn[-1][0] - start) * 1e3)
                await pilot.press("q")
            app.transport.wait_stopped(10)
    finally:
        ReplayScreen.redraw = redraw  # type: ignore[method-assign]
    return {"lands": lands, "state": states}


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "max": round(ordered[-1], 1),
    }


def run(quick: bool = False) -> dict[str, Any]:
    n = 100_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "bench.jsonl"
        events = generate(log, n)
        first_open_s = first_screen(log)  # no index yet: a first page only
        assert index_path(log).exists()
        reopen_s = [first_screen(log) for _ in range(3)]  # the index is reused
        Index.open(log).update()  # the index complete (as after any full replay)
        cold = asyncio.run(seeks(log, warm=False))
        warm = asyncio.run(seeks(log, warm=True))
    return {
        "events": events,
        "first_screen_first_open_s": round(first_open_s, 2),
        "first_screen_reopen_s": round(statistics.median(reopen_s), 2),
        "first_screen_goal_s": 2.0,
        # the first key is pressed as soon as the first screen is up, while the
        # transport still reads where the plan changes are: it is reported apart
        "first_seek_before_warm_lands_ms": round(cold["lands"][0], 1),
        "first_seek_before_warm_state_ms": round(cold["state"][0], 1),
        "seek_before_warm_lands_ms": _summary(cold["lands"][1:]),
        "seek_before_warm_state_ms": _summary(cold["state"][1:]),
        "first_seek_after_warm_ms": round(warm["state"][0], 1),
        "seek_after_warm_ms": _summary(warm["state"][1:]),
        "seek_goal_ms": 200,
    }
