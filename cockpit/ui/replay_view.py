"""What the replay screen's own lines say: pure functions from the transport's reports and
the folded state to styled text (the panes and plan view are the live screen's)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from textual.content import Content

from cockpit.replay.lines import Flag
from cockpit.session.events import Event
from cockpit.session.kinds import PlanChanged
from cockpit.session.state import SessionState, items_of
from cockpit.session.status import HALTED, AgentStatus
from cockpit.ui import render
from cockpit.ui.board import logged_board
from cockpit.ui.plan_view import STATE_STYLES
from cockpit.ui.replay_transport import Frame, Timeline
from cockpit.ui.worktree_view import isolation_badge

Parts = list[str | Content | tuple[str, str]]

# Marker glyphs on the timeline, most telling first.
_MARKS = (
    (Flag.DENIAL, "◆", "bold $error"),
    (Flag.ERROR, "✗", "bold $error"),
    (Flag.APPROVAL, "▲", "bold $warning"),
)


def session_line(
    state: SessionState, first: Event | None, isolation: Mapping[str, Any] | None = None
) -> Content:
    """The top line: which session, where its agents worked, how many, who was waiting,
    tokens and cost, as of the current event."""
    agents = list(state.agents.values())
    parts: Parts = [("replay", "bold")]
    workspace = first.data.get("workspace") if first is not None else None
    if isinstance(workspace, str) and workspace:
        parts.append(f" · {render.one_line(PurePath(workspace).name)}")
    session = state.session or (first.session if first is not None else None)
    if session:
        parts.append(f" · {render.one_line(session)}")
    badge = isolation_badge(isolation)
    if badge is not None:
        parts += [" · ", badge]
    parts.append(f" · {len(agents)} agents")
    waiting = sum(1 for a in agents if a.status == AgentStatus.WAITING)
    blocked = sum(1 for a in agents if a.status in HALTED)
    if waiting:
        parts += [" · ", (f" ⚠ {waiting} waiting for the human ", "bold reverse $warning")]
    if blocked:
        parts += [" · ", (f"{blocked} blocked or failed", "bold $error")]
    if state.ended:
        parts += [" · ", (render.one_line(f"ended: {state.end_reason or '?'}"), "$text-muted")]
    used = sum(render.total_tokens(a) for a in agents)
    spent = sum(a.cost_usd for a in agents)
    parts.append(f" · {render.tokens(used)} tok · {render.cost(spent)}")
    return Content.assemble(*parts)


def transport_line(frame: Frame) -> Content:
    """Playing or paused, speed and idle cap, position, the current event's time."""
    if frame.playing:
        parts: Parts = [(" ▶ playing ", "bold reverse $success")]
    else:
        parts = [(" ‖ paused ", "bold reverse $text-muted")]
    cap = "no idle cap" if frame.idle_cap is None else f"idle cap {_seconds(frame.idle_cap)}"
    parts.append(f" ×{_speed(frame.speed)} · {cap} · ")
    known = frame.total if frame.indexed >= 1 else frame.span
    about = "" if frame.indexed >= 1 else "~"
    parts.append((f"{frame.position:,}", "bold"))
    parts.append(f" / {about}{known:,}")
    if frame.current_ts is not None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(frame.current_ts))
        parts.append(f" · {stamp}")
        if frame.start_ts is not None:
            parts.append((f" +{_elapsed(frame.current_ts - frame.start_ts)}", "$text-muted"))
    if frame.follow:
        parts += [" · ", ("following", "bold $accent")]
    if frame.indexed < 1:
        parts += [" · ", (f"indexing {frame.indexed:.0%}", "$text-muted")]
    if frame.loading:
        parts += [" · ", ("reading the state here…", "$warning")]
    return Content.assemble(*parts)


def timeline_bar(frame: Frame, timeline: Timeline | None, width: int) -> Content:
    """A progress bar ``width`` cells wide: played, to come, the markers and the cursor."""
    width = max(1, width)
    span = max(frame.span, frame.position, 1)
    played = (frame.position * width) // span
    cells = [("━", "$accent") if c < played else ("─", "$text-muted") for c in range(width)]
    ranks = [len(_MARKS)] * width
    if timeline is not None:
        count = len(timeline.marks)
        for at, flags in enumerate(timeline.marks):
            rank = next((r for r, (flag, _, _) in enumerate(_MARKS) if flags & flag), None)
            if rank is None:
                continue
            c = min(width - 1, (at * timeline.span * width) // (count * span))
            if rank < ranks[c]:
                _, glyph, style = _MARKS[rank]
                cells[c], ranks[c] = (glyph, style), rank
    if frame.position > 0:
        cells[min(width - 1, ((frame.position - 1) * width) // span)] = ("●", "bold $accent")
    return Content.assemble(*cells)


def logged_plan(state: SessionState, change: Event | None) -> Content:
    """The plan as far as the log knows it at this point: the tasks agents reported
    (status and note), the last plan change and the problems it named. The log has no
    copy of plan.md, so the tasks nobody has reported on are not shown."""
    lines: list[Content] = [Content.styled("As the log knows it here", "$text-muted")]
    owners: dict[str, list[str]] = {}
    for name, agent in state.agents.items():
        if agent.task:
            owners.setdefault(agent.task, []).append(name)
    if state.tasks:
        lines.append(Content(""))
        for title, data in state.tasks.items():
            status = str(data.get("status", ""))
            box, style = STATE_STYLES.get(status, ("[?]", "$warning"))
            who = render.one_line("".join(f" @{name}" for name in owners.get(title, [])))
            shown = render.one_line(title)
            lines.append(Content.assemble((box, style), " ", shown, (who, "$secondary")))
            note = data.get("note")
            if note:
                lines.append(
                    Content.styled(render.one_line(f"    {status}: {note}"), "$text-muted")
                )
    elif not state.board:
        lines += [Content(""), Content("No task reported yet.")]
    lines += logged_board(state)  # an ordered plan's board, as the live view shows it
    changes = state.kinds.get(PlanChanged.kind, 0)
    if changes:
        lines.append(Content(""))
        by = f", last by {change.data.get('by', '?')}" if change is not None else ""
        said = render.one_line(f"plan.md changed {changes} time(s){by}")
        lines.append(Content.styled(said, "bold $primary"))
    if change is not None:
        for problem in items_of(change.data.get("problems")):
            if isinstance(problem, dict):
                text = f"plan.md line {problem.get('line', '?')}: {problem.get('message', '')}"
                lines.append(Content.styled(render.one_line(text), "$warning"))
    return Content("\n").join(lines)


def _speed(speed: float) -> str:
    return f"{speed:g}"


def _seconds(seconds: float) -> str:
    return f"{seconds:g} s"


def _elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
