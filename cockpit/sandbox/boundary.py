"""What a sandboxed command may touch, and what comes back: the executor's small interface.

A caller builds a `Boundary` (from the policy's decision, later) and hands it with the
command to an `Executor`; today that is `LocalBwrap`, later a container or another machine,
and no caller changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol


class BlockedBy(StrEnum):
    """Which wall a command ran into, when its output says so."""

    READ_ONLY = "read-only filesystem"
    MASKED = "masked path"
    NETWORK = "no network"
    PROCESSES = "process limit"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class Limits:
    """What a runaway command cannot pass. Defaults suit a test run on a laptop."""

    processes: int = 256
    memory_bytes: int = 4 * 1024**3
    output_bytes: int = 1024 * 1024
    timeout_s: float = 120.0


@dataclass(frozen=True)
class Boundary:
    """The walls for one command: the workspace writable, the rest read-only, no network.

    `writable` and `network` are the only ways to widen it, and only a human's tier-3
    answer (or a rule) should set them.
    """

    workspace: Path
    home: Path
    network: bool = False
    writable: tuple[Path, ...] = ()
    read_only: tuple[Path, ...] = ()
    masked: tuple[Path, ...] = ()
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class Outcome:
    """What a sandboxed command did: its exit code and (capped) output."""

    exit_code: int
    output: bytes
    timed_out: bool = False
    truncated_bytes: int = 0
    blocked_by: BlockedBy | None = None

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", errors="replace")


class Executor(Protocol):
    """Runs one command inside a boundary and returns when every process it started is gone."""

    def run(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        boundary: Boundary,
    ) -> Outcome: ...
