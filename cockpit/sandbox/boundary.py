"""What a sandboxed command may touch, and what comes back: the executor's small interface.

A caller builds a `Boundary` (from the policy's decision, later) and hands it with the
command to an `Executor`; today that is `LocalBwrap`, later a container or another machine,
and no caller changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from cockpit.config.settings import SandboxSettings

OutputSink = Callable[[bytes], None]


class BlockedBy(StrEnum):
    """Which wall a command ran into, when its output says so."""

    READ_ONLY = "read-only filesystem"
    MASKED = "masked path"
    NETWORK = "no network"
    PROCESSES = "process limit"
    TIMEOUT = "timeout"
    OUTPUT = "output limit"
    GIT_CONTROL = "git's control files"
    MEMORY = "memory limit"


@dataclass(frozen=True)
class Limits:
    """What a runaway command cannot pass. Defaults suit a test run on a laptop."""

    processes: int = 256
    memory_bytes: int = 4 * 1024**3
    output_bytes: int = 64 * 1024**2
    """Output past this stops the command (the caller keeps only its head and tail)."""
    timeout_s: float = 120.0
    grace_s: float = 2.0
    """How long output may stay open after the command itself exited (a background job
    holding the pipe) before what is left is killed."""

    @classmethod
    def configured(cls, settings: SandboxSettings, timeout_s: float | None = None) -> Limits:
        """The limits `.cockpit/config.yaml` sets, with the timeout a model asked for
        (when it asked) held under the ceiling."""
        asked = settings.timeout_s if not timeout_s or timeout_s <= 0 else timeout_s
        return cls(
            processes=settings.processes,
            memory_bytes=settings.memory_mb * 1024**2,
            output_bytes=settings.output_mb * 1024**2,
            timeout_s=min(asked, settings.max_timeout_s),
        )


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
    tmp: Path | None = None
    """The session's own folder, seen as /tmp by every command of the session (what one
    command leaves there the next finds); None: an empty /tmp for this command alone."""
    overlays: tuple[tuple[Path, Path], ...] = ()
    """Files shown read-only in another place, as (the file, where it is seen): the
    human's plan.md over the copy an agent's worktree checked out."""


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
    """Runs one command inside a boundary and returns when every process it started is gone.

    `output` sees every chunk as it comes (the agent's pane, the log's collector); the
    `Outcome` keeps only a head and tail. `sandboxed` is False only for the executor the
    user chose with `--no-sandbox`.
    """

    sandboxed: bool

    async def execute(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        boundary: Boundary,
        output: OutputSink | None = None,
    ) -> Outcome: ...

    def close(self) -> None:
        """The session is over: let go of what the executor holds."""


@dataclass(frozen=True)
class Widening:
    """What one command gets beyond the walls: only a human's yes (or a rule the human
    wrote) makes one, and the log records it (`approval.resolved` ``widened``)."""

    network: bool = False
    writable: tuple[Path, ...] = ()

    def __bool__(self) -> bool:
        return self.network or bool(self.writable)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.network:
            data["network"] = True
        if self.writable:
            data["writable"] = [str(p) for p in self.writable]
        return data

    @classmethod
    def from_dict(cls, data: object) -> Widening:
        if not isinstance(data, dict):
            return cls()
        paths = data.get("writable")
        writable = (
            tuple(Path(p) for p in paths if isinstance(p, str)) if isinstance(paths, list) else ()
        )
        return cls(network=data.get("network") is True, writable=writable)

    def __or__(self, other: Widening) -> Widening:
        return Widening(
            self.network or other.network, tuple(dict.fromkeys((*self.writable, *other.writable)))
        )

    def words(self) -> str:
        """ "the network", "/opt/x writable", or both."""
        parts = ["the network"] if self.network else []
        parts += [f"{p} writable" for p in self.writable]
        return " and ".join(parts) or "nothing more"


NO_WIDENING = Widening()
