"""Shell words after bash's quote removal, the shapes built of them (`SimpleCommand`,
`Redirect`), and the small pure helpers that build them.

A `Word` keeps what bash would pass to the program (`text`), the source it came from (`raw`)
and whether part of it is only known at run time (`dynamic`: `$x`, `$(...)`, backticks).
"""

from __future__ import annotations

import re
from typing import NamedTuple

GLOB_CHARS = frozenset("*?[")
MAX_BRACE_WORDS = 256


class Word(NamedTuple):
    """One argument as bash would pass it."""

    text: str
    raw: str
    dynamic: bool = False
    glob: bool = False
    tilde: bool = False
    fd: bool = False
    """A process substitution (`<(...)`): the program sees a /dev/fd path."""
    sub: tuple[SimpleCommand, ...] = ()
    """For a process substitution: the commands that produce its content."""
    placeholder: str | None = None
    """`find -exec`'s `{}`: the starting point under which the matched paths lie."""


class Redirect(NamedTuple):
    op: str
    target: Word | None
    """None for fd duplication and closing (`2>&1`, `>&-`), which touch no file."""
    text: str
    cwd: str | None


class SimpleCommand(NamedTuple):
    argv: tuple[Word, ...]
    assignments: tuple[tuple[str, Word], ...]
    text: str
    cwd: str | None
    """The lexical working directory it runs in; None when `cd` made it unknowable."""
    stdin: str
    """Where its standard input comes from: inherit, pipe, heredoc, herestring, file."""
    stdin_script: str | None
    """A literal here-document body (what `sh <<'EOF'` would run)."""
    upstream: tuple[SimpleCommand, ...]
    """Commands earlier in the same pipeline (their output is this command's input)."""


def literal(text: str) -> Word:
    """A word with no quoting subtleties (used for synthesised arguments)."""
    return Word(text, text)


def unquoted_segments(raw: str) -> list[tuple[str, bool]]:
    """Split an unquoted word into (text, quoted) segments: `a\\*b` -> a, *(quoted), b."""
    out: list[tuple[str, bool]] = []
    buf: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" and i + 1 < n:
            nxt = raw[i + 1]
            if nxt == "\n":
                i += 2
                continue
            if buf:
                out.append(("".join(buf), False))
                buf = []
            out.append((nxt, True))
            i += 2
            continue
        buf.append(ch)
        i += 1
    if buf:
        out.append(("".join(buf), False))
    return out


_DQ_ESCAPABLE = frozenset('$`"\\')


def unescape_double_quoted(raw: str) -> str:
    """Inside "...", a backslash only escapes $ ` " \\ and newline."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" and i + 1 < n:
            nxt = raw[i + 1]
            if nxt == "\n":
                i += 2
                continue
            if nxt in _DQ_ESCAPABLE:
                out.append(nxt)
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


_ANSI_SIMPLE = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_HEX = frozenset("0123456789abcdefABCDEF")


def decode_ansi_c(body: str) -> str:
    """Decode the inside of `$'...'` as bash does."""
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch != "\\" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        esc = body[i + 1]
        i += 2
        if esc in _ANSI_SIMPLE:
            out.append(_ANSI_SIMPLE[esc])
        elif esc in "01234567":
            j = i - 1
            while j < n and j < i + 2 and body[j] in "01234567":
                j += 1
            out.append(chr(int(body[i - 1 : j], 8) & 0xFF))
            i = j
        elif esc in "xuU":
            limit = {"x": 2, "u": 4, "U": 8}[esc]
            j = i
            while j < n and j < i + limit and body[j] in _HEX:
                j += 1
            if j == i:
                out.append("\\" + esc)
            else:
                code = int(body[i:j], 16)
                out.append(chr(code) if code < 0x110000 else "\ufffd")
                i = j
        elif esc == "c" and i < n:
            out.append(chr(ord(body[i]) & 0x1F))
            i += 1
        else:
            out.append("\\" + esc)
    return "".join(out)


def has_unquoted_brace(segments: list[tuple[str, bool]]) -> bool:
    return any(not quoted and "{" in text for text, quoted in segments)


def expand_braces(segments: list[tuple[str, bool]]) -> list[str] | None:
    """Bash brace expansion over quote-aware segments; None when it would explode."""
    chars: list[tuple[str, bool]] = [(c, q) for text, q in segments for c in text]
    results = _expand(chars)
    if results is None:
        return None
    return ["".join(c for c, _ in r) for r in results]


def _expand(chars: list[tuple[str, bool]]) -> list[list[tuple[str, bool]]] | None:
    # Find the first unquoted '{' with a matching '}' that contains a top-level ',' or '..'.
    n = len(chars)
    for start in range(n):
        c, q = chars[start]
        if c != "{" or q:
            continue
        depth = 0
        commas: list[int] = []
        end = -1
        for j in range(start + 1, n):
            cj, qj = chars[j]
            if qj:
                continue
            if cj == "{":
                depth += 1
            elif cj == "}":
                if depth == 0:
                    end = j
                    break
                depth -= 1
            elif cj == "," and depth == 0:
                commas.append(j)
        if end < 0:
            continue
        prefix, suffix = chars[:start], chars[end + 1 :]
        alternatives: list[list[tuple[str, bool]]] | None
        if commas:
            bounds = [start, *commas, end]
            alternatives = [chars[bounds[k] + 1 : bounds[k + 1]] for k in range(len(bounds) - 1)]
        else:
            alternatives = _sequence(chars[start + 1 : end])
        if alternatives is None:
            continue
        tails = _expand(suffix)
        if tails is None:
            return None
        out: list[list[tuple[str, bool]]] = []
        for alt in alternatives:
            heads = _expand(prefix + alt)
            if heads is None:
                return None
            for head in heads:
                for tail in tails:
                    out.append(head + tail)
                    if len(out) > MAX_BRACE_WORDS:
                        return None
        return out
    return [chars]


_SEQ = re.compile(r"^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.(-?\d+))?$")


def _sequence(inner: list[tuple[str, bool]]) -> list[list[tuple[str, bool]]] | None:
    if any(q for _, q in inner):
        return None
    m = _SEQ.match("".join(c for c, _ in inner))
    if m is None:
        return None
    a, b, step_text = m.group(1), m.group(2), m.group(3)
    step = abs(int(step_text)) if step_text else 1
    step = step or 1
    if a.lstrip("-").isdigit() and b.lstrip("-").isdigit():
        lo, hi = int(a), int(b)
        values = [
            str(v) for v in range(lo, hi + (1 if hi >= lo else -1), step if hi >= lo else -step)
        ]
    elif len(a) == 1 and len(b) == 1 and not a.isdigit() and not b.isdigit():
        lo, hi = ord(a), ord(b)
        values = [
            chr(v) for v in range(lo, hi + (1 if hi >= lo else -1), step if hi >= lo else -step)
        ]
    else:
        return None
    if len(values) > MAX_BRACE_WORDS:
        return None
    return [[(ch, False) for ch in v] for v in values]
