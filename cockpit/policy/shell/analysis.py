"""tree-sitter-bash -> the simple commands a script would run.

Every command counts: in pipelines, lists, subshells, brace groups, `$(...)`, backticks,
`<(...)`/`>(...)`, control flow and function bodies. Words are unquoted as bash would, the
working directory is followed through `cd`, and whatever cannot be known before the script
runs is marked dynamic. Nothing here decides a tier; `classify` does.
"""

from __future__ import annotations

import os
from functools import lru_cache

from tree_sitter import Node

from cockpit.policy.shell.code_expansions import code_expansions
from cockpit.policy.shell.syntax import (
    AMPERSAND,
    CD_NAMES,
    COMMAND,
    COMMAND_NAME,
    CONDITIONAL,
    FD_TARGET_OPS,
    FD_WORDS,
    ISOLATED,
    MAX_NESTING,
    PLAIN,
    REDIRECT_TYPES,
    SUBST_TYPES,
    WORD,
    new_tuple,
)
from cockpit.policy.shell.syntax import Analysis as Analysis
from cockpit.policy.shell.syntax import parse as parse
from cockpit.policy.shell.syntax import parser as parser
from cockpit.policy.shell.word_reader import WordReader
from cockpit.policy.shell.words import Redirect as Redirect
from cockpit.policy.shell.words import SimpleCommand as SimpleCommand
from cockpit.policy.shell.words import Word, unescape_double_quoted


@lru_cache(maxsize=4096)
def analyze(script: str, cwd: str | None, home: str) -> Analysis:
    """Parse `script` and collect every simple command, redirect and assignment in it.

    A pure function of its arguments, so results are cached: agents repeat themselves
    (`git status`, the test command). Callers only read an `Analysis`; none may change one.
    """
    src = script.encode("utf-8", "surrogatepass")
    tree = parse(src)
    walker = _Walker(src, home)
    root = tree.root_node
    if root.has_error:
        walker.analysis.problems.append(("parse-error", _parse_error_reason(root)))
    walker._sequence(root.children, cwd, None)
    for reason in code_expansions(root, src):
        walker.analysis.problems.append(("code-expansion", reason))
    return walker.analysis


def _parse_error_reason(root: Node) -> str:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            text = (node.text or b"").decode("utf-8", "replace").strip()
            line = node.start_point[0] + 1
            if node.is_missing:
                return f"cannot parse the command: missing {node.type!r} on line {line}"
            snippet = text[:40] + ("…" if len(text) > 40 else "")
            return f"cannot parse the command near {snippet!r} on line {line}"
        stack.extend(reversed(node.children))
    return "cannot parse the command"


class _Walker(WordReader):
    __slots__ = ()

    # -- statements -------------------------------------------------------------------

    def walk(
        self, node: Node, cwd: str | None, pipe: tuple[SimpleCommand, ...] | None
    ) -> str | None:
        """Walk a statement; return the working directory after it."""
        if node.kind_id in COMMAND:
            return self._command(node, cwd, pipe, [], "inherit", None)
        kind = node.type
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                self.analysis.problems.append(
                    ("nesting-limit", "the command is nested too deeply to analyse")
                )
                return None
            return self._walk(kind, node, cwd, pipe)
        finally:
            self.depth -= 1

    def _walk(
        self, kind: str, node: Node, cwd: str | None, pipe: tuple[SimpleCommand, ...] | None
    ) -> str | None:
        if kind == "program" or kind == "compound_statement" or kind == "do_group":
            return self._sequence(node.children, cwd, pipe)
        if kind == "list":
            return self._list(node, cwd, pipe)
        if kind == "pipeline":
            self._pipeline(node.children, cwd, pipe)
            return cwd
        if kind == "redirected_statement":
            return self._redirected(node, cwd, pipe)
        if kind in ISOLATED:
            self._sequence(node.children, cwd, pipe)
            return cwd
        if kind in CONDITIONAL:
            after = cwd
            for child in node.children:
                if child.is_named:
                    after = self.walk(child, after, pipe)
            return cwd if after == cwd else None
        if kind == "function_definition":
            for child in node.children:
                if not child.is_named:
                    continue
                if child.type == "word":
                    self.analysis.functions.add(self.text(child))
                else:
                    self.walk(child, cwd, None)
            return cwd
        if kind == "variable_assignment":
            self._assignment(node, cwd, None)
            return cwd
        if kind == "declaration_command":
            self._declaration(node, cwd)
            return cwd
        if kind in SUBST_TYPES:
            self._substitution(node, cwd)
            return cwd
        if kind == "comment":
            return cwd
        if kind in REDIRECT_TYPES:
            self._redirect(node, cwd, self.text(node))
            return cwd
        # negated_command, test_command, variable_assignments, arithmetic, unset and
        # anything newer: the commands inside still count.
        for child in node.children:
            if child.is_named:
                cwd = self.walk(child, cwd, pipe)
        return cwd

    def _sequence(
        self, children: list[Node], cwd: str | None, pipe: tuple[SimpleCommand, ...] | None
    ) -> str | None:
        last = len(children) - 1
        for i, child in enumerate(children):
            if not child.is_named:
                continue
            after = self.walk(child, cwd, pipe)
            if i < last and children[i + 1].kind_id in AMPERSAND:
                continue  # a background job runs in a subshell: its `cd` does not stick
            cwd = after
        return cwd

    def _list(
        self, node: Node, cwd: str | None, pipe: tuple[SimpleCommand, ...] | None
    ) -> str | None:
        left: Node | None = None
        op = ""
        after = cwd
        for child in node.children:
            if not child.is_named:
                op = child.type
                continue
            if left is None:
                left = child
                after = self.walk(child, cwd, pipe)
                continue
            if op == "||" and after != cwd:
                right_after = self.walk(child, cwd, pipe)
                if _terminates(child):
                    return after
                return after if right_after == after else None
            after = self.walk(child, after, pipe)
        return after

    def _pipeline(
        self, stages: list[Node], cwd: str | None, pipe: tuple[SimpleCommand, ...] | None
    ) -> None:
        upstream: tuple[SimpleCommand, ...] | None = pipe
        for stage in stages:
            if not stage.is_named:
                continue
            before = len(self.analysis.commands)
            self.walk(stage, cwd, upstream)
            produced = tuple(self.analysis.commands[before:])
            upstream = (upstream or ()) + produced

    def _redirected(
        self, node: Node, cwd: str | None, pipe: tuple[SimpleCommand, ...] | None
    ) -> str | None:
        body: Node | None = None
        redirects: list[Node] = []
        for child in node.named_children:
            if child.type in REDIRECT_TYPES:
                redirects.append(child)
            elif body is None:
                body = child
            else:
                redirects.append(child)
        text = self.text(node)
        trailing: list[Node] = []
        if body is not None and body.type in ("list", "pipeline"):
            # tree-sitter hangs `a && b > f` on the whole list; bash gives it to `b`, which
            # runs in the directory the list leaves behind.
            before = len(self.analysis.commands)
            after = self.walk(body, cwd, pipe)
            stdin, script = self._redirects(redirects, after, text, trailing)
            commands = self.analysis.commands
            if stdin != "inherit" and len(commands) > before:
                commands[-1] = commands[-1]._replace(stdin=stdin, stdin_script=script)
        else:
            stdin, script = self._redirects(redirects, cwd, text, trailing)
            if body is None:
                after = cwd
            elif body.type == "command":
                after = self._command(body, cwd, pipe, [], stdin, script)
            else:
                after = self.walk(body, cwd, pipe)
        for extra in trailing:
            if extra.type == "pipeline":
                self._pipeline(extra.children, cwd, tuple(self.analysis.commands[-1:]))
            else:
                after = self.walk(extra, after, None)
        return after

    def _redirects(
        self, redirects: list[Node], cwd: str | None, text: str, trailing: list[Node]
    ) -> tuple[str, str | None]:
        """Record redirects; return where stdin comes from and a literal script fed to it."""
        stdin = "inherit"
        script: str | None = None
        for red in redirects:
            if red.type == "heredoc_redirect":
                stdin, script = "heredoc", self._heredoc(red, cwd, text, trailing)
            elif red.type == "herestring_redirect":
                stdin = "herestring"
                script = _literal(self._redirect(red, cwd, text)[1])
            elif red.type == "file_redirect":
                if self._redirect(red, cwd, text)[0] == "<":
                    stdin = "file"
            else:
                self.walk(red, cwd, None)
        return stdin, script

    def _heredoc(self, node: Node, cwd: str | None, text: str, trailing: list[Node]) -> str | None:
        quoted = False
        body: Node | None = None
        for child in node.named_children:
            kind = child.type
            if kind == "heredoc_start":
                raw = self.text(child)
                quoted = any(c in raw for c in "'\"\\")
            elif kind == "heredoc_body":
                body = child
            elif kind == "file_redirect":
                self._redirect(child, cwd, text)
            elif kind != "heredoc_end":
                trailing.append(child)
        if body is None:
            return ""
        if quoted:
            return self.text(body)
        dynamic = False
        for child in body.named_children:
            if child.type != "heredoc_content":
                dynamic = True
                self._scan(child, cwd)
        return None if dynamic else unescape_double_quoted(self.text(body))

    # -- simple commands ----------------------------------------------------------------

    def _command(
        self,
        node: Node,
        cwd: str | None,
        pipe: tuple[SimpleCommand, ...] | None,
        argv: list[Word],
        stdin: str,
        script: str | None,
    ) -> str | None:
        assignments: list[tuple[str, Word]] = []
        src = self.src
        text = src[node.start_byte : node.end_byte].decode("utf-8", "replace")
        for child in node.children:
            kid = child.kind_id
            if kid in WORD:
                raw = src[child.start_byte : child.end_byte].decode("utf-8", "replace")
                if PLAIN.fullmatch(raw) is not None:
                    argv.append(new_tuple(Word, (raw, raw, False, False, False, False, (), None)))
                else:
                    argv.extend(self.words(child, cwd))
                continue
            if kid in COMMAND_NAME:
                name_node = child.children[0] if child.child_count else child
                raw = src[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace")
                if name_node.kind_id in WORD and PLAIN.fullmatch(raw) is not None:
                    argv.append(new_tuple(Word, (raw, raw, False, False, False, False, (), None)))
                else:
                    argv.extend(self.words(name_node, cwd))
                continue
            kind = child.type
            if kind == "variable_assignment":
                assignments.append(self._assignment(child, cwd, text))
            elif kind in REDIRECT_TYPES:
                op, target = self._redirect(child, cwd, text)
                if op == "<<<":
                    stdin, script = "herestring", _literal(target)
                elif op == "<":
                    stdin = "file"
            elif not child.is_named:
                continue  # the `$` of `$"..."`
            elif kind == "comment":
                continue
            else:
                argv.extend(self.words(child, cwd))
        if pipe:
            stdin = "pipe"
        cmd = new_tuple(
            SimpleCommand,
            (tuple(argv), tuple(assignments), text, cwd, stdin, script, pipe or ()),
        )
        self.analysis.commands.append(cmd)
        if argv and argv[0].text in CD_NAMES and not argv[0].dynamic:
            return self._cd(argv, cwd)
        return cwd

    def _cd(self, argv: list[Word], cwd: str | None) -> str | None:
        name = argv[0].text
        if name in ("builtin", "command") and len(argv) > 1 and argv[1].text in ("cd", "pushd"):
            return None
        if name == "popd":
            return None
        if name != "cd" and name != "pushd":
            return cwd
        args = [w for w in argv[1:] if not (w.text.startswith("-") and len(w.text) > 1)]
        if not args:
            return self.home if name == "cd" else None
        target = args[0]
        if target.dynamic or target.text == "-" or target.glob:
            return None
        path = target.text
        if target.tilde:
            if path == "~" or path.startswith("~/"):
                path = self.home + path[1:]
            else:
                return None
        if not path.startswith("/"):
            if cwd is None:
                return None
            path = cwd + "/" + path
        return os.path.normpath(path)

    def _assignment(self, node: Node, cwd: str | None, text: str | None) -> tuple[str, Word]:
        name = ""
        value: Word = Word("", "")
        for child in node.named_children:
            if not name and child.type in ("variable_name", "subscript"):
                name = self.text(child)
                if child.type == "subscript":
                    self._scan(child, cwd)
            else:
                words = self.words(child, cwd)
                value = (
                    words[0] if len(words) == 1 else Word(self.text(child), self.text(child), True)
                )
        if text is None:
            self.analysis.assignments.append((name, value, self.text(node)))
        else:
            self.analysis.assignments.append((name, value, text))
        return name, value

    def _declaration(self, node: Node, cwd: str | None) -> None:
        for child in node.named_children:
            if child.type == "variable_assignment":
                self._assignment(child, cwd, self.text(node))
            else:
                self._scan(child, cwd)

    def _redirect(self, node: Node, cwd: str | None, text: str) -> tuple[str, Word | None]:
        """Record a redirect; return its operator and target."""
        op = ""
        target: Word | None = None
        extra: list[Word] = []
        for child in node.children:
            if not child.is_named:
                if not op:
                    op = child.type
                continue
            kind = child.type
            if kind == "file_descriptor":
                continue
            words = self.words(child, cwd)
            if target is None and words:
                target, extra = words[0], words[1:]
            else:
                extra.extend(words)
        if node.type == "herestring_redirect":
            return "<<<", target
        if target is not None:
            if op in FD_TARGET_OPS or (op in (">&", "<&") and target.text in FD_WORDS):
                target = None  # `2>&1`, `>&-`: a file descriptor, not a file
            else:
                self.analysis.redirects.append(Redirect(op, target, text, cwd))
        for word in extra:
            # tree-sitter reads `echo > f hi` as two targets; bash passes `hi` to echo.
            self.analysis.commands.append(
                SimpleCommand((Word("echo", "echo"), word), (), text, cwd, "inherit", None, ())
            )
        return op, target

    # -- words -------------------------------------------------------------------------

    def _substitution(self, node: Node, cwd: str | None) -> None:
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                self.analysis.problems.append(
                    ("nesting-limit", "the command is nested too deeply to analyse")
                )
                return
            self._sequence(node.children, cwd, None)
        finally:
            self.depth -= 1


def _literal(word: Word | None) -> str | None:
    """A here-string's text when it is known before the command runs."""
    if word is None or word.dynamic:
        return None
    return word.text + "\n"


def _terminates(node: Node) -> bool:
    """`cd x || exit 1`: the right side ends the script, so cwd stays what `cd` made it."""
    if node.type != "command":
        return False
    name = node.child_by_field_name("name")
    return name is not None and (name.text or b"") in (b"exit", b"return")


def split_simple(text: str, cwd: str | None, home: str) -> list[Word] | None:
    """Split `text` into words the way `env -S` would; None unless it is one plain command."""
    analysis = analyze(text, cwd, home)
    if analysis.problems or analysis.redirects or analysis.assignments:
        return None
    if len(analysis.commands) != 1:
        return None
    argv = analysis.commands[0].argv
    if any(w.dynamic for w in argv):
        return None
    return list(argv)
