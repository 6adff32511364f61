"""The cockpit app: wires one session's supervisor to the screen.

The app holds no domain state: it drains the supervisor's updates (`feed`), folds the
events (`session_view`) to draw headers, hands events and stream chunks to the panes,
shows the inbox's most critical prompt, and turns what the screen asks for (its messages)
into supervisor commands (resolve, pause, message, stop). `cockpit.cli.screen` runs it for
`cockpit`, `cockpit run` and `cockpit resume`.

A new session is opened after the first frame: the frame needs only the agents and the
plan (`NewSession`), while the policy engine, the supervisor and what they import are a
good part of the start-up time. So this module imports none of them at the top, nor the
prompt and the dialogs, which no first frame shows.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import BindingType
from textual.message import Message

from cockpit.errors import CockpitError
from cockpit.session.events import Event
from cockpit.session.kinds import (
    ApprovalResolved,
    PlanChanged,
    TaskAnswered,
    TaskUpdated,
    body_class,
)
from cockpit.session.state import StateBuilder
from cockpit.session.status import FINAL, AgentStatus
from cockpit.supervisor.launch import NewSession, Prepared
from cockpit.supervisor.updates import ApprovalAsked, BlockedAsked, BlockedItem, Logged, StreamChunk
from cockpit.ui import render
from cockpit.ui.board import BOARD_KINDS
from cockpit.ui.feed import SessionFeed
from cockpit.ui.help_keys import session_help
from cockpit.ui.plan_view import PlanView
from cockpit.ui.screen import CockpitScreen
from cockpit.ui.session_view import LOG_VIEW_LINES, SessionView
from cockpit.ui.settings import (
    DIALOG_KEYS,
    SCREEN_KEYS,
    ScreenConfig,
    binding,
    key_label,
)
from cockpit.ui.worktree_view import WorktreeFold, isolation_note, pane_radar, radar_lines

if TYPE_CHECKING:
    from cockpit.supervisor.core import Supervisor
    from cockpit.supervisor.merge_bring import BringIn
    from cockpit.ui.dialogs import LogScreen
    from cockpit.ui.inbox import Inbox

HISTORY_SHOWN = 20_000  # events of a resumed session drawn into the panes (all are folded)
NOTICES_SHOWN = 5  # launch warnings in the first notification (help lists them all)
NOTICE_S = 30.0  # how long that notification stays


class CockpitApp(App[int]):
    """One session on screen."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["app.tcss"]
    LATER_CSS = ("approval.tcss", "dialogs.tcss")
    """The prompt's and the dialogs' own files: read right after the first frame, which
    shows none of their screens, and not when one first opens (a screen that reads its
    stylesheet then restyles every widget on screen). They style only their screens."""
    TITLE = "cockpit"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        binding(DIALOG_KEYS, "force_quit", "quit", "Quit", show=False, priority=True),
    ]

    class FeedReady(Message):
        """The session feed has a batch waiting."""

    prepared: Prepared
    supervisor: Supervisor
    inbox: Inbox
    """These three exist once the session is open: at once for a `Prepared` session, after
    the first frame for a `NewSession` (keys pressed before then wait for it)."""

    def __init__(
        self,
        session: Prepared | NewSession,
        config: ScreenConfig | None = None,
        *,
        history: Sequence[Event] = (),
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.clock = clock
        """Wall-clock seconds: how long each agent's current step has taken is shown
        against it (a test passes a fixed one)."""
        self.config = config or ScreenConfig()
        self.env = dict(os.environ if env is None else env)
        self.history = list(history)
        self.view = SessionView()
        self.worktrees = WorktreeFold()
        """Where the agents work and what the conflict radar says (headers, plan view)."""
        self.feed = SessionFeed(self._wake)
        self.started = False
        self.statuses: dict[str, AgentStatus] = {}
        self.failure: str | None = None
        self.open_error: CockpitError | None = None
        """Why the session could not be opened after the first frame (a bad rule file):
        shown on the screen, which then closes; `open_screen` raises it for the CLI."""
        self._opening: NewSession | None = None
        self._early_keys: list[events.Key] = []
        self._log_view: LogScreen | None = None
        self._stopping = False
        self._frozen = False
        self._board_moved = False
        if isinstance(session, NewSession):
            self._opening = session
        else:
            self._adopt(session)

    @property
    def state(self) -> StateBuilder:
        """The fold of the events shown so far."""
        return self.view.state

    @property
    def opened(self) -> bool:
        """The session is open: `prepared`, `supervisor` and `inbox` exist."""
        return self._opening is None

    def _adopt(self, prepared: Prepared) -> None:
        from cockpit.ui.inbox import Inbox  # the prompt's code: not needed for the first frame

        self.prepared = prepared
        self.supervisor = prepared.supervisor
        self.inbox = Inbox(self, self.supervisor, self.config, self.env)
        if prepared.started.isolation is not None:
            self.worktrees.isolation = dict(prepared.started.isolation)

    def _wake(self) -> None:
        self.post_message(self.FeedReady())

    def get_default_screen(self) -> CockpitScreen:
        if self._opening is not None:  # a new session: its plan.md was read a moment ago
            new = self._opening
            return CockpitScreen(
                new.agents,
                new.options.plan_path,
                workspace=new.options.workspace.root.name,
                scrollback=self.config.scrollback,
                plan=new.plan,
                unsandboxed=not new.sandbox.sandboxed,
            )
        return CockpitScreen(
            self._agents(),
            self.supervisor.plan_path,
            workspace=self.supervisor.root.name,
            scrollback=self.config.scrollback,
            unsandboxed=not self.supervisor.toolbox.sandboxed,
        )

    @property
    def main(self) -> CockpitScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, CockpitScreen)
        return screen

    def _agents(self) -> list[tuple[str, str]]:
        agents = {s.definition.name: s.definition.model for s in self.prepared.setups}
        if self.prepared.state is not None:
            recorded = {n: a.model for n, a in self.prepared.state.agents.items()}
            agents = {**recorded, **agents}
        return list(agents.items())

    # -- the session -----------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_keymap(dict(self.config.keymap))

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not self.opened:
            if self.open_error is None:  # typed ahead: it counts once the session is open
                self._early_keys.append(event)
            return
        await super().on_event(event)

    def on_ready(self) -> None:
        """The screen is up: open a new session, draw a resumed session's past, then
        start the agents."""
        if self._opening is not None and not self._open(self._opening):
            return
        self.supervisor.subscribe(self.feed.on_update)
        plan = self.main.query_one(PlanView)
        plan.board, plan.shifts = self.state.state, self.supervisor.scheduler.settings.shifts
        self._board_moved = True
        shown_from = len(self.history) - HISTORY_SHOWN
        for index, event in enumerate(self.history):
            self._show_event(event, set(), draw=index >= shown_from)
        self.history = []
        self._refresh(set(self.state.state.agents))
        self._show_notices()
        self._read_later_css()
        self.inbox.prepare()
        self._freeze_the_built()
        self.set_interval(1.0, self._tick)
        self.run_worker(self._run_session(), name="session", exit_on_error=False)
        for key in self._early_keys:
            self.post_message(events.Key(key.key, key.character))
        self._early_keys = []

    def _open(self, new: NewSession) -> bool:
        """Open the session the first frame shows. What fails (a bad rule file) is shown
        on the screen, which closes once that is drawn."""
        try:
            prepared = new.open()
        except CockpitError as exc:
            self.open_error = exc
            self.main.show_failure(f"cockpit: {exc}")
            self.call_after_refresh(self.exit, exc.exit_code)
            return False
        self._opening = None
        self._adopt(prepared)
        return True

    def _read_later_css(self) -> None:
        for name in self.LATER_CSS:
            self.stylesheet.read(Path(__file__).with_name(name))
        self.stylesheet.parse()

    def _show_notices(self) -> None:
        """The launch's warnings (a skipped agent file, a plan problem), once: a
        notification now, and a count on the status line that help spells out."""
        notices = self.prepared.notices
        if notices:
            shown = "\n".join(notices[:NOTICES_SHOWN])
            more = len(notices) - NOTICES_SHOWN
            if more > 0:
                shown += f"\n… and {more} more (the help key lists them)"
            self.tell(shown, title="At start", severity="warning", timeout=NOTICE_S)

    def tell(self, text: str, **options: Any) -> None:
        """A notification of text that may come from a file, a command or an agent: shown
        as it reads (never as markup, which `[/]` in a path would break), its control
        codes shown as escapes, never obeyed."""
        self.notify(render.clean(text), markup=False, **options)

    def _tick(self) -> None:
        """Once a second: the elapsed time in the headers of the agents mid-step (a
        repaint of one line each, no layout)."""
        timed = self.view.timed()
        if timed:
            self._refresh_panes(timed)

    def _freeze_the_built(self) -> None:
        """Move what is built by now (modules, classes, the screen's widgets, a resumed
        session's past) out of the cycle collector's sight until the app ends.

        A full collection walks every live object, and while eight agents stream one runs
        every half second or so: walking only what the session adds halves each pause,
        and the pauses are what a key or a prompt waits behind.
        """
        gc.enable()  # `cockpit` keeps it off until the first frame (run_commands.py)
        if gc.get_freeze_count():
            return  # frozen by someone else (a replay's state): theirs to let go, not ours
        gc.collect()
        gc.freeze()
        self._frozen = True

    def on_unmount(self) -> None:
        if self.opened:
            self.inbox.release_collector()
        if self._frozen:
            self._frozen = False
            gc.unfreeze()

    async def _run_session(self) -> None:
        p = self.prepared
        try:
            if p.state is None:
                await self.supervisor.start(p.setups, p.kickoff, started=p.started)
            else:
                await self.supervisor.resume(p.setups, p.state, p.recovered, p.kickoff)
            self.started = True
        except CockpitError as exc:
            self.failure = str(exc)
            self.exit(1)

    def on_cockpit_app_feed_ready(self, _: FeedReady) -> None:
        if not self.screen_stack:  # the app is closing: nothing left to draw on
            return
        touched: set[str] = set()
        asked = False
        for update in self.feed.drain():
            match update:
                case StreamChunk(agent, kind, text):
                    pane = self.main.pane(agent)
                    if pane is not None:
                        pane.add_stream(kind, text)
                case Logged(event):
                    self._show_event(event, touched)
                case ApprovalAsked(pending):
                    self.inbox.announce(pending)
                    asked = True
                case BlockedAsked(item):
                    self.inbox.announce_blocked(item)
        self._refresh(touched)
        if asked:
            self.inbox.show_next()

    def _show_event(self, event: Event, touched: set[str], *, draw: bool = True) -> None:
        if draw:
            self.main.show_event(event, self.view.call_of(event))
        line = self.view.take(event)
        if event.agent is not None:
            touched.add(event.agent)
        radar = self.worktrees.take(event)
        if radar is not None:
            self._show_radar(radar)
            touched |= radar
        kind = body_class(event.kind)
        if kind is PlanChanged or kind is TaskUpdated:
            view = self.main.query_one(PlanView)
            view.unverified = dict(self.state.state.unverified)
            view.refresh_plan()
        elif kind is ApprovalResolved:
            self.inbox.settled(event.call)
        if kind in BOARD_KINDS:
            self._board_moved = True
            self.inbox.trail.take(event)
            if kind is TaskAnswered and isinstance(event.data.get("task"), str):
                self.supervisor.answered(event.data["task"])  # its inbox item is done
        if self._log_view is not None and self.screen is self._log_view:
            self._log_view.append(line)

    def _show_radar(self, agents: set[str]) -> None:
        """The radar changed for ``agents``: their headers (redrawn with the others
        touched) and the plan view's list."""
        for name in agents:
            pane = self.main.pane(name)
            if pane is not None:
                pane.radar = pane_radar(name, self.worktrees)
        self.main.query_one(PlanView).show_radar(radar_lines(self.worktrees))

    def _refresh(self, agents: set[str]) -> None:
        self._refresh_panes(agents)
        self._show_status()
        if self._board_moved:  # once per batch of events, not once per event
            self._board_moved = False
            self.main.query_one(PlanView).show_board()

    def _refresh_panes(self, agents: set[str]) -> None:
        state = self.state.state
        now = self.clock()
        for name in agents:
            pane = self.main.pane(name)
            if pane is not None:
                paused = self.supervisor.pause_requested(name)
                pane.show_state(state.agents.get(name), pause_requested=paused, now=now)

    def _show_status(self) -> None:
        self.main.isolation = self.worktrees.isolation
        self.main.show_status(
            self.state.state.agents.values(),
            stopping=self._stopping,
            notices=len(self.prepared.notices),
            asked=len(self.supervisor.blocked),
        )

    # -- what the screen asks for ("messages up") --------------------------------------

    def on_cockpit_screen_next_waiting(self, message: CockpitScreen.NextWaiting) -> None:
        """The next agent that needs the human after the selected one, and its prompts;
        after the prompts, the blocked tasks waiting for the human."""
        stops = self.inbox.needing_me(self.view.statuses())
        if not stops:
            self.notify("No agent needs you right now.")
            return
        stop = self.inbox.next_stop(stops, message.selected)
        if isinstance(stop, BlockedItem):
            if stop.agent is not None:
                self.main.focus_agent(stop.agent)
            self.inbox.reach_blocked(stop, self.supervisor.root, key_label(self._key("message")))
            return
        self.main.focus_agent(stop)
        self.inbox.reopen(stop)

    def on_cockpit_screen_pause_toggled(self, message: CockpitScreen.PauseToggled) -> None:
        agent = message.agent
        if not self.supervisor.is_running(agent):
            self.tell(f"{agent} is not running in this session.", severity="warning")
            return
        status = self.supervisor.statuses()[agent]
        paused = self.supervisor.pause_requested(agent)
        if status in FINAL and not paused:
            self.tell(
                f"{agent} has finished ({status}): there is nothing to pause. "
                f"A message ({key_label(self._key('message'))}) gives it more to do.",
                severity="warning",
            )
            return
        if paused:
            self.supervisor.unpause(agent)
        else:
            self.supervisor.pause(agent)
        self._refresh({agent})

    def on_cockpit_screen_message_wanted(self, message: CockpitScreen.MessageWanted) -> None:
        agent = message.agent
        if not self.supervisor.is_running(agent):
            self.tell(f"{agent} is not running in this session.", severity="warning")
            return
        from cockpit.ui.dialogs import MessageScreen  # not needed for the first frame

        self.push_screen(MessageScreen(agent), partial(self._send_message, agent))

    async def _send_message(self, agent: str, text: str | None) -> None:
        if text:
            await self.supervisor.message(agent, text)

    def _key(self, binding_id: str) -> str:
        return self.config.keymap.get(binding_id, SCREEN_KEYS[binding_id][0])

    def on_cockpit_screen_details_wanted(self, message: CockpitScreen.DetailsWanted) -> None:
        """The agent's last call in full (earlier ones a key away), as replay's Enter."""
        from cockpit.ui.live_details import LiveDetailsScreen  # not needed for the first frame

        agent = message.agent
        entries = self.view.recent.of(agent)
        if not entries:
            self.tell(f"{agent} has made no call yet.")
            return
        self.push_screen(LiveDetailsScreen(agent, entries, self.prepared.log.path))

    def on_cockpit_screen_grants_wanted(self, _: CockpitScreen.GrantsWanted) -> None:
        """The session's grants; the one picked is revoked through the supervisor."""
        from cockpit.ui.grants_screen import GrantsScreen  # not needed for the first frame

        self.push_screen(GrantsScreen(self.supervisor.grants()), self._revoke)

    async def _revoke(self, grant_id: str | None) -> None:
        if grant_id is None:
            return
        pattern = next((g.pattern for g in self.supervisor.grants() if g.id == grant_id), "")
        if await self.supervisor.revoke_grant(grant_id):
            self.tell(f"Revoked {pattern}: it asks again.")

    def on_cockpit_screen_merge_wanted(self, _: CockpitScreen.MergeWanted) -> None:
        """The merge ceremony off the key's handler (it runs git and the checks)."""
        self.run_worker(self._merge(), name="merge", group="merge", exclusive=True)

    async def _merge(self) -> None:
        from cockpit.supervisor.merge_bring import BringInRefused
        from cockpit.ui.merge_screen import MergeScreen, ceremony_lines

        self.tell("Merge ceremony: merging the finished, verified branches…")
        report = await self.supervisor.merge()
        if report is None:
            self.tell(self.supervisor.ceremony.problem or "the merge ceremony did not run")
            return
        offer, refusal = None, None
        try:
            offer = await self.supervisor.bring_in_offer(report)
        except BringInRefused as exc:
            refusal = str(exc)
        if not self.is_running:
            return
        self.clear_notifications()  # "merging…" is done: the page says what happened
        screen = MergeScreen(ceremony_lines(report), offer, refusal)
        self.push_screen(screen, lambda yes: self._bring_in(offer if yes else None))

    def _bring_in(self, offer: BringIn | None) -> None:
        """The human said y on the bring-in: do it off the key's handler."""
        if offer is not None:
            self.run_worker(self._brought(offer), name="bring-in", group="merge")

    async def _brought(self, offer: BringIn) -> None:
        from cockpit.supervisor.merge_bring import BringInRefused

        try:
            body = await self.supervisor.bring_in(offer)
        except BringInRefused as exc:
            self.tell(str(exc), severity="error")
            return
        how = "fast-forwarded" if body.fast_forward else "merged"
        self.tell(f"{body.target} {how} to {str(body.after)[:10]}: the work is in your branch.")

    def on_cockpit_screen_changes_wanted(self, message: CockpitScreen.ChangesWanted) -> None:
        """The agent's whole diff against the session's start (computed off the loop)."""
        self.run_worker(
            self._show_changes(message.agent), name="changes", group="changes", exclusive=True
        )

    async def _show_changes(self, agent: str) -> None:
        from cockpit.ui.changes_view import (  # not needed for the first frame
            ChangesScreen,
            worktree_heading,
        )

        changes = await self.supervisor.changes(agent)
        tree = self.supervisor.worktree(agent)
        heading = None
        if tree is not None:
            heading = worktree_heading(agent, tree.base, tree.branch)
        if self.is_running:
            self.push_screen(ChangesScreen(changes, heading))

    def on_cockpit_screen_log_wanted(self, _: CockpitScreen.LogWanted) -> None:
        from cockpit.ui.dialogs import LogScreen  # not needed for the first frame

        title = f"Session {self.prepared.session} · {self.prepared.log.path}"
        self._log_view = LogScreen(title, self.view.log_lines, max_lines=LOG_VIEW_LINES)
        self.push_screen(self._log_view)

    def on_cockpit_screen_help_wanted(self, _: CockpitScreen.HelpWanted) -> None:
        keys, notes, prompt = session_help(
            self.config.keymap, self.prepared.notices, self.prepared.session
        )
        where = isolation_note(self.worktrees.isolation)
        if where is not None:
            notes.insert(len(self.prepared.notices), where)
        from cockpit.ui.dialogs import HelpScreen  # not needed for the first frame

        self.push_screen(HelpScreen(keys, notes, prompt_keys=prompt))

    def on_cockpit_screen_quit_wanted(self, _: CockpitScreen.QuitWanted) -> None:
        self.quit_session()

    def quit_session(self) -> None:
        """Stop every agent cleanly (a running command is killed and logged), then exit."""
        if self._stopping or not self.opened:
            return
        self._stopping = True
        self.inbox.closed = True
        self._show_status()
        self.run_worker(self._stop_and_exit(), name="stop", exit_on_error=False)

    async def _stop_and_exit(self) -> None:
        if self.started:
            self.statuses = await self.supervisor.stop("quit")
        self.exit(0)

    async def action_quit(self) -> None:
        self.quit_session()
