"""An agent's transcript: styled lines, wrapped to the pane, bounded, selectable.

A Line-API widget (like toolong's log lines): only the visible rows are rendered, each
from a cache, so a pane streaming hundreds of lines a second stays cheap. Logical lines
are kept (at most ``max_lines``) and wrapped into rows whenever the width changes; the
last line stays open while model text streams into it.
"""

from __future__ import annotations

import textwrap
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.events import Resize
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from cockpit.ui.render import STYLES

REFRESH_HZ = 10
"""How often a streaming transcript is redrawn: as fast as anyone reads, far below the
frame rate, so eight busy panes leave the screen free to answer keys."""


class Transcript(ScrollView, can_focus=True):
    """Scrollback of one agent: model text, tool calls with their tier, outcomes."""

    ALLOW_SELECT = True
    DEFAULT_CSS = """
    Transcript {
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-gutter: stable;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {f"transcript--{s}" for s in STYLES}

    def __init__(
        self, max_lines: int = 5000, *, auto_flush: bool = True, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines
        self.auto_flush = auto_flush
        """Redraw on its own timer; off when a parent flushes many transcripts at once."""
        self._lines: deque[tuple[int, str, str]] = deque()  # (serial, style, text)
        self._row_counts: deque[int] = deque()
        self._rows: list[tuple[int, int, str, str]] = []  # (serial, sub, style, text) a row
        self._serial = 0
        self._open = False
        self._wrap_width = 0
        self._cache: LRUCache[tuple[int, int], Strip] = LRUCache(1024)
        self._follow = True  # stick to the newest line until the reader scrolls up
        self._dirty = False
        self._styles: dict[str, Style] = {}
        self._batch_depth = 0
        self._batch_at_end = True

    @property
    def allow_select(self) -> bool:
        return True

    @property
    def line_count(self) -> int:
        """Logical lines kept (not rows on screen)."""
        return len(self._lines)

    @property
    def text(self) -> str:
        """Everything kept, as plain text."""
        return "\n".join(text for _, _, text in self._lines)

    # -- writing -------------------------------------------------------------------

    def write(self, text: str, style: str = "text") -> None:
        """Append streamed text: it continues the open line if that has the same style."""
        if not text:
            return
        at_end = self._at_end()
        pieces = text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                self._open = False  # the newline before this piece closed the line
            if self._open and self._lines and self._lines[-1][1] == style:
                if piece:
                    serial, _, old = self._lines.pop()
                    self._drop_last_rows(self._row_counts.pop())
                    self._append(serial, style, old + piece)
            elif piece or index < len(pieces) - 1:
                self._serial += 1
                self._append(self._serial, style, piece)
            self._open = True
        self._open = not text.endswith("\n")
        self._after_write(at_end)

    def write_lines(self, lines: list[tuple[str, str]]) -> None:
        """Append whole lines (closing any open one)."""
        if not lines:
            return
        at_end = self._at_end()
        self._open = False
        for style, text in lines:
            for piece in text.split("\n"):
                self._serial += 1
                self._append(self._serial, style, piece)
        self._after_write(at_end)

    @contextmanager
    def batch_writes(self) -> Iterator[None]:
        """Write many times with one pass of bookkeeping (bound, size) at the end: a
        replay's redraw writes a thousand events at once."""
        if self._batch_depth == 0:
            self._batch_at_end = self._at_end()
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                self._after_write(self._batch_at_end)

    def end_line(self) -> None:
        """Close the open line, so the next write starts a new one."""
        self._open = False

    def clear(self) -> None:
        self._lines.clear()
        self._row_counts.clear()
        self._rows.clear()
        self._open = False
        self._cache.clear()
        self.virtual_size = Size(self._wrap_width, 0)
        self.refresh()

    def _append(self, serial: int, style: str, text: str) -> None:
        self._lines.append((serial, style, text))
        rows = self._wrap(text)
        self._row_counts.append(len(rows))
        self._rows.extend((serial, sub, style, row) for sub, row in enumerate(rows))

    def _drop_last_rows(self, count: int) -> None:
        if count:
            serial = self._rows[-1][0]
            del self._rows[-count:]
            for index in range(count):
                self._cache.discard((serial, index))

    def _after_write(self, at_end: bool) -> None:
        if self._batch_depth:
            return
        dropped_rows = 0
        while len(self._lines) > self.max_lines:
            self._lines.popleft()
            dropped_rows += self._row_counts.popleft()
        if dropped_rows:
            del self._rows[:dropped_rows]
            if not at_end:  # keep what the reader is looking at in place
                self.scroll_to(y=max(0, self.scroll_y - dropped_rows), animate=False)
        self.virtual_size = Size(self._wrap_width, len(self._rows))
        self._dirty = True  # drawn by the next `_flush`, at most REFRESH_HZ times a second

    def on_mount(self) -> None:
        if self.auto_flush:
            self.set_interval(1 / REFRESH_HZ, self.flush)

    def flush(self) -> None:
        """Draw what was written since the last flush (and follow it)."""
        if self._dirty:
            self._dirty = False
            if self._follow:
                self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
            self.refresh()

    def _at_end(self) -> bool:
        return self._follow

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._follow = new_value >= self.max_scroll_y

    # -- wrapping ------------------------------------------------------------------

    def _width(self) -> int:
        return max(self.scrollable_content_region.width, 10)

    def _wrap(self, text: str) -> list[str]:
        width = self._wrap_width or self._width()
        self._wrap_width = width
        if cell_len(text) <= width:
            return [text]
        rows = textwrap.wrap(
            text,
            width,
            expand_tabs=False,
            replace_whitespace=False,
            drop_whitespace=False,
            break_on_hyphens=False,
        )
        return rows or [""]

    def _rewrap(self) -> None:
        self._wrap_width = self._width()
        self._rows.clear()
        self._row_counts.clear()
        for serial, style, text in self._lines:
            rows = self._wrap(text)
            self._row_counts.append(len(rows))
            self._rows.extend((serial, sub, style, row) for sub, row in enumerate(rows))
        self._cache.clear()
        self.virtual_size = Size(self._wrap_width, len(self._rows))

    def on_resize(self, event: Resize) -> None:
        follow = self._follow
        if self._width() != self._wrap_width:
            self._rewrap()
        if follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        self._styles.clear()

    def _style(self, name: str) -> Style:
        """The rich style of a line style (cached: computing it is not cheap)."""
        style = self._styles.get(name)
        if style is None:
            if name == "":
                style = self.rich_style
            else:
                style = self._style("") + self.get_component_rich_style(f"transcript--{name}")
            self._styles[name] = style
        return style

    # -- rendering and selection ---------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self._style("")
        if index >= len(self._rows):
            return Strip.blank(width, base)
        strip = self._row_strip(index)
        return strip.crop_extend(scroll_x, scroll_x + width, base).apply_offsets(scroll_x, index)

    def _row_strip(self, index: int) -> Strip:
        serial, sub, style, row = self._rows[index]
        key = (serial, sub)
        selection = self.text_selection
        if selection is None and key in self._cache:
            return self._cache[key]
        text = Text(row, style=self._style(style))
        if selection is not None and (span := selection.get_span(index)) is not None:
            start, end = span
            text.stylize(
                self.screen.get_component_rich_style("screen--selection"),
                start,
                len(row) if end == -1 else end,
            )
        strip = Strip(text.render(self.app.console), cell_len(row))
        if selection is None:
            self._cache[key] = strip
        return strip

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text; rows of one wrapped line are joined back without a break."""
        parts: list[str] = []
        previous: int | None = None
        for index, (serial, _, _, row) in enumerate(self._rows):
            span = selection.get_span(index)
            if span is None:
                continue
            start, end = span
            if previous is not None:
                parts.append("" if serial == previous else "\n")
            parts.append(row[start:] if end == -1 else row[start:end])
            previous = serial
        if previous is None:
            return None
        return "".join(parts), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._cache.clear()
        self.refresh()
