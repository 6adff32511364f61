"""The replay screen: the session screen's panes and plan view, fed from the log.

It is `CockpitScreen` with the transport's keys instead of the session's. The panes are the
live ones and are fed the same way: each event with its call as known before it, then
folded into the state that draws the headers. A redraw (a seek, a step back) clears the
panes and feeds them the state at the start of a bounded tail and then the tail; events
played or stepped forward are appended.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.content import Content
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.replay.details import Details
from cockpit.session.events import Event
from cockpit.session.kinds import PlanChanged, SessionStarted
from cockpit.session.state import StateBuilder, items_of
from cockpit.ui import render
from cockpit.ui.agent_pane import AgentPane
from cockpit.ui.plan_view import PlanView
from cockpit.ui.replay_transport import Frame, Played, Redraw, Timeline, Transport
from cockpit.ui.replay_view import logged_plan, session_line, timeline_bar, transport_line
from cockpit.ui.screen import CockpitScreen, fit_keys
from cockpit.ui.settings import DIALOG_KEYS, REPLAY_KEYS, binding
from cockpit.ui.transcript import Transcript
from cockpit.ui.worktree_view import WorktreeFold, pane_radar, radar_lines


def _bind(binding_id: str, action: str, description: str, **options: Any) -> Binding:
    """A binding with its default key from `REPLAY_KEYS` (remappable by id)."""
    return Binding(REPLAY_KEYS[binding_id][0], action, description, id=binding_id, **options)


class ReplayScreen(CockpitScreen, inherit_bindings=False):
    """A session's log played back through the session screen's panes."""

    ALLOW_IN_MAXIMIZED_VIEW = "#keys, #status, #transport, #timeline"
    BINDINGS: ClassVar[list[BindingType]] = [
        _bind("play", "play", "Play/pause"),
        _bind("faster", "faster", "Faster"),
        _bind("slower", "slower", "Slower"),
        _bind("step", "step(1)", "Step"),
        _bind("step_back", "step(-1)", "Step back"),
        _bind("next_marker", "marker(1)", "Next marker"),
        _bind("prev_marker", "marker(-1)", "Previous marker"),
        *(_bind(f"seek_{n}", f"seek({n})", f"{n * 10} %") for n in range(10)),
        # A focused transcript scrolls on home/end: these win.
        _bind("start", "start", "Start", priority=True),
        _bind("end", "end", "End", priority=True),
        _bind("follow", "follow", "Follow"),
        _bind("details", "details", "Details"),
        _bind("diff", "diff", "Diff"),
        _bind("zoom", "zoom", "Zoom"),
        _bind("plan", "toggle_plan", "Plan"),
        _bind("help", "help", "Help"),
        _bind("quit", "quit", "Quit"),
    ]

    def __init__(self, transport: Transport, *, scrollback: int = 5000) -> None:
        super().__init__([], None, scrollback=scrollback)
        self.transport = transport
        """What the keys drive (the app owns it and runs it in a thread)."""
        self.builder = StateBuilder()
        """The state after the events drawn so far (the live screen's fold)."""
        self.frame: Frame | None = None
        self.timeline: Timeline | None = None
        self.first: Event | None = None
        self.plan_change: Event | None = None
        self.worktrees = WorktreeFold()
        """Where agents work and what the radar says, as of the events drawn."""
        self._shown: dict[str, Content] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal(id="body"):
            yield Container(id="panes")
            plan = PlanView(None, set(), id="plan")
            plan.border_title = "plan.md · from the log"
            yield plan
        yield Static(id="transport")
        yield Static(id="timeline")
        yield Static(id="keys")

    # -- what the app hands down -----------------------------------------------------

    async def redraw(self, report: Redraw) -> None:
        """Clear the panes and draw the tail from the state before it (a provisional
        redraw draws the tail alone and leaves the headers until the state comes)."""
        self.first = report.first or self.first
        builder = report.builder
        self.worktrees = report.worktrees.copy() if report.worktrees else WorktreeFold()
        await self._add_panes([*self._started_agents(), *builder.state.agents, *_agents(report)])
        panes = list(self.query(AgentPane))
        with ExitStack() as batches:
            for pane in panes:
                pane.clear()
                batches.enter_context(pane.transcript.batch_writes())
                if report.start:
                    pane.transcript.write_lines([("note", _earlier(report.start))])
            for event in report.tail:
                self._feed(builder, event)
        current = report.tail[-1] if report.tail else None
        if report.provisional:
            self._mark_current(current)
        else:
            self.builder, self.plan_change = builder, report.plan_change
            self._show_state(current)
        self.show_frame(report.frame)

    async def play(self, report: Played) -> None:
        """Append events newly shown."""
        await self._add_panes(_agents(report))
        with ExitStack() as batches:
            for pane in self.query(AgentPane):
                batches.enter_context(pane.transcript.batch_writes())
            for event in report.events:
                self._feed(self.builder, event)
        if report.events:  # a move that went nowhere keeps the current event
            self._show_state(report.events[-1])
        self.show_frame(report.frame)

    def show_frame(self, frame: Frame) -> None:
        self.frame = frame
        self._update("#transport", transport_line(frame))
        self._draw_timeline()

    def show_timeline(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self._draw_timeline()

    def _feed(self, builder: StateBuilder, event: Event) -> None:
        """One event, as the live screen shows it: drawn with its call as known before
        it, then folded."""
        call = builder.state.calls.get(event.call) if event.call else None
        self.show_event(event, call)
        builder.apply(event)
        self.worktrees.take(event)
        if event.kind == PlanChanged.kind:
            self.plan_change = event
        elif event.kind == SessionStarted.kind:
            self.first = self.first or event

    def _show_state(self, current: Event | None) -> None:
        """Headers, the top line and the plan view from the state at the position; the
        pane of the current event is marked."""
        state = self.builder.state
        now = render.epoch(current.ts) if current is not None else None  # the replay's clock
        for pane in self.query(AgentPane):
            agent = state.agents.get(pane.agent)
            if agent is not None and agent.model:
                pane.model = agent.model
            pane.radar = pane_radar(pane.agent, self.worktrees)
            pane.show_state(agent, pause_requested=False, now=now)
        self._mark_current(current)
        self._update("#status", session_line(state, self.first, self.worktrees.isolation))
        plan = logged_plan(state, self.plan_change)
        if plan != self._shown.get("plan"):
            self._shown["plan"] = plan
            self.query_one(PlanView).show(plan)
        radar = Content("\n").join(radar_lines(self.worktrees))
        if radar != self._shown.get("radar"):
            self._shown["radar"] = radar
            self.query_one(PlanView).show_radar(radar_lines(self.worktrees))

    def _mark_current(self, current: Event | None) -> None:
        for pane in self.query(AgentPane):
            pane.set_class(current is not None and pane.agent == current.agent, "-current")

    def _draw_timeline(self) -> None:
        if self.frame is not None:
            width = self.query_one("#timeline").content_region.width
            self._update("#timeline", timeline_bar(self.frame, self.timeline, width))

    def _update(self, selector: str, content: Content) -> None:
        """Repaint a one-line widget when its text changed (a repaint, not a layout)."""
        if content != self._shown.get(selector):
            self._shown[selector] = content
            self.query_one(selector, Static).update(content, layout=False)

    def _started_agents(self) -> list[str]:
        if self.first is None or self.first.kind != SessionStarted.kind:
            return []
        return [name for name in items_of(self.first.data.get("agents")) if isinstance(name, str)]

    async def _add_panes(self, names: list[str]) -> None:
        """A pane for each agent not shown yet (agents can join mid-session)."""
        have = {pane.agent for pane in self.query(AgentPane)}
        new = [name for name in dict.fromkeys(names) if name not in have]
        if not new:
            return
        panes = [AgentPane(name, "", scrollback=self.scrollback) for name in new]
        await self.query_one("#panes").mount_all(panes)
        self.agents += [(name, "") for name in new]
        self.arrange_panes()
        if self.selected is None:
            self.focus_agent(new[0])

    def on_resize(self, _: Resize) -> None:
        self._draw_timeline()

    def _key_line(self, columns: int = 0) -> Content:
        def key(binding_id: str) -> str:
            return self.app.get_key_display(self._binding(binding_id))

        shown = [
            (key("play"), "play/pause", "play"),
            (f"{key('faster')} {key('slower')}", "speed", "speed"),
            (f"{key('step')} {key('step_back')}", "step", "step"),
            (f"{key('next_marker')} {key('prev_marker')}", "marker", "marker"),
            (f"{key('seek_0')}-{key('seek_9')}", "seek", "seek"),
            (f"{key('start')} {key('end')}", "start/end", "start/end"),
            (key("follow"), "follow", "follow"),
            (key("details"), "details", "details"),
            (key("help"), "help", "help"),
            (key("quit"), "quit", "quit"),
        ]
        return fit_keys(shown, columns)

    # -- keys ----------------------------------------------------------------------

    def action_play(self) -> None:
        self.transport.play_pause()

    def action_faster(self) -> None:
        self.transport.faster()

    def action_slower(self) -> None:
        self.transport.slower()

    def action_step(self, delta: int) -> None:
        self.transport.step(delta)

    def action_marker(self, direction: int) -> None:
        self.transport.jump(direction)

    def action_seek(self, tenths: int) -> None:
        self.transport.seek_fraction(tenths / 10)

    def action_start(self) -> None:
        self.transport.start()

    def action_end(self) -> None:
        self.transport.end()

    def action_follow(self) -> None:
        self.transport.toggle_follow()

    def action_details(self) -> None:
        self.transport.details()

    def action_diff(self) -> None:
        """The selected agent's branch as it is now (`branch_diff`), the app shows it."""
        if self.selected is not None:
            self.post_message(self.ChangesWanted(self.selected))

    def action_help(self) -> None:
        self.post_message(self.HelpWanted())

    def action_quit(self) -> None:
        self.app.exit(0)


def _earlier(start: int) -> str:
    return f"── drawn from event {start:,} on: the header counts everything before ──"


def _agents(report: Redraw | Played) -> list[str]:
    events = report.tail if isinstance(report, Redraw) else report.events
    return [event.agent for event in events if event.agent is not None]


class DetailsScreen(ModalScreen[None]):
    """Everything about one event: the full command, every reason and rule, the decision,
    the output and the artifact's text (scrollable, selectable)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        binding(DIALOG_KEYS, "details.close", "close", "Close")
    ]
    MAX_LINES = 200_000

    def __init__(self, details: Details) -> None:
        super().__init__()
        self.details = details

    def compose(self) -> ComposeResult:
        d = self.details
        with Vertical(classes="dialog"):
            yield Static(
                Content.assemble(
                    (f"Event {d.index:,}", "bold"),
                    render.one_line(f" · {d.event.kind}"),
                    render.one_line(f" · {d.event.agent or 'session'}"),
                    render.one_line(f" · call {d.event.call}" if d.event.call else ""),
                ),
                id="details-title",
            )
            yield Transcript(self.MAX_LINES, id="details-text")
            yield Static(Content.styled("Esc or Enter closes", "$text-muted"))

    def on_mount(self) -> None:
        transcript = self.query_one(Transcript)
        transcript.write_lines(detail_lines(self.details))
        transcript.action_scroll_home()  # a page is read from its top, not followed
        transcript.focus()

    def action_close(self) -> None:
        self.dismiss(None)


_TIER_STYLES = {1: "tier-1", 2: "tier-2", 3: "tier-3", "deny": "deny"}


def detail_lines(details: Details) -> list[tuple[str, str]]:
    """The details page as transcript lines: reasons in the call's tier colour."""
    call = details.call
    tier = _TIER_STYLES.get(call.tier, "text") if call is not None and call.tier else "text"
    lines: list[tuple[str, str]] = []
    for line in details.render().split("\n"):
        style = tier if line.startswith(("reason: ", "tier: ")) else "text"
        lines.append((style, render.clean(line)))  # a command, output, a file's text
    return lines
