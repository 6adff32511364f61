"""The main screen: a status line, one pane per agent, the plan view, the keys.

Layout: one agent fills the screen; two sit side by side; three or more are a main pane
with the others stacked beside it (in two columns from six agents on), so eight stay
readable. Any pane can be zoomed. The screen's keys act on the selected pane (the one
holding focus, or the last one that did) and ask the app for anything that touches the
session.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal
from textual.content import Content
from textual.events import DescendantFocus
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from cockpit.session import events as k
from cockpit.session.events import Event
from cockpit.session.state import AgentState, CallState
from cockpit.ui import render
from cockpit.ui.agent_pane import AgentPane, pane_id
from cockpit.ui.plan_view import PlanView
from cockpit.ui.transcript import REFRESH_HZ, Transcript

if TYPE_CHECKING:
    from cockpit.ui.app import CockpitApp

SESSION_WIDE = frozenset({k.SESSION_RESUMED, k.SESSION_ENDED, k.LOG_RECOVERED})
"""Events of no agent that every pane shows."""


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
        Binding("z", "zoom", "Zoom", id="zoom"),
        Binding("p", "pause", "Pause/resume", id="pause"),
        Binding("m", "message", "Message", id="message"),
        Binding("w", "next_waiting", "Next needing me", id="next_waiting"),
        Binding("t", "toggle_plan", "Plan", id="plan"),
        Binding("l", "log", "Log", id="log"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(
        self,
        agents: Sequence[tuple[str, str]],
        plan_path: Path | None,
        *,
        workspace: str = "",
        scrollback: int = 5000,
    ) -> None:
        super().__init__()
        self.agents = list(agents)
        self.workspace = workspace
        self.plan_path = plan_path
        self.scrollback = scrollback
        self.selected: str | None = self.agents[0][0] if self.agents else None
        self._status: Content | None = None
        self._panes: dict[str, AgentPane] = {}
        self._zoomed: AgentPane | None = None

    @property
    def cockpit(self) -> CockpitApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal(id="body"):
            with Container(id="panes"):
                for name, model in self.agents:
                    yield AgentPane(name, model, scrollback=self.scrollback)
            yield PlanView(self.plan_path, {name for name, _ in self.agents}, id="plan")
        # A plain line, not Textual's Footer: that one rebuilds its widgets on every focus
        # change, which made Tab cost a full relayout. These keys do not change.
        yield Static(id="keys")

    def on_mount(self) -> None:
        self.arrange_panes()
        self.query_one("#keys", Static).update(self._key_line())
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
        elif event.kind in SESSION_WIDE:
            for pane in self.query(AgentPane):
                pane.add_event(event, None)

    def show_status(self, agents: Iterable[AgentState], *, stopping: bool = False) -> None:
        """The top line: how many agents, who waits for the human, tokens and cost."""
        agents = list(agents)
        waiting = sum(1 for a in agents if a.status == "waiting for you")
        blocked = sum(1 for a in agents if a.status in ("blocked", "failed"))
        parts: list[str | tuple[str, str]] = [
            ("cockpit", "bold"),
            f" · {self.workspace} · {len(agents)} agents",
        ]
        if waiting:
            key = self.app.get_key_display(self._binding("next_waiting"))
            parts += [" · ", (f" ⚠ {waiting} waiting for you ({key}) ", "bold reverse $warning")]
        if blocked:
            parts += [" · ", (f"{blocked} blocked or failed", "bold $error")]
        if stopping:
            parts += [" · ", ("stopping the agents…", "bold $warning")]
        used = sum(render.total_tokens(a) for a in agents)
        spent = sum(a.cost_usd for a in agents)
        parts.append(f" · {render.tokens(used)} tok · {render.cost(spent)}")
        line = Content.assemble(*parts)
        if line != self._status:  # a changed line costs a repaint, not a layout
            self._status = line
            self.query_one("#status", Static).update(line, layout=False)

    def _key_line(self) -> Content:
        parts: list[str | tuple[str, str]] = []
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.id is not None:
                key = self.app.get_key_display(self._binding(binding.id))
                parts += [(f" {key} ", "bold reverse $accent"), f" {binding.description}  "]
        return Content.assemble(*parts)

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
        plan = self.query_one(PlanView)
        if pane is None:
            plan.styles.clear_rule("display")  # back to what its CSS (and `t`) says
        else:
            plan.display = False
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
            self.cockpit.toggle_pause(self.selected)

    def action_message(self) -> None:
        if self.selected is not None:
            self.cockpit.ask_message(self.selected)

    def action_next_waiting(self) -> None:
        waiting = self.cockpit.needing_me()
        if not waiting:
            self.notify("No agent needs you right now.")
            return
        after = waiting.index(self.selected) + 1 if self.selected in waiting else 0
        agent = waiting[after % len(waiting)]
        self.focus_agent(agent)
        self.cockpit.reopen_prompt(agent)

    def action_toggle_plan(self) -> None:
        self.query_one(PlanView).toggle_class("-hidden")

    def action_log(self) -> None:
        self.cockpit.open_log()

    def action_help(self) -> None:
        self.cockpit.open_help()

    def action_quit(self) -> None:
        self.cockpit.quit_session()
