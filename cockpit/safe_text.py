"""Text from an agent, a model, a command, a file or a log, made safe to print.

Every such string reaches the terminal with its control characters *shown*, never acted on
and never silently removed: an escape code in a command must not repaint the approval
prompt, retitle the terminal or write the clipboard, and a bidi override or a zero-width
character must not make the text read differently from what bash or the log holds.

One notation everywhere: ``\\x1b`` for ESC and the other C0/C1 controls and DEL, ``\\n``
``\\t`` ``\\r`` for the three everyone knows, ``\\u202e`` for the invisible and
direction-changing characters, ``\\udcff`` for a lone surrogate (an undecodable byte).

Core module: imported by the UI and the CLI alike, it imports nothing of cockpit.
"""

from __future__ import annotations

import re

# What is never printed as itself. C0 controls (newline and tab included: `visible` keeps
# every result on one line), DEL, C1 controls; the Arabic letter mark, the left-to-right
# and right-to-left marks, embeddings, overrides and isolates; zero-width space, joiners,
# word joiner, invisible operators, deprecated format controls, the byte order mark and
# the Mongolian vowel separator; the line and paragraph separators; interlinear annotation
# controls; Unicode tag characters (invisible ASCII); lone surrogates.
_HIDDEN = (
    "\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f"
)
_UNSAFE = re.compile(f"[{_HIDDEN}]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}

# A plain colour code (SGR: ESC [ digits and semicolons m). The only escape sequence a
# pane may drop rather than show: it only colours, and dropping it keeps `pytest` output
# readable. Everything else (OSC, other CSI, DCS, APC, PM, a lone ESC) is shown.
_SGR = re.compile(r"\x1b\[[0-9;:]*m")


def escape(char: str) -> str:
    """The visible form of one character (``\\x1b``, ``\\n``, ``\\u202e``)."""
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _escape(match: re.Match[str]) -> str:
    return escape(match.group())


def visible(text: str) -> str:
    """``text`` on one line with every control, invisible and direction-changing character
    written as an escape: for prompts, headers, table cells, one-line notices."""
    return _UNSAFE.sub(_escape, text)


def visible_lines(text: str, *, colours: bool = False, tab_size: int = 4) -> str:
    """``text`` keeping its lines, for transcripts and command output: newlines stay, tabs
    are expanded, a CRLF line end is a line end; everything else is shown as in `visible`
    (a carriage return that would overwrite a line is shown as ``\\r``, not obeyed).

    ``colours``: drop plain colour codes (SGR) instead of showing them (command output).
    """
    if colours:
        text = _SGR.sub("", text)
    text = text.replace("\r\n", "\n")
    # Tabs expand to the columns the escaped text takes on screen, not the raw one's.
    return "\n".join(
        "\t".join(_UNSAFE.sub(_escape, part) for part in line.split("\t")).expandtabs(tab_size)
        for line in text.split("\n")
    )


def hidden_characters(text: str, *, layout: bool = True) -> list[tuple[int, str]]:
    """Every character `visible` would escape, as (index, character); with ``layout`` a
    plain newline and tab are allowed (a bash script legitimately holds them)."""
    found = [(m.start(), m.group()) for m in _UNSAFE.finditer(text)]
    if layout:
        found = [(at, char) for at, char in found if char not in "\n\t"]
    return found


def describe_hidden(text: str, *, layout: bool = True) -> str | None:
    """Where ``text`` holds control or invisible characters, in words (``\\x1b at column
    14``, with the line when there are several, and how many more), or None."""
    found = hidden_characters(text, layout=layout)
    if not found:
        return None
    at, char = found[0]
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    where = f"line {line}, column {column}" if "\n" in text else f"column {column}"
    more = f", and {len(found) - 1} more" if len(found) > 1 else ""
    return f"{escape(char)} at {where}{more}"


def visible_json(encoded: str) -> str:
    """A JSON text (from ``json.dumps(..., ensure_ascii=False)``) with every hidden
    character written as a JSON ``\\u`` escape: the same value to a parser, safe to print."""
    return _UNSAFE.sub(_json_escape, encoded)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"
