"""An agent's transcript: styled lines, wrapped to the pane, bounded, selectable.

A Line-API widget (like toolong's log lines): only the visible rows are rendered, each
from a cache, so a pane streaming hundreds of lines a second stays cheap. Logical lines
are kept (at most ``max_lines``) and wrapped into rows whenever the width changes; the
last line stays open while model text streams into it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import ClassVar, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.events import Resize
from textual.filter import LineFilter
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from cockpit.ui.render import STYLES
from cockpit.ui.wrap import visible, wrap_ascii, wrap_cells

CACHED_ROWS_MIN = 32
"""Finished rows a transcript keeps, at least; else three times what it shows. Not more:
each is some thirty objects the cycle collector walks on every full collection."""


@lru_cache(maxsize=4096)
def offset_style(x: int, y: int) -> Style:
    """The style that tells Textual which cell of the content a screen cell shows (what
    a mouse selection reads), as `Strip.apply_offsets` sets it."""
    return Style.from_meta({"offset": (x, y)})


class Look(NamedTuple):
    """What a finished row depends on besides its text: the widget's width, the app's
    line filters and the background they blend with."""

    width: int
    filters: tuple[LineFilter, ...]
    background: Color


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
        & > .transcript--text { color: $foreground; }
        & > .transcript--dim { color: $text-muted; }
        & > .transcript--tier-1 { color: $success; }
        & > .transcript--tier-2 { color: $warning; }
        & > .transcript--tier-3 { color: $error; text-style: bold; }
        & > .transcript--deny { color: $error; text-style: bold reverse; }
        & > .transcript--ok { color: $success; }
        & > .transcript--fail { color: $error; }
        & > .transcript--human { color: $accent; text-style: bold; }
        & > .transcript--note { color: $secondary; text-style: italic; }
        & > .transcript--added { color: $text-success; background: $success 15%; }
        & > .transcript--removed { color: $text-error; background: $error 15%; }
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
        # A plain dict, oldest row dropped first: Textual's LRUCache is a ring of links, so
        # clearing it (on every resize) left thousands of strips for the cycle collector.
        self._cache: dict[tuple[int, int], tuple[int, Look, Strip]] = {}
        """A row's finished strip by (serial, sub), with the number and look it has."""
        self._cache_limit = CACHED_ROWS_MIN
        self._first_row = 0  # the number of ``_rows[0]``: rows dropped from the front so far
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
    def row_count(self) -> int:
        """Rows the kept lines wrap into (the scroll range follows at the next flush)."""
        return len(self._rows)

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
        self._forget_selection()
        self._lines.clear()
        self._row_counts.clear()
        self._rows.clear()
        self._open = False
        self._cache.clear()
        self._resize_content()
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
                self._cache.pop((serial, index), None)

    def _after_write(self, at_end: bool) -> None:
        if self._batch_depth:
            return
        dropped_rows = 0
        while len(self._lines) > self.max_lines:
            self._lines.popleft()
            dropped_rows += self._row_counts.popleft()
        if dropped_rows:
            del self._rows[:dropped_rows]
            self._first_row += dropped_rows
            if not at_end:  # keep what the reader is looking at in place
                self.scroll_to(y=max(0, self.scroll_y - dropped_rows), animate=False)
        self._dirty = True  # drawn by the next `flush`, at most REFRESH_HZ times a second

    def on_mount(self) -> None:
        if self.auto_flush:
            self.set_interval(1 / REFRESH_HZ, self.flush)

    def flush(self) -> None:
        """Draw what was written since the last flush (and follow it)."""
        if self._dirty:
            self._dirty = False
            self._resize_content()
            if self._follow:
                self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
            self.refresh()

    def _resize_content(self) -> None:
        """Tell the scrollbar how many rows there are, without a layout.

        Setting ``virtual_size`` the usual way reflows the whole screen, on every write
        of every pane. A transcript's own size never depends on its content (it fills its
        pane and always shows its scrollbar), so only the scroll range is updated.
        """
        size = Size(self._wrap_width, len(self._rows))
        if size != self.virtual_size:
            self.set_reactive(Transcript.virtual_size, size)
            self._scroll_update(size)

    def action_scroll_home(self) -> None:
        """The first line kept, and stay there while the agent writes on (a scroll that
        animated was overtaken by the next flush, which followed the stream back down)."""
        self._follow = False
        self.scroll_home(animate=False, immediate=True, x_axis=False)

    def action_scroll_end(self) -> None:
        """The newest line, and follow the stream again."""
        self._follow = True
        self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    def watch_has_focus(self, _has_focus: bool) -> None:
        """Focus changes nothing in a transcript's look (its pane's header shows it), so
        the restyle of the widget and its scrollbars Textual does here is skipped."""

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
        if text.isascii():  # one cell a character: the common case, and a fast one
            return wrap_ascii(text, width)
        if cell_len(text) <= width:
            return [text]
        return wrap_cells(text, width)

    def _forget_selection(self) -> None:
        """Drop a selection made over rows that are about to be numbered anew (a resize
        rewraps them, a clear removes them): kept, it would mark and copy other text."""
        if self.text_selection is not None:
            self.screen.clear_selection()

    def _rewrap(self) -> None:
        self._forget_selection()
        self._wrap_width = self._width()
        self._rows.clear()
        self._row_counts.clear()
        for serial, style, text in self._lines:
            rows = self._wrap(text)
            self._row_counts.append(len(rows))
            self._rows.extend((serial, sub, style, row) for sub, row in enumerate(rows))
        self._cache.clear()
        self._resize_content()

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

    def render_lines(self, crop: Region) -> list[Strip]:
        """The widget's rows, whole: padding, text, background and line filters in one
        cached strip.

        Textual's default path builds each row anew on every frame (and a scrolling
        transcript repaints every row it shows), which on a busy screen made both the
        frames and the garbage collector's pauses long. Here a row's finished strip is
        kept while it is on screen and the width and styles stay, so following a stream
        costs only its new rows. Only the styles a transcript uses are honoured:
        background, colour, padding and the line filters (no border, tint or opacity).
        """
        width, height = self.outer_size
        top, right, bottom, left = self.styles.padding
        filters = tuple(self.get_line_filters())
        look = Look(width, filters, self.background_colors[1])
        self._cache_limit = max(CACHED_ROWS_MIN, 3 * height)
        scroll_y = self.scroll_offset.y
        strips: list[Strip] = []
        for y in crop.line_range:
            if top <= y < height - bottom:
                strip = self._row_line(scroll_y + y - top, look, left, right)
            else:
                strip = Strip.blank(width, self._style(""))
                for line_filter in filters:
                    strip = strip.apply_filter(line_filter, look.background)
            strips.append(strip)
        x1, x2 = crop.column_span
        if (x1, x2) != (0, width):
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def render_line(self, y: int) -> Strip:
        """Row ``y`` of the content area, unfiltered (``render_lines`` draws the widget)."""
        _, right, _, left = self.styles.padding
        width = max(0, self.outer_size.width - left - right)
        look = Look(width, (), self.background_colors[1])
        return self._row_line(self.scroll_offset.y + y, look, 0, 0)

    def _row_line(self, index: int, look: Look, left: int, right: int) -> Strip:
        """Row ``index`` of ``_rows`` as a finished strip ``look.width`` cells wide:
        ``left`` and ``right`` blank cells around the text, then the line filters."""
        base = self._style("")
        if index >= len(self._rows):
            blank = Strip.blank(look.width, base)
            for line_filter in look.filters:
                blank = blank.apply_filter(line_filter, look.background)
            return blank
        serial, sub, style, row = self._rows[index]
        at = self._first_row + index  # a row's number for selection: stable as rows drop
        key = (serial, sub)
        selection = self.text_selection
        if selection is None:
            cached = self._cache.get(key)
            if cached is not None and cached[0] == at and cached[1] == look:
                return cached[2]
        width = max(0, look.width - left - right)
        row_style = self._style(style)
        shown = visible(row, width)
        if selection is None and shown.isascii() and shown.isprintable() and len(shown) <= width:
            strip = self._plain_row(shown, row_style, at, look, left, right)
        else:
            strip = self._rich_row(row, row_style, at, look, left, right, selection)
        if selection is None:
            cache = self._cache
            cache[key] = (at, look, strip)
            while len(cache) > self._cache_limit:
                del cache[next(iter(cache))]
        return strip

    def _plain_row(
        self, row: str, style: Style, at: int, look: Look, left: int, right: int
    ) -> Strip:
        """A row of printable ASCII that fits, built directly: one segment of text, its
        fill, the padding; filtered before the selection offsets are added, so the
        filter's cache sees the few styles a transcript has, not one per row."""
        base = self._style("")
        width = look.width - left - right
        parts: list[tuple[str, Style, int | None]] = []  # text, style, offset (x) or none
        if left:
            parts.append((" " * left, base, None))
        if row:
            parts.append((row, style, 0))
        if width > len(row):
            parts.append((" " * (width - len(row)), base, len(row)))
        if right:
            parts.append((" " * right, base, None))
        segments = [Segment(text, part_style) for text, part_style, _ in parts]
        for line_filter in look.filters:
            segments = line_filter.apply(segments, look.background)
        if len(segments) != len(parts):  # a filter that splits segments: the general way
            return self._rich_row(row, style, at, look, left, right, None)
        finished = [
            segment
            if x is None
            else Segment(segment.text, (segment.style or base) + offset_style(x, at))
            for (_, _, x), segment in zip(parts, segments, strict=True)
        ]
        return Strip(finished, look.width)

    def _rich_row(
        self,
        row: str,
        style: Style,
        at: int,
        look: Look,
        left: int,
        right: int,
        selection: Selection | None,
    ) -> Strip:
        """Any row, through Rich: wide characters, a row too long, the selection."""
        base = self._style("")
        width = max(0, look.width - left - right)
        text = Text(row, style=style)
        if selection is not None and (span := selection.get_span(at)) is not None:
            start, end = span
            text.stylize(self._selection_style(), start, len(row) if end == -1 else end)
        # Text.render leaves the text's own style to its caller when there are no spans.
        rendered = Segment.apply_style(text.render(self.app.console), style)
        body = Strip(rendered, cell_len(row)).crop_extend(0, width, base)
        body = body.apply_offsets(0, at)
        segments: list[Segment] = [Segment(" " * left, base)] if left else []
        segments += body
        if right:
            segments.append(Segment(" " * right, base))
        for line_filter in look.filters:
            segments = line_filter.apply(segments, look.background)
        return Strip(segments, look.width)

    def _selection_style(self) -> Style:
        """The theme's selection colours laid over this transcript's background.

        The theme gives a see-through background and a "transparent" text colour (keep the
        text's own). Taken as a Rich style as they are, both came out as the same solid
        colour: selected text vanished into its background.
        """
        style = self._styles.get("-selection")
        if style is None:
            selection = self.screen.get_component_styles("screen--selection")
            background = self.background_colors[1] + selection.background
            style = Style(bgcolor=background.rich_color)
            if selection.color.a > 0:
                style += Style(color=(background + selection.color).rich_color)
            self._styles["-selection"] = style
        return style

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text; rows of one wrapped line are joined back without a break."""
        parts: list[str] = []
        previous: int | None = None
        for index, (serial, _, _, row) in enumerate(self._rows, self._first_row):
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
