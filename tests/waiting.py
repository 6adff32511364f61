"""Waiting for a condition in tests: one async helper, one blocking one.

A test never sleeps and hopes; it names what it waits for and polls until that holds. On
timeout it fails with that name (and, if given, a description of the state at that moment),
so a wait can only end in the condition holding or in a failure: never by luck.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

Pause = Callable[[float], Awaitable[object]]


class WaitTimeout(AssertionError):
    """The awaited condition did not hold in time."""


def _describe(condition: Callable[[], object]) -> str:
    """The condition's own source line, when the caller did not say what it waits for."""
    try:
        return " ".join(inspect.getsource(condition).split())[:300]
    except (OSError, TypeError):
        return repr(condition)


def _timed_out(
    condition: Callable[[], object],
    what: str | None,
    timeout: float,
    detail: Callable[[], str] | None,
) -> WaitTimeout:
    message = f"timed out after {timeout:g} s waiting for {what or _describe(condition)}"
    if detail is not None:
        message += f"\n{detail()}"
    return WaitTimeout(message)


async def wait_until(
    condition: Callable[[], object],
    what: str | None = None,
    *,
    timeout: float = 20.0,
    interval: float = 0.02,
    pause: Pause = asyncio.sleep,
    detail: Callable[[], str] | None = None,
) -> float:
    """Wait (yielding to the event loop) until ``condition()`` is true; the seconds it took.

    Pass ``pause=pilot.pause`` in Pilot tests so the screen is refreshed between looks.
    """
    begin = time.monotonic()
    while not condition():
        if time.monotonic() - begin > timeout:
            raise _timed_out(condition, what, timeout, detail)
        await pause(interval)
    return time.monotonic() - begin


def wait_until_sync(
    condition: Callable[[], object],
    what: str | None = None,
    *,
    timeout: float = 20.0,
    interval: float = 0.02,
    detail: Callable[[], str] | None = None,
) -> float:
    """Block until ``condition()`` is true (another thread or process makes it so)."""
    begin = time.monotonic()
    while not condition():
        if time.monotonic() - begin > timeout:
            raise _timed_out(condition, what, timeout, detail)
        time.sleep(interval)
    return time.monotonic() - begin


async def steady(pilot: Any, looks: int = 4) -> None:
    """The app drew the same frame ``looks`` times in a row, a tenth of a second apart.

    For snapshots: panes scroll to their ends and views redraw on timers, so the frame a
    snapshot takes is the final one only once it stops changing.
    """
    frames: list[str] = []

    def unchanged() -> bool:
        frames.append(pilot.app.export_screenshot())
        return len(frames) >= looks and len(set(frames[-looks:])) == 1

    await wait_until(unchanged, what="the screen to stop changing", interval=0.1, pause=pilot.pause)
