"""Reading a running command's output until it is done, within its limits: the part every
executor shares (bwrap here, a container or another machine later)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from cockpit.sandbox.boundary import BlockedBy, Limits, OutputSink

_CHUNK = 64 * 1024
_POLL_S = 0.1
KEPT_HEAD = 1024 * 1024
"""Bytes of output an executor keeps itself (for `sandbox check` and for recognising a
block); the caller's sink sees all of it."""
KEPT_TAIL = 64 * 1024


@dataclass(frozen=True)
class Streamed:
    exit_code: int
    kept: bytes
    dropped: int
    timed_out: bool
    stopped_by: BlockedBy | None


class _Kept:
    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = KEPT_HEAD - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            del self.tail[: max(len(self.tail) - KEPT_TAIL, 0)]

    def result(self) -> tuple[bytes, int]:
        dropped = self.total - len(self.head) - len(self.tail)
        if dropped <= 0:
            return bytes(self.head + self.tail), 0
        return bytes(self.head) + f"\n… [{dropped} bytes] …\n".encode() + bytes(self.tail), dropped


async def stream_until_done(
    proc: asyncio.subprocess.Process,
    limits: Limits,
    sink: OutputSink | None,
    kill: Callable[[], None],
) -> Streamed:
    """Feed `sink` every chunk until the output ends and the process is gone.

    Stops the command (`kill`) past its timeout, past its output limit, when the call is
    cancelled (re-raised after the kill), and when something it left behind holds the
    output open for longer than `limits.grace_s` after the command itself exited.
    """
    assert proc.stdout is not None
    kept = _Kept()
    deadline = time.monotonic() + limits.timeout_s
    stopped: BlockedBy | None = None
    exited_at: float | None = None
    # `proc.wait()` may wait for the pipes too (asyncio finishes the transport first), so
    # the command's exit is read from `returncode`, polled between reads.
    read: asyncio.Future[bytes] | None = None
    try:
        while True:
            now = time.monotonic()
            if exited_at is None and proc.returncode is not None:
                exited_at = now
            end = deadline if exited_at is None else min(deadline, exited_at + limits.grace_s)
            if now >= end:
                stopped = BlockedBy.TIMEOUT if exited_at is None else None
                kill()
                break
            if read is None:
                read = asyncio.ensure_future(proc.stdout.read(_CHUNK))
            done, _ = await asyncio.wait({read}, timeout=min(end - now, _POLL_S))
            if not done:
                continue
            chunk, read = read.result(), None
            if not chunk:
                break
            kept.add(chunk)
            if sink is not None:
                sink(chunk)
            if kept.total > limits.output_bytes:
                stopped = BlockedBy.OUTPUT
                kill()
                break
        if read is not None:
            read.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await read
            read = None
            await _discard_rest(proc)
        elif stopped is not None:
            await _discard_rest(proc)
        code = await _reaped(proc, deadline, kill)
        if code is None:
            stopped, code = BlockedBy.TIMEOUT, -9
    except asyncio.CancelledError:
        kill()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(proc.wait(), 5)
        raise
    finally:
        if read is not None:
            read.cancel()
        _close_pipes(proc)
    output, dropped = kept.result()
    return Streamed(code, output, dropped, stopped is BlockedBy.TIMEOUT, stopped)


async def _reaped(
    proc: asyncio.subprocess.Process, deadline: float, kill: Callable[[], None]
) -> int | None:
    """The exit code once the process is gone; a command that closed its output and kept
    running is killed at its deadline (None when even that did not end it)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_exit(proc), max(deadline - time.monotonic(), 0.05))
        return proc.returncode
    kill()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_exit(proc), 10)
    return None if proc.returncode is None else -9


async def _exit(proc: asyncio.subprocess.Process) -> None:
    """Until the process has exited: `wait()` is prompt once the output is closed, the
    poll covers a pipe something else still holds."""
    if proc.returncode is not None:
        return
    waits = {asyncio.ensure_future(proc.wait()), asyncio.ensure_future(_returncode(proc))}
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()


async def _returncode(proc: asyncio.subprocess.Process) -> None:
    while proc.returncode is None:
        await asyncio.sleep(_POLL_S / 2)


async def _discard_rest(proc: asyncio.subprocess.Process) -> None:
    """After a kill, read what is left to its end (briefly), so the pipe is let go."""
    assert proc.stdout is not None
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(1.0):
            while await proc.stdout.read(_CHUNK):
                pass


def _close_pipes(proc: asyncio.subprocess.Process) -> None:
    """Let go of a pipe an escaped process still holds (possible only unsandboxed):
    asyncio's Process has no public way to close its transport."""
    transport = getattr(proc, "_transport", None)
    if transport is not None and proc.returncode is not None:
        transport.close()
