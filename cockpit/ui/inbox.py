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
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.timer import Timer

from cockpit.session.status import NEEDS_YOU
from cockpit.ui import notify
from cockpit.ui.approval import NOTHING_ASKED, ApprovalScreen, GrantOffer, Verdict
from cockpit.ui.grants import allow_for_session, grant_offer
from cockpit.ui.settings import KEYS, ScreenConfig, key_label

if TYPE_CHECKING:
    from cockpit.supervisor.core import PendingApproval, Supervisor

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

    def needing_me(self, statuses: Mapping[str, str]) -> list[str]:
        """Agents that need the human: with a pending prompt (most critical first), then
        the blocked ones."""
        order: list[str] = []
        for pending in self.supervisor.inbox():
            if pending.request.agent not in order:
                order.append(pending.request.agent)
        for name, status in statuses.items():
            if status in NEEDS_YOU and name not in order:
                order.append(name)
        return order

    def reopen(self, agent: str) -> None:
        """Bring back the prompts of ``agent`` that were left for later."""
        self._deferred -= {
            p.request.call for p in self.supervisor.inbox() if p.request.agent == agent
        }
        self.show_next(agent)
