"""The shared wait: it returns once the condition holds, and a timeout names what it awaited."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tests.waiting import WaitTimeout, wait_until, wait_until_sync


async def test_wait_until_returns_once_another_task_makes_it_true() -> None:
    done: list[int] = []
    asyncio.get_running_loop().call_later(0.05, done.append, 1)
    took = await wait_until(lambda: done, "the timer")
    assert done == [1] and took >= 0.04


async def test_a_timeout_names_what_was_awaited_and_the_state_then() -> None:
    with pytest.raises(WaitTimeout) as caught:
        await wait_until(lambda: False, "the prompt", timeout=0.05, detail=lambda: "screen: empty")
    assert str(caught.value) == "timed out after 0.05 s waiting for the prompt\nscreen: empty"


def test_without_a_name_the_timeout_quotes_the_condition() -> None:
    ready: list[str] = []
    with pytest.raises(WaitTimeout, match=r"waiting for .*lambda: bool\(ready\)"):
        wait_until_sync(lambda: bool(ready), timeout=0.05)


def test_wait_until_sync_sees_another_threads_work() -> None:
    ready = threading.Event()
    threading.Timer(0.05, ready.set).start()
    wait_until_sync(ready.is_set, "the other thread", timeout=5)
    assert ready.is_set()
