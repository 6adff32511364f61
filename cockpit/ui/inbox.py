"""The approval inbox on screen: one prompt at a time, the most critical request first.

The supervisor keeps the pending requests (and their futures); this only decides which
one to show, announces new ones (bell and desktop notification), and turns the human's
answer into `resolve` / `allow_for_session`. A prompt left for later stays in the inbox
until the next-needing-me key brings it back.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.timer import Timer

from cockpit.session.status import NEEDS_YOU
from cockpit.supervisor.updates import BlockedItem
from cockpit.ui import notify
from cockpit.ui.approval import NOTHING_ASKED, ApprovalScreen, GrantOffer, Verdict
from cockpit.ui.blocked import BlockedScreen, Trail, item_lines, report_head
from cockpit.ui.grants import allow_for_session, grant_offer
from cockpit.ui.settings import KEYS, ScreenConfig, key_label

if TYPE_CHECKING:
    from cockpit.supervisor.core import PendingApproval, Supervisor

Stop = str | BlockedItem
"""Where the next-needing-me key goes: an agent (its prompts) or a blocked task."""

HOLD_COLLECTOR_S = 1.0
"""The longest the cycle collector stays paused for a prompt to come up."""


class Inbox:
    """Shows the supervisor's pending tier-3 requests, one at a time."""

    def __init__(
        self,
        app: App[Any],
        supervisor: Supervisor,
        config: ScreenConfig,
        env: Mapping[str, str],
    ) -> None:
        self.app = app
        self.supervisor = supervisor
        self.config = config
        self.env = env
        self.prompt: ApprovalScreen | None = None
        """The prompt on screen, if any."""
        self.alerts: list[str] = []
        """Every notification sent (its title), newest last."""
        self.closed = False
        self._deferred: set[str] = set()
        self._screen: ApprovalScreen | None = None  # the one prompt, refilled per request
        self._held: Timer | None = None  # the collector is paused while a prompt comes up
        self.trail = Trail()
        """Whom each blocked task went through (fed the session's events)."""
        self.last: Stop | None = None
        """Where the next-needing-me key went last."""

    def announce(self, pending: PendingApproval) -> None:
        """The bell and a desktop notification: someone needs the human."""
        request = pending.request
        title = f"cockpit: {request.agent} is waiting for you"
        self.alerts.append(title)
        kind = notify.choose(self.config.notifications, self.env)
        if kind == "off":
            return
        self.app.bell()
        body = (request.command.strip().splitlines() or [request.tool])[0]
        sequence = notify.sequence(kind, title, body, tmux=bool(self.env.get("TMUX")))
        driver = self.app._driver
        if sequence and not self.app.is_headless and driver is not None:
            driver.write(sequence)

    def prepare(self) -> None:
        """Build the prompt now, while nothing waits for it, so the first request appears
        as fast as the next ones (building it is most of a first prompt's delay)."""
        if self._screen is None:
            screen = ApprovalScreen(NOTHING_ASKED, GrantOffer(None), grace_s=self.config.grace_s)
            self.app.install_screen(screen, name="cockpit-approval")
            self._screen = screen
            # Pushed and popped before any frame is drawn: mounted, never seen.
            self.app.push_screen(screen)
            self.app.pop_screen()

    def show_next(self, agent: str | None = None) -> None:
        """Open the most critical pending request (of ``agent``) unless a prompt is up."""
        if self.prompt is not None or self.closed:
            return
        inbox = [p for p in self.supervisor.inbox() if not p.future.done()]
        for index, pending in enumerate(inbox):
            request = pending.request
            if request.call in self._deferred or agent not in (None, request.agent):
                continue
            offer = grant_offer(self.supervisor, request.call)
            position = (index + 1, len(inbox))
            screen = self._screen
            if screen is None:
                screen = ApprovalScreen(
                    request, offer, position=position, grace_s=self.config.grace_s
                )
                # Installed, so closing it keeps its widgets for the next request.
                self.app.install_screen(screen, name="cockpit-approval")
                self._screen = screen
            else:
                screen.load(request, offer, position=position)
            screen.on_shown = self.release_collector
            self._hold_collector()
            self.prompt = screen
            self.app.push_screen(screen, partial(self._answered, request.call))
            return

    def _hold_collector(self) -> None:
        """No cycle collection while a prompt comes up: a full collection (tens of
        milliseconds on a busy screen) landing on it would delay the moment the human
        sees the request. Released once the prompt is on screen, or after a second."""
        if gc.isenabled() and self._held is None:
            gc.disable()
            self._held = self.app.set_timer(HOLD_COLLECTOR_S, self.release_collector)

    def release_collector(self) -> None:
        """Let the cycle collector run again (the prompt is up, or the screen closes)."""
        if self._held is not None:
            self._held.stop()
            self._held = None
            gc.enable()

    async def _answered(self, call: str, verdict: Verdict | None) -> None:
        self.prompt = None
        choice = verdict.choice if verdict is not None else "deny"
        if choice == "approve":
            await self.supervisor.resolve(call, True, "human")
        elif choice == "deny":
            reason = verdict.reason if verdict is not None else None
            await self.supervisor.resolve(call, False, "human", reason)
        elif choice == "session":
            await allow_for_session(self.supervisor, call)
        elif choice == "later":
            self._deferred.add(call)
            key = key_label(self.config.keymap.get("next_waiting", KEYS["next_waiting"][0]))
            self.app.notify(f"Left for later: press {key} to come back to it.", markup=False)
        self.show_next()

    def settled(self, call: str | None) -> None:
        """``call`` was resolved (perhaps elsewhere, by a timeout): close its prompt."""
        if self.prompt is not None and self.prompt.call == call:
            self.prompt.settle()

    def blocked(self) -> list[BlockedItem]:
        """Blocked tasks waiting for the human, oldest first."""
        return sorted(self.supervisor.blocked.values(), key=lambda item: item.asked_at)

    def needing_me(self, statuses: Mapping[str, str]) -> list[Stop]:
        """What needs the human, in the order the next-needing-me key visits it: agents
        with a pending prompt (most critical first), then blocked tasks waiting for the
        human (oldest first: a prompt holds a running agent, a blocked task is already
        stopped), then other agents that stopped for the human."""
        order: list[Stop] = []
        for pending in self.supervisor.inbox():
            if pending.request.agent not in order:
                order.append(pending.request.agent)
        items = self.blocked()
        order += items
        covered = {item.agent for item in items}
        for name, status in statuses.items():
            if status in NEEDS_YOU and name not in order and name not in covered:
                order.append(name)
        return order

    def next_stop(self, stops: list[Stop], selected: str | None) -> Stop:
        """The stop after the one reached last while its agent is still the selected
        one, else after the selected agent's (the first when it needs nothing)."""
        last = self.last
        still = isinstance(last, BlockedItem) and last.agent in (None, selected)
        if last in stops and (still or last == selected):
            index = stops.index(last)
        elif selected in stops:
            index = stops.index(selected)
        else:
            index = -1
        stop = stops[(index + 1) % len(stops)]
        self.last = stop
        return stop

    def reach_blocked(self, item: BlockedItem, root: Path, message_key: str) -> None:
        """The panel of a blocked task; `m` there opens a message to its agent (for a
        gate's item, to the lead)."""
        if self.closed:
            return
        lead = self.supervisor.scheduler.lead(self.supervisor.known_agents())
        text = item_lines(
            item,
            self.trail.through(item.task),
            report_head(item.report, root),
            lead,
            message_key,
        )
        to = item.agent or lead
        self.app.push_screen(BlockedScreen(item, text), partial(self._blocked_answer, to))

    def _blocked_answer(self, to: str | None, message: bool | None) -> None:
        if not message:
            return
        if to is None:
            self.app.notify("No agent to message: fix the code and merge.", markup=False)
            return
        from cockpit.ui.dialogs import MessageScreen  # not needed for the first frame

        self.app.push_screen(MessageScreen(to), partial(self._send, to))

    async def _send(self, agent: str, text: str | None) -> None:
        if text:
            await self.supervisor.message(agent, text)

    def announce_blocked(self, item: BlockedItem) -> None:
        """The bell and a desktop notification: a blocked task needs the human."""
        title = f"cockpit: task #{item.task} is blocked and needs you"
        self.alerts.append(title)
        kind = notify.choose(self.config.notifications, self.env)
        if kind == "off":
            return
        self.app.bell()
        sequence = notify.sequence(kind, title, item.why, tmux=bool(self.env.get("TMUX")))
        driver = self.app._driver
        if sequence and not self.app.is_headless and driver is not None:
            driver.write(sequence)

    def reopen(self, agent: str) -> None:
        """Bring back the prompts of ``agent`` that were left for later."""
        self._deferred -= {
            p.request.call for p in self.supervisor.inbox() if p.request.agent == agent
        }
        self.show_next(agent)
