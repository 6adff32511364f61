"""One pane per agent: a header (name, model, status, task, tokens, cost) over its transcript.

The pane consumes what the session says (events and stream chunks, handed down by the
app) and never calls the model or the supervisor itself.
"""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from cockpit.session.events import Event
from cockpit.session.kinds import ModelMessage, ToolStarted
from cockpit.session.state import AgentState, CallState
from cockpit.session.status import HALTED, QUIET, TIMED, TROUBLED, AgentStatus
from cockpit.ui import render
from cockpit.ui.transcript import Transcript

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def pane_id(agent: str) -> str:
    """A DOM id for an agent's pane (agent names may hold dots)."""
    return "pane-" + _ID_UNSAFE.sub("_", agent)


class AgentPane(Vertical):
    """An agent's header and transcript; zoomable."""

    def __init__(self, agent: str, model: str, *, scrollback: int = 5000) -> None:
        super().__init__(id=pane_id(agent), classes="agent-pane")
        self.agent = agent
        self.model = model
        self.scrollback = scrollback
        self._text_streamed = False
        self._running_call: str | None = None
        self._output_streamed = False
        self._shown_header: Content | None = None
        self._transcript: Transcript | None = None
        self._since_ts: str | None = None
        self._since_s: float | None = None
        self.radar: Content | None = None
        """What the conflict radar says of this agent (`worktree_view.pane_radar`): the
        header shows it right after the status, before what a narrow pane cuts."""

    def compose(self) -> ComposeResult:
        yield Static(self._header(None, pause_requested=False), classes="pane-header")
        yield Transcript(self.scrollback, auto_flush=False)

    @property
    def transcript(self) -> Transcript:
        if self._transcript is None:  # kept once found: asked for on every event
            self._transcript = self.query_one(Transcript)
        return self._transcript

    def show_selected(self, selected: bool) -> None:
        """Mark (or unmark) this pane as the one the screen's keys act on."""
        self.query_one(".pane-header", Static).set_class(selected, "-selected")

    # -- what the app hands down -----------------------------------------------------

    def show_state(
        self, state: AgentState | None, *, pause_requested: bool, now: float | None = None
    ) -> None:
        """Refresh the header from the folded session state; ``now`` (epoch seconds) shows
        how long the current status has lasted."""
        header = self._header(state, pause_requested=pause_requested, now=now)
        if header != self._shown_header:  # a changed header costs a repaint, not a layout
            self._shown_header = header
            self.query_one(".pane-header", Static).update(header, layout=False)
        status = state.status if state is not None else AgentStatus.STARTING
        self.set_class(status == AgentStatus.WAITING, "-waiting")
        self.set_class(status in HALTED, "-blocked")
        self.set_class(status == AgentStatus.STALLED, "-stalled")
        self.set_class(status in QUIET, "-quiet")

    def add_event(self, event: Event, call: CallState | None) -> None:
        """Write what one of this agent's events says (``call`` as known before it)."""
        transcript = self.transcript
        if event.kind == ModelMessage.kind:
            if not self._text_streamed:  # fed from a log: nothing streamed this text
                text = render.model_text(event)
                if text:
                    transcript.write_lines([("text", render.clean(text))])
            transcript.end_line()
            self._text_streamed = False
            return
        if event.kind == ToolStarted.kind:
            self._running_call, self._output_streamed = event.call, False
        streamed = self._output_streamed and event.call == self._running_call
        transcript.write_lines(render.describe(event, call, output_streamed=streamed))

    def clear(self) -> None:
        """Forget the transcript (a replay redraws it from another point of the log)."""
        self.transcript.clear()
        self._text_streamed = False
        self._running_call = None
        self._output_streamed = False

    def add_stream(self, kind: str, text: str) -> None:
        """Ephemeral output: model text as it streams, command output as it runs."""
        transcript = self.transcript
        if kind == "text":
            self._text_streamed = True
            transcript.write(render.clean(text), "text")
        elif kind == "output":
            self._output_streamed = True
            transcript.write(render.clean_output(text), "dim")
        elif kind == "restart":
            self._text_streamed = False
            transcript.write_lines([("note", "↻ new instructions arrived: the turn restarts")])

    # -- header ----------------------------------------------------------------------

    def _header(
        self, state: AgentState | None, *, pause_requested: bool, now: float | None = None
    ) -> Content:
        """``name status 12s · radar · tokens · cost · model · task``: what matters first, so
        a narrow pane cuts the model name and the task, not the status."""
        status = state.status if state is not None else AgentStatus.STARTING
        colour = render.STATUS_COLOURS.get(status, "$text")
        shown = str(status)
        if now is not None and state is not None and status in TIMED:
            since = self._since(state.status_since)
            if since is not None:
                shown += f" {render.elapsed(now - since)}"
        if status == AgentStatus.WAITING:
            shown = f" {shown} "
        if pause_requested and status != AgentStatus.PAUSED:
            shown += " (pausing at the next step)"
        clean = render.one_line  # a model id, a task title, a reason: from files, never raw
        parts = [
            Content.from_markup("[b]$name[/b] ", name=clean(self.agent)),
            Content.styled(shown, colour),
        ]
        muted = "$text-muted"
        if state is not None and state.detail and status in TROUBLED:
            parts.append(Content.assemble((": ", muted), (clean(state.detail), colour)))
        if self.radar is not None:
            parts.append(Content.assemble((" · ", muted), self.radar))
        if state is not None:
            parts.append(
                Content.from_markup(
                    " [$text-muted]·[/] $tokens tok [$text-muted]·[/] $cost",
                    tokens=render.tokens(render.total_tokens(state)),
                    cost=render.agent_cost(state),
                )
            )
        model = (state.model if state is not None else "") or self.model
        if model:
            parts.append(Content.assemble((" · ", muted), (clean(model), muted)))
        if state is not None:
            if state.task:
                task = clean(state.task)
                parts.append(Content.from_markup(" [$text-muted]· task:[/] $task", task=task))
            elif state.detail and status == AgentStatus.RUNNING:
                detail = clean(state.detail)
                parts.append(Content.from_markup(" [$text-muted]·[/] $detail", detail=detail))
        return Content("").join(parts)

    def _since(self, ts: str | None) -> float | None:
        """``ts`` in epoch seconds (the last one read is kept: asked for every second)."""
        if ts != self._since_ts:
            self._since_ts, self._since_s = ts, render.epoch(ts)
        return self._since_s
