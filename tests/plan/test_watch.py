"""PlanWatcher against real saves from another process, in every way editors save."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cockpit.errors import ConfigError
from cockpit.plan.document import Plan, load_plan
from cockpit.plan.update import update_task
from cockpit.plan.watch import PlanWatcher
from tests.waiting import wait_until

EDITOR = Path(__file__).parent / "_editor.py"
OLD = "# Plan\n- [ ] Login @builder\n      verify: pytest\n"
NEW = "# Plan\n- [ ] Login @builder\n      verify: pytest -x\n- [ ] Docs @planner\n"
QUIET_S = 0.7  # longer than the watcher's grace for a vanished file


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[Plan, Plan, float]] = []

    async def __call__(self, old: Plan, new: Plan) -> None:
        self.calls.append((old, new, time.monotonic()))

    async def wait_for(self, count: int, timeout: float = 5.0) -> None:
        await wait_until(
            lambda: len(self.calls) >= count, f"{count} plan change(s)", timeout=timeout
        )

    async def settled(self, count: int) -> list[tuple[Plan, Plan, float]]:
        """Wait for ``count`` changes, then a quiet while to catch any extra ones."""
        await self.wait_for(count)
        await asyncio.sleep(QUIET_S)
        return self.calls


@contextlib.asynccontextmanager
async def watching(path: Path, **options: object) -> AsyncIterator[tuple[PlanWatcher, Recorder]]:
    recorder = Recorder()
    watcher = PlanWatcher(path, recorder, **options)  # type: ignore[arg-type]
    task = asyncio.create_task(watcher.run())
    await asyncio.wait_for(watcher.ready.wait(), 5)
    try:
        yield watcher, recorder
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def edit(style: str, path: Path, text: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(EDITOR), style, str(path), stdin=asyncio.subprocess.PIPE
    )
    await process.communicate(text.encode())
    assert process.returncode == 0


@pytest.mark.parametrize("style", ["atomic", "inplace", "recreate", "vim"])
async def test_each_save_style_is_one_change(tmp_path: Path, style: str) -> None:
    path = tmp_path / "plan.md"
    path.write_text(OLD)
    async with watching(path) as (watcher, recorder):
        await edit(style, path, NEW)
        calls = await recorder.settled(1)
    assert len(calls) == 1
    old, new, _ = calls[0]
    assert (old.render(), new.render()) == (OLD, NEW)
    assert [task.verify for task in new.tasks] == [("pytest -x",), ()]
    assert watcher.plan.render() == NEW


async def test_identical_rewrite_is_no_change(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(OLD)
    async with watching(path) as (_, recorder):
        await edit("atomic", path, OLD)
        await edit("inplace", path, OLD)
        await asyncio.sleep(QUIET_S)
        assert recorder.calls == []
        await edit("atomic", path, NEW)
        calls = await recorder.settled(1)
    assert len(calls) == 1 and calls[0][1].render() == NEW


async def test_other_files_in_the_directory_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(OLD)
    async with watching(path) as (_, recorder):
        (tmp_path / "notes.md").write_text("x")
        (tmp_path / "plan.md.bak").write_text("y")
        await asyncio.sleep(QUIET_S)
    assert recorder.calls == []


async def test_own_writes_are_not_reported(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(OLD)
    async with watching(path) as (watcher, recorder):
        result = await asyncio.to_thread(
            update_task,
            path,
            "Login",
            "doing",
            "on it",
            agent="builder",
            seen=None,
            watcher=watcher,
        )
        assert result.outcome == "written" and result.plan is not None
        await asyncio.sleep(QUIET_S)
        assert recorder.calls == []
        assert watcher.plan == result.plan
        human = result.plan.render().replace("Login", "Login with OAuth")
        await edit("atomic", path, human)
        calls = await recorder.settled(1)
    assert len(calls) == 1
    assert calls[0][0] == result.plan
    assert calls[0][1].render() == human


async def test_note_own_write_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(OLD)
    async with watching(path) as (watcher, recorder):
        watcher.note_own_write(Plan.parse(NEW, path))
        await edit("inplace", path, NEW)
        await asyncio.sleep(QUIET_S)
        assert recorder.calls == []
        await edit("inplace", path, OLD)
        calls = await recorder.settled(1)
    assert [(old.render(), new.render()) for old, new, _ in calls] == [(NEW, OLD)]


async def test_plan_created_after_start(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    async with watching(path) as (_, recorder):
        path.write_text(NEW)
        calls = await recorder.settled(1)
    assert len(calls) == 1
    assert (calls[0][0].render(), calls[0][1].render()) == ("", NEW)


async def test_plan_deleted_for_good_is_one_change_to_empty(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(OLD)
    async with watching(path, missing_grace_ms=100) as (_, recorder):
        path.unlink()
        calls = await recorder.settled(1)
    assert len(calls) == 1
    assert calls[0][1].tasks == () and calls[0][1].render() == ""


async def test_change_before_run_is_caught_up(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(NEW)
    async with watching(path, initial=Plan.parse(OLD, path)) as (_, recorder):
        calls = await recorder.settled(1)
    assert [(old.render(), new.render()) for old, new, _ in calls] == [(OLD, NEW)]


async def test_sync_callback_and_plain_thread_writer(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(OLD)
    seen: list[str] = []
    watcher = PlanWatcher(path, lambda old, new: seen.append(new.render()))
    task = asyncio.create_task(watcher.run())
    await asyncio.wait_for(watcher.ready.wait(), 5)
    await asyncio.to_thread(path.write_text, NEW)
    await wait_until(lambda: seen, "the sync callback", timeout=5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert seen == [NEW]


async def test_edit_reaches_the_callback_within_half_a_second(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(OLD)
    latencies: list[float] = []
    async with watching(path) as (_, recorder):
        for round_ in range(20):
            text = f"{OLD}- [ ] Task {round_} @builder\n"
            started = time.monotonic()
            await asyncio.to_thread(load_plan(path).path.write_text, text)
            await recorder.wait_for(round_ + 1)
            latencies.append(recorder.calls[-1][2] - started)
            assert recorder.calls[-1][1].render() == text
    assert statistics.quantiles(latencies, n=20)[-1] < 0.5, latencies


async def test_cancel_is_prompt(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    watcher = PlanWatcher(path, lambda old, new: None)
    task = asyncio.create_task(watcher.run())
    await asyncio.wait_for(watcher.ready.wait(), 5)
    started = time.monotonic()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert task.cancelled()
    assert time.monotonic() - started < 1.0


async def test_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    watcher = PlanWatcher(tmp_path / "nope" / "plan.md", lambda old, new: None)
    with pytest.raises(ConfigError, match="nope"):
        await watcher.run()


async def test_callback_error_ends_run(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(OLD)

    def broken(old: Plan, new: Plan) -> None:
        raise RuntimeError("boom")

    watcher = PlanWatcher(path, broken)
    task = asyncio.create_task(watcher.run())
    await asyncio.wait_for(watcher.ready.wait(), 5)
    path.write_text(NEW)
    with pytest.raises(RuntimeError, match="boom"):
        await asyncio.wait_for(task, 5)
