"""Expansions that run code hidden in a variable's value, where no `$(...)` shows it.

- `${x@P}` expands x's value as a prompt: a `$(...)` or backquote in it runs.
- `${!x}` is indirect: x's value names the variable, and `a[$(...)]` as a name runs code.
- Arithmetic (`$((x))`, `((x))`, `let`, `[[ x -eq 1 ]]`, array subscripts, `${s:x}` offsets)
  evaluates a variable's value as an expression, and a subscript in it runs code:
  `x='a[$(rm -rf ~)]'; echo $((x))`. A variable the command itself sets to anything but a
  number (or reads, or loops over) is the way in; the environment cockpit gives is not.
- A variable name computed at run time (`read "$x"`, `printf -v "$x"`, `declare "$x=1"`,
  `[[ -v $x ]]`, `declare -n r=$x`): bash evaluates a subscript in the name.

Each finding is a reason for the `code-expansion` check. A separate pass over the syntax
tree, taken only when the script's bytes could hold one of these shapes.
"""

from __future__ import annotations

import re

from tree_sitter import Node

# Bytes without which a shape cannot occur: most commands skip the pass.
_ARITH_GATE = re.compile(rb"\(\(|\$\[|\blet\b|-(?:eq|ne|lt|le|gt|ge)\b|\w\[")
_TAINT_GATE = re.compile(rb"=|\b(?:read|mapfile|readarray|printf|getopts|for|source)\b|\.\s")
_NAMES_GATE = re.compile(
    rb"\b(?:read|mapfile|readarray|printf|getopts|declare|typeset|local|export|readonly)\b|-v\b"
)
_NUMERIC = re.compile(r"[+-]?\d+|\$\(\(.*\)\)|\$\[.*\]|\$[#?$!]|\$\{#\w+\}", re.DOTALL)
_NUMERIC_WORDS = re.compile(r"[+-]?\d+|\{-?\d+\.\.-?\d+(?:\.\.-?\d+)?\}")
_READS_NAMES = frozenset({"read", "mapfile", "readarray"})
_ARITH_TESTS = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge"})
_ALL = "*"
"""Every name is tainted (`source` may set any variable)."""


def code_expansions(root: Node, src: bytes) -> list[str]:
    """Reasons, one per expansion that may run code no command in the script shows."""
    if not _worth_a_look(src):
        return []
    finder = _Finder(src)
    finder.visit(root)
    reasons = finder.reasons
    if finder.tainted and finder.arithmetic:
        for where, text in finder.arithmetic:
            name = finder.tainted_in(text)
            if name is not None:
                shown = "a variable" if name == _ALL else name
                reasons.append(
                    f"{_short(where)} evaluates {shown} as arithmetic, and this command sets "
                    f"{shown} to text that can hold an array subscript that runs code"
                )
                break
    return reasons


class _Finder:
    __slots__ = ("arithmetic", "reasons", "src", "tainted")

    def __init__(self, src: bytes) -> None:
        self.src = src
        self.reasons: list[str] = []
        self.tainted: set[str] = set()
        self.arithmetic: list[tuple[str, str]] = []
        """(where, the text bash evaluates as arithmetic there)."""

    def text(self, node: Node) -> str:
        return self.src[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def visit(self, root: Node) -> None:
        # (node, inside arithmetic): an assignment there stores a number, never text.
        stack = [(root, False)]
        while stack:
            node, arith = stack.pop()
            kind = node.type
            if kind == "expansion":
                self._expansion(node)
            elif kind == "arithmetic_expansion" or (
                kind == "compound_statement" and self.text(node).startswith("((")
            ):
                self.arithmetic.append((self.text(node), self.text(node)))
                arith = True
            elif kind == "c_style_for_statement":
                header = " ; ".join(
                    self.text(c) for c in node.named_children if c.type != "do_group"
                )
                self.arithmetic.append((f"for (({header}))", header))
                stack.extend(
                    (c, c.type != "do_group" or arith) for c in reversed(node.named_children)
                )
                continue
            elif kind == "subscript":
                self._subscript(node)
            elif kind == "binary_expression" or kind == "unary_expression":
                self._test(node)
            elif kind == "declaration_command":
                self._declaration(node)
            elif kind == "variable_assignment" and not arith:
                self._assignment(node)
            elif kind == "for_statement":
                self._for(node)
            elif kind == "command":
                self._command(node)
            stack.extend((c, arith) for c in reversed(node.children))

    def _expansion(self, node: Node) -> None:
        children = node.children
        text = self.text(node)
        if len(children) > 2 and children[1].type == "!":
            target = children[2]
            rest = [c.type for c in children[3:-1]]
            listing = (target.type == "subscript" and text.endswith(("[@]}", "[*]}"))) or (
                target.type == "variable_name" and rest in (["*"], ["@"])
            )
            if not listing:
                self.reasons.append(
                    f"{_short(text)} is indirect expansion: the variable's value names what is "
                    f"expanded, and an array subscript in that name runs code"
                )
        for i, child in enumerate(children):
            kind = child.type
            if kind == "@" and i + 1 < len(children) and self.text(children[i + 1]) == "P":
                self.reasons.append(
                    f"{_short(text)} expands the value as a prompt, running any $(...) or "
                    f"backquotes in it"
                )
            elif kind == ":" and i + 1 < len(children):
                # `${s:offset:length}`: both are arithmetic
                offset = "".join(self.text(c) for c in children[i + 1 : -1])
                self.arithmetic.append((text, offset))
            elif kind in (":=", "=") and i > 0 and children[i - 1].type == "variable_name":
                value = "".join(self.text(c) for c in children[i + 1 : -1])
                if _NUMERIC.fullmatch(value) is None:
                    self.tainted.add(self.text(children[i - 1]))

    def _subscript(self, node: Node) -> None:
        index = node.named_children[1:]
        if index:
            self.arithmetic.append((self.text(node), "".join(self.text(c) for c in index)))

    def _test(self, node: Node) -> None:
        operators = [self.text(c) for c in node.children if c.type == "test_operator"]
        if any(op in _ARITH_TESTS for op in operators):
            self.arithmetic.append((f"[[ {self.text(node)} ]]", self.text(node)))
        elif "-v" in operators:
            self._name(node.named_children[-1], f"[[ {self.text(node)} ]]")

    def _name(self, node: Node, where: str) -> None:
        """`node` is used as a variable's name: one computed at run time may hold a
        subscript, and bash runs the code in it."""
        text = self.text(node)
        if "$" in text or "`" in text:
            self.reasons.append(
                f"{_short(where)} uses a variable name computed at run time ({_short(text)}); "
                f"an array subscript in it runs code"
            )

    def _declaration(self, node: Node) -> None:
        named = node.named_children
        nameref = any(self.text(c).startswith("-") and "n" in self.text(c) for c in named)
        for child in named:
            if child.type == "variable_assignment":
                if nameref:
                    self._name(child, self.text(node))
            elif not self.text(child).startswith("-"):
                self._name(child, self.text(node))

    def _assignment(self, node: Node) -> None:
        named = node.named_children
        if not named:
            return
        target = named[0]
        name = self.text(target.named_children[0] if target.type == "subscript" else target)
        values = named[1:]
        if values and values[0].type == "array":
            words = [self.text(c) for c in values[0].named_children]
        else:
            words = [self.text(c) for c in values]
        if not all(_NUMERIC.fullmatch(w) for w in words):
            self.tainted.add(name)

    def _for(self, node: Node) -> None:
        named = node.named_children
        if not named or named[0].type != "variable_name":
            return
        words = [self.text(c) for c in named[1:] if c.type != "do_group"]
        if not words or not all(_NUMERIC_WORDS.fullmatch(w) for w in words):
            self.tainted.add(self.text(named[0]))

    def _command(self, node: Node) -> None:
        name_node = node.child_by_field_name("name")
        if name_node is None:
            return
        program = self.text(name_node)
        nodes = node.children_by_field_name("argument")
        args = [self.text(c) for c in nodes]
        shown = self.text(node)
        if program == "let":
            self.arithmetic.append((shown, " ".join(args)))
        elif program in _READS_NAMES:
            self.tainted.update(a for a in args if a.isidentifier())
            for arg in nodes:
                if not self.text(arg).startswith("-"):
                    self._name(arg, shown)
        elif program == "printf":
            for i in range(len(args) - 1):
                if args[i] == "-v":
                    self.tainted.add(args[i + 1])
                    self._name(nodes[i + 1], shown)
        elif program == "getopts" and len(args) > 1:
            self.tainted.add(args[1])
            self._name(nodes[1], shown)
        elif program in ("test", "[") and "-v" in args[:-1]:
            self._name(nodes[args.index("-v") + 1], shown)
        elif program in ("source", "."):
            self.tainted.add(_ALL)

    def tainted_in(self, text: str) -> str | None:
        """The first tainted name `text` refers to (`x`, `$x`, `${x}`), if any."""
        for match in re.finditer(r"[A-Za-z_]\w*", text):
            name = match.group()
            if name in self.tainted or (_ALL in self.tainted):
                return _ALL if _ALL in self.tainted and name not in self.tainted else name
        return None


def _worth_a_look(src: bytes) -> bool:
    if b"${" in src:
        return True
    if (b"$" in src or b"`" in src) and _NAMES_GATE.search(src) is not None:
        return True
    return _ARITH_GATE.search(src) is not None and _TAINT_GATE.search(src) is not None


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:59] + "…"
