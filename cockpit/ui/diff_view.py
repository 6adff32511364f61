"""A diff, syntax-coloured: added and removed lines in their colours (the transcript's), and
the code in them highlighted for its file's language (Pygments, by file name).

Highlighting is lazy: a block of a hunk (at most `BLOCK_LINES` lines, lexed together so a
string or a comment spanning lines reads right) is lexed the first time one of its rows
is drawn, so a 2 MB diff opens as fast as plain text and costs only what is scrolled to.
The text itself is what `render.clean` made of it: escapes shown, never obeyed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

# Pygments comes with Rich and Textual (their own highlighting); it ships no type hints.
from pygments.lexer import Lexer  # type: ignore[import-untyped]
from pygments.lexers import get_lexer_for_filename  # type: ignore[import-untyped]
from pygments.token import Token, _TokenType  # type: ignore[import-untyped]
from pygments.util import ClassNotFound  # type: ignore[import-untyped]
from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip

from cockpit.ui.render import Line
from cockpit.ui.transcript import Look, Transcript

BLOCK_LINES = 200
"""Lines of a hunk lexed at once (the first time one of them is drawn)."""

TOKEN_CLASSES: tuple[tuple[_TokenType, str], ...] = (
    (Token.Comment, "comment"),
    (Token.Literal.String, "string"),
    (Token.Literal.Number, "number"),
    (Token.Keyword.Constant, "builtin"),
    (Token.Keyword, "keyword"),
    (Token.Operator.Word, "keyword"),
    (Token.Name.Builtin, "builtin"),
    (Token.Name.Function, "function"),
    (Token.Name.Class, "function"),
    (Token.Name.Decorator, "function"),
    (Token.Name.Tag, "keyword"),
    (Token.Name.Attribute, "function"),
)
"""Pygments token types and the colour class each is drawn in (most specific first)."""

CODE_CLASSES = ("keyword", "string", "comment", "number", "function", "builtin")

Span = tuple[int, int, str]
"""A highlighted stretch of a line: start, end (characters), colour class."""


@dataclass(frozen=True)
class CodeLine:
    """A line of a hunk: its file (whose name picks the language) and its block."""

    path: str
    block: int


def code_lines(texts: Sequence[str]) -> list[CodeLine | None]:
    """For each line of a unified diff, the hunk line it is (None: a header, a note)."""
    found: list[CodeLine | None] = []
    path: str | None = None
    block, in_hunk, count = 0, False, 0
    for text in texts:
        if text.startswith("diff --git "):
            path, in_hunk = text.rsplit(" b/", 1)[-1] if " b/" in text else None, False
            found.append(None)
        elif text.startswith("@@"):
            in_hunk, block, count = True, block + 1, 0
            found.append(None)
        elif in_hunk and path is not None and text[:1] in ("+", "-", " "):
            if count == BLOCK_LINES:
                block, count = block + 1, 0
            count += 1
            found.append(CodeLine(path, block))
        else:
            in_hunk = in_hunk and text.startswith("\\")  # "\ No newline at end of file"
            found.append(None)
    return found


@lru_cache(maxsize=256)
def lexer_for(path: str) -> Lexer | None:
    """The lexer for a file name (None: no language known, shown plain)."""
    try:
        return get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=512)
def _class_of(token: _TokenType) -> str | None:
    for kind, name in TOKEN_CLASSES:
        if token in kind:
            return name
    return None


def highlight_block(lexer: Lexer, codes: Sequence[str]) -> list[list[Span]]:
    """Each line's coloured spans, the lines (without their +/-/space) lexed together."""
    spans: list[list[Span]] = [[] for _ in codes]
    line, column = 0, 0
    for token, value in lexer.get_tokens("\n".join(codes)):
        name = _class_of(token)
        for index, piece in enumerate(value.split("\n")):
            if index:
                line, column = line + 1, 0
            if piece and name is not None and line < len(spans):
                spans[line].append((column, column + len(piece), name))
            column += len(piece)
    return spans


class DiffTranscript(Transcript):
    """A transcript whose diff lines are syntax-coloured (write them with `write_diff`)."""

    DEFAULT_CSS = """
    DiffTranscript {
        & > .diff--keyword { color: $accent; text-style: bold; }
        & > .diff--string { color: $warning; }
        & > .diff--comment { color: $text-muted; text-style: italic; }
        & > .diff--number { color: $secondary; }
        & > .diff--function { color: $primary; text-style: bold; }
        & > .diff--builtin { color: $secondary; text-style: italic; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = Transcript.COMPONENT_CLASSES | {
        f"diff--{name}" for name in CODE_CLASSES
    }

    def __init__(self, max_lines: int = 5000, *, id: str | None = None) -> None:
        super().__init__(max_lines, id=id)
        self._code: dict[int, CodeLine] = {}  # by serial
        self._blocks: dict[int, list[int]] = {}  # block -> its serials, in order
        self._spans: dict[int, list[Span]] = {}  # serial -> spans, once its block is lexed
        self._texts: dict[int, str] = {}

    @property
    def highlighted_blocks(self) -> int:
        """How many blocks have been lexed (drawn at least once)."""
        return len({self._code[s].block for s in self._spans})

    def write_diff(self, lines: list[Line]) -> None:
        """Write ``lines``; those that are lines of a hunk get their file's colours."""
        first = self._serial + 1
        self.write_lines(lines)
        texts = [text for _, text in lines]
        for offset, code in enumerate(code_lines(texts)):
            if code is not None and lexer_for(code.path) is not None:
                serial = first + offset
                self._code[serial] = code
                self._texts[serial] = texts[offset]
                self._blocks.setdefault(code.block, []).append(serial)

    def clear(self) -> None:
        super().clear()
        self._code.clear()
        self._blocks.clear()
        self._spans.clear()
        self._texts.clear()

    def spans_of(self, serial: int) -> list[Span]:
        """The coloured spans of a hunk line (its block lexed now if it was not)."""
        spans = self._spans.get(serial)
        if spans is None:
            code = self._code[serial]
            lexer = lexer_for(code.path)
            serials = self._blocks[code.block]
            codes = [self._texts[s][1:] for s in serials]
            lexed = highlight_block(lexer, codes) if lexer is not None else [[] for _ in codes]
            for s, found in zip(serials, lexed, strict=True):
                self._spans[s] = [(a + 1, b + 1, name) for a, b, name in found]
            spans = self._spans[serial]
        return spans

    def _row_line(self, index: int, look: Look, left: int, right: int) -> Strip:
        rows = self._rows
        if index < len(rows) and self.text_selection is None and rows[index][0] in self._code:
            return self._code_row(index, look, left, right)
        return super()._row_line(index, look, left, right)

    def _code_row(self, index: int, look: Look, left: int, right: int) -> Strip:
        serial, sub, style, row = self._rows[index]
        at = self._first_row + index
        key = (serial, sub)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == at and cached[1] == look:
            return cached[2]
        start = sum(len(r) for s, _, _, r in self._rows[index - sub : index] if s == serial)
        row_style = self._style(style)
        text = Text(row, style=row_style)
        for a, b, name in self.spans_of(serial):
            if b > start and a < start + len(row):
                colour = self.get_component_rich_style(f"diff--{name}", partial=True)
                text.stylize(colour, max(0, a - start), min(len(row), b - start))
        base = self._style("")
        width = max(0, look.width - left - right)
        rendered = Segment.apply_style(text.render(self.app.console), row_style)
        body = Strip(rendered, cell_len(row)).crop_extend(0, width, base).apply_offsets(0, at)
        segments: list[Segment] = [Segment(" " * left, base)] if left else []
        segments += body
        if right:
            segments.append(Segment(" " * right, base))
        for line_filter in look.filters:
            segments = line_filter.apply(segments, look.background)
        strip = Strip(segments, look.width)
        cache = self._cache
        cache[key] = (at, look, strip)
        while len(cache) > self._cache_limit:
            del cache[next(iter(cache))]
        return strip
