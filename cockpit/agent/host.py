"""What an agent's loop needs from its session, and the words they share.

The supervisor implements `AgentHost`; the runtime only ever talks to it through this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cockpit.policy.model import Assessment, Decision, FileAction, ShellAction
from cockpit.policy.scope import WriteScope
from cockpit.sandbox.boundary import NO_WIDENING, Widening
from cockpit.session.events import Event
from cockpit.session.kinds import EventBody


@dataclass(frozen=True)
class ApprovalRequest:
    """A tier-3 action waiting for a decision."""

    agent: str
    call: str
    tool: str
    command: str  # the full command, or the tool and its path
    cwd: str
    decision: Decision
    action: ShellAction | FileAction | None
    iteration: int = 0
    widening: Widening = NO_WIDENING
    """What a yes widens the sandbox by, for this one command (shown in the prompt)."""
    rerun: bool = False
    """The sandbox already blocked this command once; a yes runs it again, widened."""


@dataclass(frozen=True)
class ApprovalDecision:
    approved: bool
    by: str  # human | rule | headless | timeout
    reason: str | None = None


class AgentHost(Protocol):
    """What an agent needs from its session (the supervisor implements it)."""

    root: Path
    plan_path: Path

    async def record(
        self,
        body: EventBody,
        *,
        agent: str | None,
        iteration: int = 0,
        call: str | None = None,
    ) -> Event: ...

    def assess(self, action: ShellAction | FileAction, scope: WriteScope) -> Assessment:
        """The policy's answer for one agent's action (see `Policy.assess`)."""

    async def request_approval(self, request: ApprovalRequest) -> ApprovalDecision: ...

    async def snapshot(self, agent: str, iteration: int, call: str, reason: str) -> None: ...

    async def update_task(
        self, agent: str, iteration: int, call: str, args: Mapping[str, Any]
    ) -> tuple[str, bool]: ...

    def task_refusal(self, agent: str, args: Mapping[str, Any]) -> str | None:
        """Why the agent may not move this task now (not handed over yet), or None."""

    async def attempted(
        self,
        agent: str,
        command: str,
        exit_code: int | None,
        output: str,
        *,
        failed: bool,
        wrote: str | None = None,
    ) -> str | None:
        """A tool call ran for the agent's task (the escape hatch counts it): a note for
        the agent when its approach is over, else None. Awaited before the agent sees the
        result, so a rollback never races the agent's next step."""
        ...

    async def verify_failed(
        self, agent: str, task: str, command: str, exit_code: int | None, output: str
    ) -> str | None:
        """A task's verify failed (an iteration of its approach): a note, as `attempted`."""
        ...

    def leads(self, agent: str) -> bool:
        """``agent`` is the session's lead: blocked work goes to it, and it re-plans."""
        ...

    async def replan(self, agent: str, args: Mapping[str, Any]) -> tuple[str, bool]:
        """The lead's re-planning (add, reassign, reopen): what it is told, and whether
        it failed."""
        ...

    def next_call_id(self) -> str: ...

    def command_started(self, agent: str, call: str, *, writes_plan: bool) -> None:
        """A command that could write plan.md starts (for honest ``plan.changed`` ``by``)."""

    def command_finished(self, call: str) -> None: ...

    def stream(self, agent: str, kind: str, text: str) -> None: ...

    @property
    def keep_alive(self) -> bool: ...
