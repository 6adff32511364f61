"""Rules, matched: program rules (name + argument prefix) against invocations, path rules
(globs) against resolved paths. Loading and validation live in `loading`; the schema is
documented in rules/README.md."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cockpit.policy.model import RuleRef, Tier
from cockpit.policy.shell.words import Word

OPS = ("read", "write", "delete")
_GLOB = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class Check:
    """A built-in check's tier and why, with the file:line that set it; `network` when the
    command cannot do its job without the network (the sandbox then allows it)."""

    id: str
    tier: Tier
    justification: str
    source: str
    network: bool = False

    @property
    def ref(self) -> RuleRef:
        return RuleRef("builtin:" + self.id, self.source)


@dataclass(frozen=True, slots=True)
class Example:
    command: str
    source: str


@dataclass(slots=True)
class Rule:
    id: str
    tier: Tier
    justification: str
    source: str
    builtin: bool
    network: bool = False
    program: tuple[str, ...] = ()
    args: tuple[tuple[str, ...], ...] = ()
    paths: tuple[str, ...] = ()
    ops: frozenset[str] = frozenset(OPS)
    match: tuple[Example, ...] = ()
    not_match: tuple[Example, ...] = ()
    _regexes: tuple[tuple[re.Pattern[str], str, tuple[str, ...], bool], ...] = ()
    ref: RuleRef = field(default=RuleRef("", ""))

    @property
    def layer(self) -> int:
        """1 for built-in rules, 2 for workspace rules (checks are layer 0)."""
        return 1 if self.builtin else 2

    @property
    def kind(self) -> str:
        return "path" if self.paths else "command"

    def describe(self) -> str:
        if self.paths:
            return f"{'/'.join(sorted(self.ops))} {' '.join(self.paths)}"
        args = " ".join(a[0] if len(a) == 1 else "{" + ",".join(a) + "}" for a in self.args)
        program = self.program[0] if len(self.program) == 1 else "{" + ",".join(self.program) + "}"
        return f"{program} {args} …".replace("  ", " ")

    def matches_command(self, name: str, argv0: str, args: Sequence[Word]) -> bool:
        if not any(_match_program(p, name, argv0) for p in self.program):
            return False
        if len(args) < len(self.args):
            return False
        for word, alternatives in zip(args, self.args, strict=False):
            if word.dynamic:
                return False
            text = word.text
            if not any(
                text == alt or (not _GLOB.isdisjoint(alt) and fnmatch.fnmatchcase(text, alt))
                for alt in alternatives
            ):
                return False
        return True

    def matches_path(self, op: str, real: str, recursive: bool) -> bool:
        if op not in self.ops:
            return False
        for regex, static, segments, deep in self._regexes:
            if regex.fullmatch(real):
                return True
            if recursive and _overlaps(real, static, segments, deep):
                return True
        return False


def _match_program(pattern: str, name: str, argv0: str) -> bool:
    if "/" in pattern:
        return fnmatch.fnmatchcase(argv0, pattern)
    if _GLOB.isdisjoint(pattern):
        return pattern == name
    return fnmatch.fnmatchcase(name, pattern)


def _overlaps(directory: str, static: str, segments: tuple[str, ...], deep: bool) -> bool:
    """Whether a recursive operation on `directory` reaches a path the glob matches.

    It does when the directory holds the glob's literal part (`grep -r x ~` reaches
    `~/.ssh/**`). Below that part, a `**` glob ("anywhere") is not taken to reach into every
    subdirectory, or `rm -rf build` would count as touching every `**/.git`.
    """
    if directory == "/" or static == directory or static.startswith(directory + "/"):
        return bool(segments) or os.path.lexists(static)
    if deep or not directory.startswith(static + "/"):
        return False
    below = directory[len(static) + 1 :].split("/")
    if len(below) >= len(segments):
        return False
    return all(fnmatch.fnmatchcase(part, pat) for part, pat in zip(below, segments, strict=False))


def glob_regex(pattern: str) -> re.Pattern[str]:
    """An absolute path glob as a regex: `*` and `?` stay within one segment, `**` crosses
    segments, and `dir/**` also matches `dir` itself."""
    tail = ""
    if pattern.endswith("/**"):
        pattern, tail = pattern[:-3], "(?:/.*)?"
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                if pattern.startswith("**/", i):
                    out.append("(?:.*/)?")
                    i += 3
                else:
                    out.append(".*")
                    i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + tail)


def absolute_glob(pattern: str, root: str, home: str) -> str:
    if pattern == "~" or pattern.startswith("~/"):
        return home + pattern[1:]
    if pattern.startswith("/"):
        return pattern
    return root + "/" + pattern.removeprefix("./")


def static_prefix(pattern: str) -> tuple[str, tuple[str, ...], bool]:
    cut = len(pattern)
    for k, ch in enumerate(pattern):
        if ch in _GLOB:
            cut = k
            break
    if cut == len(pattern):
        return pattern.rstrip("/") or "/", (), False
    static = pattern[:cut].rsplit("/", 1)[0] or "/"
    rest = pattern[len(static) :].lstrip("/")
    return static, tuple(rest.split("/")), "**" in rest


class RuleSet:
    """The effective checks and rules: built-in first, then the workspace's."""

    def __init__(self, checks: dict[str, Check], rules: list[Rule]) -> None:
        self.checks = checks
        self.rules = rules
        self._by_program: dict[str, list[Rule]] = {}
        self._wild_program: list[Rule] = []
        self._path_rules: list[Rule] = [r for r in rules if r.paths]
        self._path_index = {
            op: _PathIndex([r for r in self._path_rules if op in r.ops]) for op in OPS
        }
        for rule in rules:
            for program in rule.program:
                if "/" in program or not _GLOB.isdisjoint(program):
                    if rule not in self._wild_program:
                        self._wild_program.append(rule)
                else:
                    self._by_program.setdefault(program, []).append(rule)

    def programs(self) -> frozenset[str]:
        """Program names some rule mentions literally."""
        return frozenset(self._by_program)

    def has_wild_rules(self) -> bool:
        """Whether some rule's program is a glob or a path (it must be tried on every
        invocation)."""
        return bool(self._wild_program)

    def command_rules(self, name: str, argv0: str, args: Sequence[Word]) -> list[Rule]:
        candidates = self._by_program.get(name)
        if candidates is None and not self._wild_program:
            return []
        found = [r for r in candidates or () if r.matches_command(name, argv0, args)]
        found.extend(r for r in self._wild_program if r.matches_command(name, argv0, args))
        return found

    def path_rules(self, op: str, real: str, recursive: bool) -> list[Rule]:
        index = self._path_index.get(op)
        if index is None or not index.may_match(real, recursive):
            return []
        return [r for r in self._path_rules if r.matches_path(op, real, recursive)]


class _PathIndex:
    """A quick "no rule can match" test for the path rules of one op, so the common case
    (a path no rule mentions) costs a set lookup, a prefix test and at most one regex."""

    __slots__ = ("ancestors", "combined", "exact", "partial", "prefixes", "roots")

    def __init__(self, rules: list[Rule]) -> None:
        patterns: list[str] = []
        exact: set[str] = set()
        prefixes: set[str] = set()
        roots: set[str] = set()
        ancestors: set[str] = set()
        partial: list[str] = []
        for rule in rules:
            for regex, static, segments, deep in rule._regexes:
                if segments:
                    patterns.append(regex.pattern)
                    prefixes.add(static.rstrip("/") + "/")
                    roots.add(static)
                else:
                    exact.add(static)  # a literal path; `dir/**` globs still have a segment
                path = static
                while True:
                    ancestors.add(path)
                    if path == "/":
                        break
                    path = os.path.dirname(path) or "/"
                if segments and not deep:
                    partial.append(static + "/")
        self.combined = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
        self.exact = frozenset(exact)
        self.prefixes = tuple(sorted(prefixes))
        self.roots = frozenset(roots)
        self.ancestors = frozenset(ancestors)
        self.partial = tuple(partial)

    def may_match(self, real: str, recursive: bool) -> bool:
        if real in self.exact:
            return True
        combined = self.combined
        if (
            combined is not None
            and (real.startswith(self.prefixes) or real in self.roots)
            and combined.fullmatch(real) is not None
        ):
            return True
        if not recursive:
            return False
        return real in self.ancestors or real.startswith(self.partial)
