"""The forms a secret takes in a command's output, and one fast pattern for all of them.

A command rarely prints a key as it is when it means to hide it: `base64`, `xxd -p`,
`urlencode`, `rev` all leave it readable to anyone who sees the log. Each known secret
value is therefore matched in its common encodings too. Base64 needs care: inside a longer
string (`env | base64`) the secret starts at one of three bit alignments, and only the
characters that depend on its own bits alone are stable, so each alignment gives its own
"core" to look for; the standalone encoding (with or without padding) is matched whole.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

_B64_SKIP = (0, 2, 3)  # characters of a base64 run that mix in the bytes before the secret


def encoded_forms(value: str) -> dict[str, str]:
    """Each form of ``value`` worth looking for, with the name of its encoding."""
    raw = value.encode("utf-8")
    forms: dict[str, str] = {}

    def add(form: str, how: str) -> None:
        if form and form != value:
            forms.setdefault(form, how)

    add(value[::-1], "reversed")
    add(raw.hex(), "hex")
    add(raw.hex().upper(), "hex")
    for url in (quote(value, safe=""), quote(value), quote_plus(value)):
        add(url, "url")
        add(re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), url), "url")
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode("ascii")
        add(whole, "base64")
        add(whole.rstrip("="), "base64")
        for offset in range(3):
            encoded = encode(b"\0" * offset + raw).decode("ascii").rstrip("=")
            first, end = _B64_SKIP[offset], (8 * (offset + len(raw))) // 6
            add(encoded[first:end], "base64")
    return forms


def literal_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, longest first at each position, shaped as a
    trie: at each position the engine follows one branch instead of trying every word."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _branch(trie)


def _branch(node: dict) -> str:  # type: ignore[type-arg]
    # A chain of single-child nodes is one literal: no recursion per character.
    parts: list[str] = []
    while len(node) == 1 and "" not in node:
        ((ch, node),) = node.items()
        parts.append(re.escape(ch))
    ends = "" in node
    branches = [re.escape(ch) + _branch(child) for ch, child in sorted(node.items()) if ch]
    if branches:
        group = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            group = f"(?:{group})?" if len(branches) == 1 else group + "?"
        parts.append(group)
    return "".join(parts)
