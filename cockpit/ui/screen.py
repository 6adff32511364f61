"""The main screen: a status line, one pane per agent, the plan view, the keys.

Layout: one agent fills the screen; two sit side by side; three or more are a main pane
with the others stacked beside it (in two columns from six agents on), so eight stay
readable. Any pane can be zoomed. The screen's keys act on the selected pane (the one
holding focus, or the last one that did) and ask the app for anything that touches the
session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal
from textual.content import Content
from textual.events import DescendantFocus, Resize
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from cockpit.plan.document import Plan
from cockpit.session.events import Event
from cockpit.session.kinds import (
    GrantRevoked,
    LogRecovered,
    PhaseGate,
    PhaseOpened,
    SessionEnded,
    SessionResumed,
    body_class,
)
from cockpit.session.state import AgentState, CallState
from cockpit.session.status import HALTED, AgentStatus
from cockpit.ui import render
from cockpit.ui.agent_pane import AgentPane, pane_id
from cockpit.ui.plan_view import PlanView
from cockpit.ui.settings import SCREEN_KEYS
from cockpit.ui.transcript import REFRESH_HZ, Transcript
from cockpit.ui.worktree_view import isolation_badge

SESSION_WIDE = frozenset(
    {SessionResumed, SessionEnded, LogRecovered, GrantRevoked, PhaseOpened, PhaseGate}
)
"""Events of no agent that every pane shows."""

PLAN_WIDTH = 44
PLAN_MIN_WIDTH = 30
PLAN_SHARE = 0.3
"""The plan view takes 30 % of the width, between 30 and 44 columns."""
WORKSPACE_SHORT = 16
"""Characters of the workspace's name the top line keeps when it is short of room."""
PLAN_HIDDEN_BELOW = 100
"""Columns under which the plan view starts hidden (the plan key still shows it): on an
80-column terminal the agents' panes need the room."""


KEY_LINE_DROPS = ("merge", "log", "grants", "diff", "details", "zoom", "message", "plan", "pause")
"""The keys the key line leaves out first when the terminal is narrow (help lists all)."""

SHORT_NAMES = {
    "pause": "Pause",
    "message": "Msg",
    "next_waiting": "Next",
}
"""What the key line calls a binding when the terminal is too narrow for its full name."""


def _bind(binding_id: str, action: str, description: str) -> Binding:
    """A binding with its default key from `SCREEN_KEYS` (remappable by id)."""
    return Binding(SCREEN_KEYS[binding_id][0], action, description, id=binding_id)


def fit_keys(
    keys: Sequence[tuple[str, str, str]], columns: int, drop: Sequence[int] = ()
) -> Content:
    """The key line: each (key, what it does, a shorter name), as many as ``columns``
    hold. The short names come first; then keys are left out in the order of the indexes
    in ``drop`` (else from the end), never the last two (help and quit: help lists them
    all)."""

    def line(shown: Iterable[tuple[str, str]]) -> Content:
        parts: list[str | tuple[str, str]] = []
        for key, what in shown:
            parts += [(f" {key} ", "bold reverse $accent"), f" {what}  "]
        return Content.assemble(*parts)

    full = line((key, what) for key, what, _ in keys)
    if not columns or full.cell_length <= columns:
        return full
    kept = dict(enumerate((key, short) for key, _, short in keys))
    order = list(drop) or list(range(len(keys) - 3, -1, -1))
    while order and line(kept.values()).cell_length > columns:
        kept.pop(order.pop(0), None)
    return line(kept.values())


def plan_width(columns: int) -> int:
    return max(PLAN_MIN_WIDTH, min(PLAN_WIDTH, int(columns * PLAN_SHARE)))


def grid_shape(count: int) -> tuple[int, int, int, str]:
    """(columns, rows, rows the main pane spans, column widths) for ``count`` panes."""
    if count <= 1:
        return 1, 1, 1, "1fr"
    if count == 2:
        return 2, 1, 1, "1fr 1fr"
    others = count - 1
    if others <= 4:
        return 2, others, others, "3fr 2fr"
    rows = (others + 1) // 2
    return 3, rows, rows, "2fr 1fr 1fr"


class CockpitScreen(Screen[None]):
    """Every agent at a glance."""

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """As Textual's, without repainting the whole screen on every focus change: the
    widgets whose focus styles change repaint themselves, so Tab costs two panes."""
    BINDINGS: ClassVar[list[BindingType]] = [
        _bind("next_waiting", "next_waiting", "Next needing me"),
        _bind("pause", "pause", "Pause/resume"),
        _bind("message", "message", "Message"),
        _bind("zoom", "zoom", "Zoom"),
        _bind("details", "details", "Details"),
        _bind("diff", "diff", "Diff"),
        _bind("grants", "grants", "Grants"),
        _bind("merge", "merge", "Merge"),
        _bind("plan", "toggle_plan", "Plan"),
        _bind("log", "log", "Log"),
        _bind("help", "help", "Help"),
        _bind("quit", "quit", "Quit"),
    ]

    # What the human asks of the session: the app does it ("messages up").

    @dataclass
    class PauseToggled(Message):
        """Pause the agent, or let it go on."""

        agent: str

    @dataclass
    class MessageWanted(Message):
        """Write the agent a message."""

        agent: str

    @dataclass
    class NextWaiting(Message):
        """Go to the next agent that needs the human after ``selected``."""

        selected: str | None

    @dataclass
    class DetailsWanted(Message):
        """The agent's last call in full."""

        agent: str

    @dataclass
    class ChangesWanted(Message):
        """The agent's diff since the session began."""

        agent: str

    class GrantsWanted(Message):
        """The session's grants, to revoke one."""

    class MergeWanted(Message):
        """The merge ceremony, then maybe the bring-in."""

    class LogWanted(Message):
        """The session log."""

    class HelpWanted(Message):
        """The keys and the launch's notices."""

    class QuitWanted(Message):
        """Stop every agent and leave."""

    def __init__(
        self,
        agents: Sequence[tuple[str, str]],
        plan_path: Path | None,
        *,
        workspace: str = "",
        scrollback: int = 5000,
        plan: Plan | None = None,
        unsandboxed: bool = False,
    ) -> None:
        super().__init__()
        self.unsandboxed = unsandboxed
        self.isolation: Mapping[str, Any] | None = None
        """Where the agents work (``session.started``'s isolation): the top line's badge."""
        """The user chose to run agents' commands outside the sandbox: the top line says so
        for as long as the session runs."""
        self.agents = list(agents)
        self.workspace = workspace
        self.plan_path = plan_path
        self.plan = plan
        self.scrollback = scrollback
        self.selected: str | None = self.agents[0][0] if self.agents else None
        self._status: Content | None = None
        self._panes: dict[str, AgentPane] = {}
        self._zoomed: AgentPane | None = None
        self._plan_wanted: bool | None = None  # the plan key's choice; None: by the width
        self._keys_shown: Content | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal(id="body"):
            with Container(id="panes"):
                for name, model in self.agents:
                    yield AgentPane(name, model, scrollback=self.scrollback)
            agents = {name for name, _ in self.agents}
            yield PlanView(self.plan_path, agents, id="plan", plan=self.plan)
        # A plain line, not Textual's Footer: that one rebuilds its widgets on every focus
        # change, which made Tab cost a full relayout. These keys do not change.
        yield Static(id="keys")

    def on_mount(self) -> None:
        self.arrange_panes()
        self._fit(self.size.width)
        # One redraw for every streaming pane at once: one frame, not eight.
        self.set_interval(1 / REFRESH_HZ, self._flush_transcripts)
        panes = list(self.query(AgentPane))
        if panes:
            panes[0].transcript.focus()

    def arrange_panes(self) -> None:
        """Lay the panes out for their number (again after one is added)."""
        panes = list(self.query(AgentPane))
        if self._zoomed is not None:
            panes = [self._zoomed]
        columns, rows, span, widths = grid_shape(len(panes))
        grid = self.query_one("#panes").styles
        grid.grid_size_columns, grid.grid_size_rows = columns, rows
        grid.grid_columns = widths
        for index, pane in enumerate(panes):
            pane.styles.row_span = span if index == 0 else 1

    def on_resize(self, event: Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, columns: int) -> None:
        """Size the plan view and the key line for the terminal's width."""
        self.query_one(PlanView).styles.width = plan_width(columns)
        self._show_plan()
        keys = self._key_line(columns)
        if keys != self._keys_shown:
            self._keys_shown = keys
            self.query_one("#keys", Static).update(keys, layout=False)

    @property
    def plan_shown(self) -> bool:
        """The plan view is on screen (or would be, once no pane is zoomed)."""
        if self._plan_wanted is not None:
            return self._plan_wanted
        return self.size.width >= PLAN_HIDDEN_BELOW

    def _show_plan(self) -> None:
        plan = self.query_one(PlanView)
        shown = self._zoomed is None and self.plan_shown
        if plan.display != shown:
            plan.display = shown

    def _flush_transcripts(self) -> None:
        for transcript in self.query(Transcript):
            transcript.flush()

    # -- what the app hands down -----------------------------------------------------

    def pane(self, agent: str) -> AgentPane | None:
        pane = self._panes.get(agent)
        if pane is None:  # remembered once found: a DOM query per event is costly
            found = self.query(f"#{pane_id(agent)}")
            pane = found.first(AgentPane) if found else None
            if pane is not None:
                self._panes[agent] = pane
        return pane

    def show_event(self, event: Event, call: CallState | None) -> None:
        """Draw one event in its agent's pane (every pane, for a session-wide one);
        ``call`` is its tool call as known before the event."""
        if event.agent is not None:
            pane = self.pane(event.agent)
            if pane is not None:
                pane.add_event(event, call)
        elif body_class(event.kind) in SESSION_WIDE:
            for pane in self.query(AgentPane):
                pane.add_event(event, None)

    def show_status(
        self,
        agents: Iterable[AgentState],
        *,
        stopping: bool = False,
        notices: int = 0,
        asked: int = 0,
    ) -> None:
        """The top line: where agents work, how many, who waits for the human, who failed
        or stalled, warnings from the start, tokens and cost. When all but tokens and cost
        do not fit the terminal, the base's SHA is left out first, then the badge and the
        workspace's name are shortened (help says them in full)."""
        agents = list(agents)
        status = self.query_one("#status", Static)
        room = self.size.width - status.styles.padding.width
        for detail in (2, 1, 0):
            told = self._status_line(agents, stopping, notices, detail, asked)
            if told.cell_length <= room:
                break
        used = sum(render.total_tokens(a) for a in agents)
        line = told + f" · {render.tokens(used)} tok · {render.session_cost(agents)}"
        if line != self._status:  # a changed line costs a repaint, not a layout
            self._status = line
            status.update(line, layout=False)

    def _status_line(
        self, agents: list[AgentState], stopping: bool, notices: int, detail: int, asked: int
    ) -> Content:
        """The top line but tokens and cost, ``detail`` 2 (all), 1 or 0 (shortest).
        ``asked``: blocked tasks waiting for the human (counted with the prompts)."""
        waiting = sum(1 for a in agents if a.status == AgentStatus.WAITING) + asked
        blocked = sum(1 for a in agents if a.status in HALTED)
        stalled = sum(1 for a in agents if a.status == AgentStatus.STALLED)
        parts: list[str | Content | tuple[str, str]] = [("cockpit", "bold")]
        if self.unsandboxed:
            parts += [" ", (" UNSANDBOXED ", "bold reverse $error")]
        workspace = render.one_line(str(self.workspace))
        if detail == 0 and len(workspace) > WORKSPACE_SHORT:
            workspace = workspace[: WORKSPACE_SHORT - 1] + "…"
        parts.append(f" · {workspace}")
        badge = isolation_badge(self.isolation, detail)
        if badge is not None:
            parts += [" · ", badge]
        parts.append(f" · {len(agents)} agents")
        if waiting:
            key = self.app.get_key_display(self._binding("next_waiting"))
            parts += [" · ", (f" ⚠ {waiting} waiting for you ({key}) ", "bold reverse $warning")]
        if blocked:
            parts += [" · ", (f"{blocked} blocked or failed", "bold $error")]
        if stalled:
            parts += [" · ", (f"{stalled} stalled", "bold $warning")]
        if notices:
            key = self.app.get_key_display(self._binding("help"))
            warnings = "1 warning" if notices == 1 else f"{notices} warnings"
            parts += [" · ", (f"⚠ {warnings} at start ({key})", "$warning")]
        if stopping:
            parts += [" · ", ("stopping the agents…", "bold $warning")]
        return Content.assemble(*parts)

    def show_failure(self, message: str) -> None:
        """The top line says why the session could not start (the screen then closes)."""
        self._status = Content.styled(render.one_line(message), "bold $error")
        self.query_one("#status", Static).update(self._status, layout=False)

    def _key_line(self, columns: int = 0) -> Content:
        """The screen's keys, as many as ``columns`` hold (see `fit_keys`)."""
        keys: list[tuple[str, str, str]] = []
        ids: list[str] = []
        active: dict[str | None, Binding] = {}  # the user's keys, found in one walk
        for found in self.active_bindings.values():
            active.setdefault(found.binding.id, found.binding)
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.id is not None:
                key = self.app.get_key_display(active.get(binding.id, binding))
                brief = SHORT_NAMES.get(binding.id, binding.description)
                keys.append((key, binding.description, brief))
                ids.append(binding.id)
        drop = [ids.index(name) for name in KEY_LINE_DROPS if name in ids]
        return fit_keys(keys, columns, drop)

    def _binding(self, action_id: str) -> Binding:
        """The binding with id ``action_id``, with the user's key if remapped."""
        for active in self.active_bindings.values():
            if active.binding.id == action_id:
                return active.binding
        return next(b for b in self.BINDINGS if isinstance(b, Binding) and b.id == action_id)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        for node in event.widget.ancestors_with_self:
            if isinstance(node, AgentPane):
                self._select(node.agent)
                break

    def _select(self, agent: str) -> None:
        previous = self.pane(self.selected) if self.selected not in (None, agent) else None
        if previous is not None:
            previous.show_selected(False)
        self.selected = agent
        if (pane := self.pane(agent)) is not None:
            pane.show_selected(True)

    def focus_agent(self, agent: str) -> None:
        pane = self.pane(agent)
        if pane is not None:
            if self._zoomed is not None and self._zoomed is not pane:
                self.zoom(pane)
            pane.transcript.focus()
            self._select(agent)

    @property
    def zoomed(self) -> AgentPane | None:
        """The pane shown alone, if one is."""
        return self._zoomed

    def zoom(self, pane: AgentPane | None) -> None:
        """Show ``pane`` alone in the body, or (None) every pane and the plan again.

        Inline styles only: Textual's `maximize` sets a class on the screen, which
        restyles every widget on it (a fifth of a second with eight panes).
        """
        self._zoomed = pane
        for other in self.query(AgentPane):
            other.display = pane is None or other is pane
        self._show_plan()
        if pane is not None:
            focused = self.focused
            if focused is None or pane not in focused.ancestors_with_self:
                pane.transcript.focus()  # what had focus may be hidden now
        self.arrange_panes()

    # -- keys ----------------------------------------------------------------------

    def action_zoom(self) -> None:
        if self._zoomed is not None:
            self.zoom(None)
        elif self.selected is not None and (pane := self.pane(self.selected)) is not None:
            self.zoom(pane)

    def action_pause(self) -> None:
        if self.selected is not None:
            self.post_message(self.PauseToggled(self.selected))

    def action_message(self) -> None:
        if self.selected is not None:
            self.post_message(self.MessageWanted(self.selected))

    def action_next_waiting(self) -> None:
        self.post_message(self.NextWaiting(self.selected))

    def action_details(self) -> None:
        if self.selected is not None:
            self.post_message(self.DetailsWanted(self.selected))

    def action_diff(self) -> None:
        if self.selected is not None:
            self.post_message(self.ChangesWanted(self.selected))

    def action_grants(self) -> None:
        self.post_message(self.GrantsWanted())

    def action_merge(self) -> None:
        self.post_message(self.MergeWanted())

    def action_toggle_plan(self) -> None:
        self._plan_wanted = not self.plan_shown
        if self._zoomed is not None and self._plan_wanted:
            self.zoom(None)  # the plan shows beside the panes, not beside a zoomed one
        self._show_plan()

    def action_log(self) -> None:
        self.post_message(self.LogWanted())

    def action_help(self) -> None:
        self.post_message(self.HelpWanted())

    def action_quit(self) -> None:
        self.post_message(self.QuitWanted())
