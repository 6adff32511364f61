"""`PlanWatcher`: notice every real change to plan.md, whichever way an editor saves it.

It watches the plan's directory, not the file: editors that save by writing a temporary
file and renaming it over the plan, vim's swap-file and backup dance, and delete-then-create
all replace the file's inode, which a watch on the file itself would lose. Events are only
a hint to re-read; a change is a change of the bytes (the digest), reported once.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchfiles import Change, awatch

from cockpit.errors import ConfigError
from cockpit.plan.document import Plan, load_plan

OnChange = Callable[[Plan, Plan], Awaitable[None] | None]

#: How long a digest announced by `note_own_write` is remembered.
OWN_WRITE_TTL_S = 10.0


class PlanWatcher:
    """Calls ``on_change(old, new)`` once per change of plan.md's bytes not made by cockpit.

    Args:
        path: the plan file; it may be missing (an empty plan) and appear later.
        on_change: called (and awaited, if it returns an awaitable) with the plan before and
            after. An exception from it ends `run`.
        debounce_ms: the longest time events are grouped before the plan is re-read.
        step_ms: the quiet time after which a group of events is handled.
        missing_grace_ms: when the plan disappears or becomes empty, how long to wait for
            it to come back (editors delete and re-create) before reporting it empty.
        initial: the plan to compare the first change against (default: read at `run`).
        force_polling: passed to watchfiles (None: its own default).
    """

    def __init__(
        self,
        path: Path,
        on_change: OnChange,
        *,
        debounce_ms: int = 50,
        step_ms: int = 10,
        missing_grace_ms: int = 300,
        initial: Plan | None = None,
        force_polling: bool | None = None,
    ) -> None:
        self.path = path
        self._on_change = on_change
        self._debounce_ms = debounce_ms
        self._step_ms = min(step_ms, debounce_ms)
        self._grace_s = missing_grace_ms / 1000
        self._plan = initial
        self._force_polling = force_polling
        self._own: dict[str, float] = {}
        self._own_lock = threading.Lock()
        self.ready = asyncio.Event()
        """Set once the directory is being watched: edits after this are never missed."""
        absolute = Path(os.path.abspath(path))
        real = Path(os.path.realpath(path))
        self._watched = {(str(absolute.parent), absolute.name), (str(real.parent), real.name)}

    @property
    def plan(self) -> Plan:
        """The plan as last seen (read now if `run` has not started)."""
        if self._plan is None:
            self._plan = load_plan(self.path)
        return self._plan

    def note_own_write(self, plan: Plan) -> None:
        """Announce that cockpit is about to write ``plan``: seeing it is not a human edit."""
        with self._own_lock:
            self._own[plan.digest] = time.monotonic() + OWN_WRITE_TTL_S

    def _is_own(self, digest: str) -> bool:
        now = time.monotonic()
        with self._own_lock:
            for stale in [key for key, until in self._own.items() if until < now]:
                del self._own[stale]
            return self._own.pop(digest, None) is not None

    def _relevant(self, change: Change, path: str) -> bool:
        return (os.path.dirname(path), os.path.basename(path)) in self._watched

    async def run(self) -> None:
        """Watch until cancelled.

        Raises:
            ConfigError: the plan's directory does not exist, or the plan cannot be read.
        """
        directories = sorted({directory for directory, _ in self._watched})
        for directory in directories:
            if not os.path.isdir(directory):
                raise ConfigError(f"{directory}: cannot watch the plan: no such directory")
        _ = self.plan
        stop = threading.Event()
        changes = awatch(
            *directories,
            watch_filter=self._relevant,
            debounce=self._debounce_ms,
            step=self._step_ms,
            stop_event=stop,
            recursive=False,
            force_polling=self._force_polling,
        )
        # The first step of the generator sets up the OS watch before it ever suspends, so
        # once that task has run one step, no later edit can be missed.
        pending: asyncio.Future[object] = asyncio.ensure_future(anext(changes))
        try:
            await asyncio.sleep(0)
            self.ready.set()
            await self._check()  # an edit made before the watch existed
            await pending
            while True:
                await self._check()
                await anext(changes)
        except StopAsyncIteration:
            return
        finally:
            stop.set()
            if not pending.done():
                pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await pending
            await changes.aclose()

    async def look(self) -> None:
        """Read the file now. The directory watch sees writes by the plan's name only; one
        through a hard link under another name is found when cockpit has a reason to look
        (an agent command left the file changed)."""
        await self._check()

    async def _check(self) -> None:
        new = load_plan(self.path)
        if self._settled(new):
            return
        if not new.lines:
            new = await self._wait_for_return(new)
            if self._settled(new):
                return
        old, self._plan = self.plan, new
        result = self._on_change(old, new)
        if inspect.isawaitable(result):
            await result

    def _settled(self, new: Plan) -> bool:
        """True when ``new`` is no news: the same bytes, or cockpit's own write."""
        if new.digest == self.plan.digest:
            return True
        if self._is_own(new.digest):
            self._plan = new
            return True
        return False

    async def _wait_for_return(self, gone: Plan) -> Plan:
        deadline = time.monotonic() + self._grace_s
        while time.monotonic() < deadline:
            await asyncio.sleep(0.01)
            again = load_plan(self.path)
            if again.lines:
                return again
        return gone
