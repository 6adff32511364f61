"""Text from files, made safe to print: a name or a reason read from an agent file reaches the
terminal with its control characters shown, never acted on (an escape code in a file name
must not repaint the user's screen)."""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def visible(text: str) -> str:
    """``text`` with control, bidirectional and line-separator characters written as escapes
    (``\\x1b``, ``\\u202e``); tabs and newlines too, so the result is one line. An undecodable
    byte of a file name (a lone surrogate) is shown as ``\\udcff`` rather than failing to print."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
