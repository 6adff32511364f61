"""tree-sitter-bash, set up once: the parser, node kind ids, and the shapes the shell
analysis produces (simple commands, redirects)."""

from __future__ import annotations

import re
import threading

import tree_sitter_bash
from tree_sitter import Language, Parser, Tree

from cockpit.policy.shell.words import Redirect, SimpleCommand, Word

MAX_NESTING = 64
_LANGUAGE = Language(tree_sitter_bash.language())
_local = threading.local()


def parser() -> Parser:
    """One cached parser per thread (tree-sitter parsers are not shareable across threads)."""
    p: Parser | None = getattr(_local, "parser", None)
    if p is None:
        p = Parser(_LANGUAGE)
        _local.parser = p
    return p


class Analysis:
    """Everything a script would do, as far as it can be known before it runs."""

    __slots__ = ("assignments", "commands", "functions", "problems", "redirects")

    def __init__(self) -> None:
        self.functions: set[str] = set()
        """Functions the script defines (their bodies are analysed where they are defined)."""
        self.commands: list[SimpleCommand] = []
        self.redirects: list[Redirect] = []
        self.assignments: list[tuple[str, Word, str]] = []
        self.problems: list[tuple[str, str]] = []
        """(check id, reason) for structural problems: parse errors, dynamic names, nesting."""


REDIRECT_TYPES = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
SUBST_TYPES = frozenset({"command_substitution", "process_substitution"})
CONDITIONAL = frozenset(
    {
        "if_statement",
        "elif_clause",
        "else_clause",
        "while_statement",
        "for_statement",
        "c_style_for_statement",
        "case_statement",
        "case_item",
        "select_statement",
    }
)
ISOLATED = frozenset({"subshell", "command_substitution", "process_substitution"})
FD_TARGET_OPS = frozenset({">&-", "<&-"})


def _kind_ids(name: str, named: bool = True) -> frozenset[int]:
    """Every grammar symbol id with this name (`node.kind_id` is cheaper than `node.type`;
    one name can have several ids)."""
    return frozenset(
        i
        for i in range(_LANGUAGE.node_kind_count)
        if _LANGUAGE.node_kind_for_id(i) == name and _LANGUAGE.node_kind_is_named(i) == named
    )


COMMAND = _kind_ids("command")
COMMAND_NAME = _kind_ids("command_name")
WORD = _kind_ids("word")
AMPERSAND = _kind_ids("&", named=False)
# NamedTuple construction without the Python-level `__new__` (the hot path makes many).
new_tuple = tuple.__new__
CD_NAMES = frozenset({"cd", "pushd", "popd", "builtin", "command"})
# A word with none of bash's special characters: its text is its value.
PLAIN = re.compile(r"[A-Za-z0-9_./:=+,@%^-]*")
FD_WORDS = frozenset({"-", *(str(n) for n in range(10))})


# tree-sitter-bash 0.25 can crash the whole process (SIGSEGV) on `{` followed later by a
# 4-byte UTF-8 character (tree-sitter/tree-sitter-bash#337). The parser gets a copy in which
# every such character is `%%%%`: same length, so byte offsets still point into the real text,
# and a plain word character in every context where the original was one.
_ASTRAL = re.compile(rb"[\xf0-\xff][\x80-\xbf]*")


def _mask_astral(match: re.Match[bytes]) -> bytes:
    return b"%" * (match.end() - match.start())


def parse(src: bytes) -> Tree:
    """Parse bash source with the cached parser, safely (see `_ASTRAL`)."""
    if not src.isascii() and _ASTRAL.search(src) is not None:
        return parser().parse(_ASTRAL.sub(_mask_astral, src))
    return parser().parse(src)
