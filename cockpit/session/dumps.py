"""Where a secret hides once a command has laid it out over lines: wrapped base64 or hex,
and the hex dumps of `xxd`, `hexdump -C` and `od -tx1`.

A dump spreads a secret over several lines, between offsets, spaces and a text column; no
single pattern can see it there. Each layout is read back into its characters with their
places in the text (the hex digits in one run, the text column in another), so the
redactor matches the joined run and redacts from the first of the secret's places to the
last, offsets and all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Run = tuple[str, list[int]]
"""Joined characters, and where each of them is in the text."""

# Lines of base64 or hex as `base64 -w N`, `openssl` or `xxd -p` wrap them, any width from
# 16; the pattern starts at the newline before the block, so the engine jumps line to line.
_WRAPPED = re.compile(r"\n((?:[A-Za-z0-9+/_-]{16,}\r?\n)+)[A-Za-z0-9+/_=-]*")

# `xxd` (groups of 2 or 4 digits, `-g1` too), `hexdump -C` and `od -tx1` / `od -An -tx1`.
_XXD = re.compile(
    r"^[0-9a-f]{8}: (?P<hex>[0-9a-f]{2,4}(?: [0-9a-f]{2,4}){0,15}) {2,}(?P<text>.{1,16})$",
    re.M,
)
_HEXDUMP = re.compile(
    r"^[0-9a-f]{8}  (?P<hex>[0-9a-f]{2}(?: {1,2}[0-9a-f]{2}){0,15}) +\|(?P<text>.{1,16})\|$",
    re.M,
)
_OD = re.compile(r"^(?:[0-7]{7}|[0-9a-f]{7,8})?(?P<hex>(?: [0-9a-f]{2}){1,16})$", re.M)
_DUMP_HINT = re.compile(
    r"^(?:[0-9a-f]{8}:? |[0-7]{7} [0-9a-f]{2} | [0-9a-f]{2} [0-9a-f]{2} )", re.M
)
_HEX_DIGIT = re.compile(r"[0-9a-f]")


def runs(text: str) -> Iterator[Run]:
    """Every run of characters a dump or a wrapped encoding lays out over lines."""
    yield from _wrapped(text)
    if _DUMP_HINT.search(text) is None:
        return
    for layout in (_XXD, _HEXDUMP, _OD):
        yield from _dumped(text, layout)


def _wrapped(text: str) -> Iterator[Run]:
    for block in _WRAPPED.finditer("\n" + text):
        # The block starts with the newline put before ``text``: what follows it starts at
        # index ``block.start()`` of the text.
        start = block.start()
        where = [start + k for k, ch in enumerate(block.group()[1:]) if ch not in "\r\n"]
        yield "".join(text[k] for k in where), where


def _dumped(text: str, layout: re.Pattern[str]) -> Iterator[Run]:
    """The hex digits, and the text column, of each block of consecutive dump lines."""
    digits: list[int] = []
    shown: list[int] = []
    last_end = -2
    for line in layout.finditer(text):
        if line.start() != last_end + 1:  # not the next line: a new block
            yield from _flush(text, digits, shown)
            digits, shown = [], []
        hex_start = line.start("hex")
        digits += [hex_start + m.start() for m in _HEX_DIGIT.finditer(line.group("hex"))]
        if "text" in layout.groupindex:
            shown += range(line.start("text"), line.end("text"))
        last_end = line.end()
    yield from _flush(text, digits, shown)


def _flush(text: str, digits: list[int], shown: list[int]) -> Iterator[Run]:
    for where in (digits, shown):
        if where:
            yield "".join(text[k] for k in where), where
