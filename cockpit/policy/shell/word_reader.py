"""Reading one shell word from the syntax tree the way bash would: quotes removed, escapes
applied, `$'...'` decoded, braces expanded; expansions and substitutions mark it dynamic."""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from cockpit.policy.shell.syntax import PLAIN, SUBST_TYPES, Analysis
from cockpit.policy.shell.words import (
    GLOB_CHARS,
    SimpleCommand,
    Word,
    decode_ansi_c,
    expand_braces,
    has_unquoted_brace,
    unescape_double_quoted,
    unquoted_segments,
)


class WordReader:
    """Turns argument nodes into `Word`s; substitutions inside them are handed to
    `_substitution`, which the statement walker provides."""

    __slots__ = ("analysis", "depth", "home", "src")
    _substitution: Callable[[Node, str | None], None]

    def __init__(self, src: bytes, home: str) -> None:
        self.src = src
        self.home = home
        self.analysis = Analysis()
        self.depth = 0

    def text(self, node: Node) -> str:
        return self.src[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def words(self, node: Node, cwd: str | None) -> list[Word]:
        """The word(s) bash would produce from one argument node (brace expansion may give
        several)."""
        kind = node.type
        raw = self.text(node)
        if kind == "word" and PLAIN.fullmatch(raw) is not None:
            return [Word(raw, raw)]
        acc = _Acc()
        self._piece(node, cwd, acc)
        segments = acc.segments
        if not acc.dynamic and has_unquoted_brace(segments):
            expanded = expand_braces(segments)
            if expanded is None:
                return [Word(raw, raw, True)]
            if len(expanded) != 1 or expanded[0] != "".join(t for t, _ in segments):
                return [
                    Word(t, raw, False, acc.glob, t.startswith("~") and acc.tilde) for t in expanded
                ]
        text = "".join(t for t, _ in segments)
        return [Word(text, raw, acc.dynamic, acc.glob, acc.tilde, acc.fd, tuple(acc.sub))]

    def _piece(self, node: Node, cwd: str | None, acc: _Acc) -> None:
        kind = node.type
        if kind == "word" or kind == "number":
            first = not acc.segments
            for seg_text, quoted in unquoted_segments(self.text(node)):
                if not quoted:
                    if first and seg_text.startswith("~"):
                        acc.tilde = True
                    if not GLOB_CHARS.isdisjoint(seg_text):
                        acc.glob = True
                acc.segments.append((seg_text, quoted))
                first = False
        elif kind == "raw_string":
            acc.segments.append((self.text(node)[1:-1], True))
        elif kind == "string" or kind == "translated_string":
            self._double_quoted(node, cwd, acc)
        elif kind == "ansi_c_string":
            acc.segments.append((decode_ansi_c(self.text(node)[2:-1]), True))
        elif kind == "concatenation":
            for child in node.children:
                if child.is_named:
                    self._piece(child, cwd, acc)
                else:
                    acc.segments.append((self.text(child), False))
        elif kind == "simple_expansion" or kind == "expansion":
            self._expansion(node, cwd, acc)
        elif kind == "process_substitution":
            before = len(self.analysis.commands)
            self._substitution(node, cwd)
            acc.fd = True
            acc.dynamic = True
            acc.sub.extend(self.analysis.commands[before:])
            acc.segments.append((self.text(node), False))
        elif kind == "command_substitution" or kind == "arithmetic_expansion":
            self._scan(node, cwd) if kind != "command_substitution" else self._substitution(
                node, cwd
            )
            acc.dynamic = True
            acc.segments.append((self.text(node), False))
        elif kind == "brace_expression":
            acc.segments.append((self.text(node), False))
        else:
            # Anything else in a word (extglob, regex, ...) is taken as computed at run time.
            self._scan(node, cwd)
            acc.dynamic = True
            acc.segments.append((self.text(node), False))

    def _double_quoted(self, node: Node, cwd: str | None, acc: _Acc) -> None:
        src = self.src
        pos = node.start_byte + 1
        end = node.end_byte - 1
        if node.type == "translated_string":
            pos += 1
        for child in node.named_children:
            if child.start_byte > pos:
                chunk = src[pos : child.start_byte].decode("utf-8", "replace")
                acc.segments.append((unescape_double_quoted(chunk), True))
            kind = child.type
            if kind == "string_content":
                acc.segments.append((unescape_double_quoted(self.text(child)), True))
            elif kind == "string":
                self._double_quoted(child, cwd, acc)
            else:
                self._piece(child, cwd, acc)
                if acc.segments and not acc.segments[-1][1]:
                    text, _ = acc.segments.pop()
                    acc.segments.append((text, True))
            pos = child.end_byte
        if end > pos:
            chunk = src[pos:end].decode("utf-8", "replace")
            acc.segments.append((unescape_double_quoted(chunk), True))

    def _expansion(self, node: Node, cwd: str | None, acc: _Acc) -> None:
        raw = self.text(node)
        if raw in ("$HOME", "${HOME}"):
            acc.segments.append((self.home, True))
            return
        if raw in ("$PWD", "${PWD}") and cwd is not None:
            acc.segments.append((cwd, True))
            return
        self._scan(node, cwd)
        acc.dynamic = True
        acc.segments.append((raw, False))

    def _scan(self, node: Node, cwd: str | None) -> None:
        """Walk the substitutions in `node` or nested anywhere inside it."""
        stack = [node]
        while stack:
            current = stack.pop()
            if current.type in SUBST_TYPES:
                self._substitution(current, cwd)
                continue
            stack.extend(child for child in reversed(current.children) if child.is_named)


class _Acc:
    __slots__ = ("dynamic", "fd", "glob", "segments", "sub", "tilde")

    def __init__(self) -> None:
        self.segments: list[tuple[str, bool]] = []
        self.dynamic = False
        self.glob = False
        self.tilde = False
        self.fd = False
        self.sub: list[SimpleCommand] = []
