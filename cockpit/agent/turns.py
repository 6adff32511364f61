"""The model's side of an agent's loop: one turn streamed, watched for silence and length,
restarted when the human redirects it, and its message and usage logged."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from cockpit.agent.backends.base import (
    Activity,
    Retrying,
    StreamEvent,
    TextDelta,
    TurnRequest,
    TurnResult,
)
from cockpit.agent.models import price_for
from cockpit.agent.steps import AgentSteps
from cockpit.agent.watchdog import TurnTimedOut
from cockpit.errors import BackendError
from cockpit.session.kinds import ModelUsage, PlanDelivered
from cockpit.session.status import AgentStatus


class ModelTurns(AgentSteps):
    """Model turns: the inbox and pending results in, the assistant's message out."""

    async def _model_turn(self) -> TurnResult | None:
        # Taken out before the first await: a note delivered while the message is being
        # logged waits for the next turn instead of being cleared unseen.
        content: list[dict[str, Any]] = list(self._pending_results)
        notes = list(self.inbox)
        content += [{"type": "text", "text": note} for note in notes]
        self._pending_results.clear()
        del self.inbox[: len(notes)]
        if content:
            await self._add_message({"role": "user", "content": content})
            if self._plan_note is not None:
                await self.host.record(
                    PlanDelivered(digest=self._plan_note, restarted=self._restarted),
                    agent=self.name,
                    iteration=self.iteration,
                )
                self._plan_note, self._restarted = None, False
        self.iteration += 1
        await self._set_status(AgentStatus.THINKING)
        request = TurnRequest(
            model=self.definition.model,
            system=self.system_prompt,
            messages=list(self.messages),
            tools=self._tools,
        )
        self._redirected = False
        self._turn = asyncio.ensure_future(self.backend.turn(request, self._on_stream))
        try:
            result = await self._watch.wait(self._turn)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if self._redirected and not (task is not None and task.cancelling()):
                self.host.stream(self.name, "restart", "")
                return None
            raise
        except TurnTimedOut as exc:
            await self._timed_out(str(exc))
            return None  # asked again
        finally:
            self._turn = None
        self._timeouts = 0
        if self.status in (AgentStatus.RETRYING, AgentStatus.STALLED):
            await self._set_status(AgentStatus.THINKING)
        await self._add_message({"role": "assistant", "content": result.content})
        tokens = result.usage
        unpriced = price_for(result.model) is None and price_for(request.model) is None
        usage = ModelUsage(
            model=result.model,
            input_tokens=tokens.input_tokens,
            output_tokens=tokens.output_tokens,
            cache_creation_input_tokens=tokens.cache_creation_input_tokens,
            cache_read_input_tokens=tokens.cache_read_input_tokens,
            cost_usd=result.cost_usd,
            priced=False if unpriced else None,  # its cost is unknown, not zero
        )
        await self.host.record(usage, agent=self.name, iteration=self.iteration)
        return result

    async def _timed_out(self, why: str) -> None:
        """A turn given up for silence or length: ask again, or fail saying why."""
        self._timeouts += 1
        retries = self.limits.retries
        if self._timeouts > retries:
            raise BackendError(
                f"{why}; gave up after {retries} retries (the limits are `model:` "
                "stalled_after / idle_timeout / turn_timeout in .cockpit/config.yaml)"
            )
        detail = f"{why}: asking again ({self._timeouts}/{retries})"
        self.host.stream(self.name, "retry", detail)
        await self._set_status(AgentStatus.RETRYING, detail)

    async def _stalled(self, silent_s: float) -> None:
        await self._set_status(
            AgentStatus.STALLED, f"no answer from the model for {silent_s:.0f} s"
        )

    async def _answering(self) -> None:
        if self.status == AgentStatus.STALLED:
            await self._set_status(AgentStatus.THINKING)

    def _on_stream(self, event: StreamEvent) -> None:
        self._watch.alive()
        if isinstance(event, Activity):
            return
        if isinstance(event, TextDelta):
            self.host.stream(self.name, "text", event.text)
        elif isinstance(event, Retrying):
            self.host.stream(self.name, "retry", event.describe())
            # Statuses go through the log; do it from a task, the callback is synchronous.
            task = asyncio.ensure_future(self._set_status(AgentStatus.RETRYING, event.describe()))
            task.add_done_callback(_swallow)


def _swallow(task: asyncio.Future[Any]) -> None:
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()
