"""YAML rules: loading, validation (every error names file:line) and matching.

Schema (documented in rules/README.md):

    version: 1
    checks:                  # tiers of the built-in checks (workspace files may only raise)
      rm-recursive: {tier: 3, justification: "..."}
    rules:
      - id: npm-publish
        program: npm         # basename, or a list of alternatives; globs allowed
        args: [publish]      # argument prefix; each item a glob or a list of globs
        tier: 3              # 1, 2, 3 or deny
        justification: "publishing cannot be undone"
        match: ["npm publish"]
        not_match: ["npm pack"]
      - id: env-files
        paths: ["**/.env"]   # globs: relative to the workspace, ~/..., or absolute
        ops: [read]          # read, write, delete (default: all three)
        tier: 3
        justification: "reads secrets"
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cockpit.errors import ConfigError
from cockpit.policy.checks import CHECKS
from cockpit.policy.model import RuleRef, Tier, parse_tier, severity
from cockpit.policy.words import Word

OPS = ("read", "write", "delete")
_RULE_KEYS = (
    "id",
    "program",
    "args",
    "paths",
    "ops",
    "tier",
    "justification",
    "match",
    "not_match",
)
_GLOB = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class Check:
    """A built-in check's tier and why, with the file:line that set it."""

    id: str
    tier: Tier
    justification: str
    source: str

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


def _static_prefix(pattern: str) -> tuple[str, tuple[str, ...], bool]:
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
    (a path no rule mentions) costs one regex match and one set lookup."""

    __slots__ = ("ancestors", "combined", "partial")

    def __init__(self, rules: list[Rule]) -> None:
        patterns: list[str] = []
        ancestors: set[str] = set()
        partial: list[str] = []
        for rule in rules:
            for regex, static, segments, deep in rule._regexes:
                patterns.append(regex.pattern)
                path = static
                while True:
                    ancestors.add(path)
                    if path == "/":
                        break
                    path = os.path.dirname(path) or "/"
                if segments and not deep:
                    partial.append(static + "/")
        self.combined = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
        self.ancestors = frozenset(ancestors)
        self.partial = tuple(partial)

    def may_match(self, real: str, recursive: bool) -> bool:
        if self.combined is not None and self.combined.fullmatch(real) is not None:
            return True
        if not recursive:
            return False
        return real in self.ancestors or real.startswith(self.partial)


# -- loading --------------------------------------------------------------------------------


class _File:
    """One YAML rule file being read, with helpers that fail with file:line."""

    def __init__(self, path: Path, display: str) -> None:
        self.path = path
        self.display = display

    def error(self, node: yaml.Node | None, message: str) -> ConfigError:
        line = node.start_mark.line + 1 if node is not None else 1
        return ConfigError(f"{self.display}:{line}: {message}")

    def where(self, node: yaml.Node) -> str:
        return f"{self.display}:{node.start_mark.line + 1}"

    def compose(self) -> yaml.Node | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{self.display}:1: cannot read rule file: {exc}") from exc
        try:
            return yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            problem = exc.problem or exc.context or "invalid YAML"
            raise ConfigError(f"{self.display}:{line}: invalid YAML: {problem}") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"{self.display}:1: invalid YAML: {exc}") from exc

    def mapping(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} must be a mapping")
        out: list[tuple[str, yaml.Node, yaml.Node]] = []
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node, "a key")
            if not isinstance(key, str):
                raise self.error(key_node, f"keys in {what} must be strings, not {key!r}")
            if key in seen:
                raise self.error(
                    key_node,
                    f"duplicate key {key!r} in {what} (first at line "
                    f"{seen[key].start_mark.line + 1})",
                )
            seen[key] = key_node
            out.append((key, key_node, value_node))
        return out

    def scalar(self, node: yaml.Node, what: str) -> object:
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(node, f"{what} must be a single value")
        tag = node.tag.rsplit(":", 1)[-1]
        value = node.value
        if tag == "int":
            try:
                return int(value, 0)
            except ValueError:
                return value
        if tag == "bool":
            return value.lower() in ("true", "yes", "on")
        if tag == "null":
            return None
        return value

    def string(self, node: yaml.Node, what: str) -> str:
        value = self.scalar(node, what)
        if not isinstance(value, str) or not value.strip():
            raise self.error(node, f"{what} must be a non-empty string")
        return value

    def strings(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
        """A string or a list of strings."""
        if isinstance(node, yaml.SequenceNode):
            if not node.value:
                raise self.error(node, f"{what} must not be empty")
            return [(self.string(item, what), item) for item in node.value]
        return [(self.string(node, what), node)]

    def tier(self, node: yaml.Node) -> Tier:
        tier = parse_tier(self.scalar(node, "tier"))
        if tier is None:
            raise self.error(node, f"tier must be 1, 2, 3 or deny, not {node.value!r}")
        return tier


def load_rule_file(
    path: Path,
    display: str,
    *,
    builtin: bool,
    root: str,
    home: str,
    checks: dict[str, Check],
) -> list[Rule]:
    """Read one rule file; update `checks` in place; return its rules."""
    f = _File(path, display)
    doc = f.compose()
    if doc is None:
        return []
    rules: list[Rule] = []
    for key, key_node, value in f.mapping(doc, "a rule file"):
        if key == "version":
            if f.scalar(value, "version") != 1:
                raise f.error(value, f"unsupported version {value.value!r} (expected 1)")
        elif key == "checks":
            _load_checks(f, value, builtin=builtin, checks=checks)
        elif key == "rules":
            if not isinstance(value, yaml.SequenceNode):
                raise f.error(value, "rules must be a list")
            for item in value.value:
                rules.append(_load_rule(f, item, builtin=builtin, root=root, home=home))
        else:
            raise f.error(key_node, f"unknown key {key!r} (expected version, checks or rules)")
    if builtin:
        missing = sorted(set(CHECKS) - set(checks))
        if missing:
            raise f.error(doc, f"built-in checks without a tier: {', '.join(missing)}")
    return rules


def _load_checks(f: _File, node: yaml.Node, *, builtin: bool, checks: dict[str, Check]) -> None:
    for check_id, key_node, value in f.mapping(node, "checks"):
        if check_id not in CHECKS:
            raise f.error(key_node, f"unknown check {check_id!r}")
        justification = CHECKS[check_id]
        if isinstance(value, yaml.MappingNode):
            tier: Tier | None = None
            for key, sub_key, sub_value in f.mapping(value, f"check {check_id!r}"):
                if key == "tier":
                    tier = f.tier(sub_value)
                elif key == "justification":
                    justification = f.string(sub_value, "justification")
                else:
                    raise f.error(
                        sub_key,
                        f"unknown key {key!r} in check {check_id!r} (expected tier, justification)",
                    )
            if tier is None:
                raise f.error(value, f"check {check_id!r} has no tier")
        else:
            tier = f.tier(value)
        previous = checks.get(check_id)
        if not builtin and previous is not None and severity(tier) < severity(previous.tier):
            raise f.error(
                key_node,
                f"cannot lower built-in check {check_id!r} from tier "
                f"{previous.tier} to {tier} (workspace rules may only raise)",
            )
        checks[check_id] = Check(check_id, tier, justification, f.where(key_node))


def _load_rule(f: _File, node: yaml.Node, *, builtin: bool, root: str, home: str) -> Rule:
    fields = {key: (key_node, value) for key, key_node, value in f.mapping(node, "a rule")}
    for key, (key_node, _) in fields.items():
        if key not in _RULE_KEYS:
            raise f.error(
                key_node, f"unknown key {key!r} in rule (expected one of: {', '.join(_RULE_KEYS)})"
            )
    for required in ("id", "tier", "justification"):
        if required not in fields:
            raise f.error(node, f"rule is missing {required!r}")
    rule_id = f.string(fields["id"][1], "id")
    if rule_id.startswith(("builtin:", "grant:")) or any(c.isspace() for c in rule_id):
        raise f.error(
            fields["id"][1],
            f"rule id {rule_id!r} must not contain spaces or start with builtin: or grant:",
        )
    has_program, has_paths = "program" in fields, "paths" in fields
    if has_program == has_paths:
        raise f.error(node, f"rule {rule_id!r} needs exactly one of 'program' or 'paths'")
    rule = Rule(
        id=rule_id,
        tier=f.tier(fields["tier"][1]),
        justification=f.string(fields["justification"][1], "justification"),
        source=f.where(node),
        builtin=builtin,
    )
    rule.ref = RuleRef(rule_id, rule.source)
    if has_program:
        programs = f.strings(fields["program"][1], "program")
        for name, item in programs:
            if any(c.isspace() for c in name):
                raise f.error(item, f"program {name!r} must be one word (put arguments in args)")
        rule.program = tuple(name for name, _ in programs)
        if "args" in fields:
            args_node = fields["args"][1]
            if not isinstance(args_node, yaml.SequenceNode):
                raise f.error(args_node, "args must be a list")
            rule.args = tuple(
                tuple(text for text, _ in f.strings(item, "each item of args"))
                for item in args_node.value
            )
    else:
        if "args" in fields:
            raise f.error(fields["args"][0], "args only applies to program rules")
        patterns = f.strings(fields["paths"][1], "paths")
        rule.paths = tuple(text for text, _ in patterns)
        compiled = []
        for text, _ in patterns:
            absolute = absolute_glob(text, root, home)
            static, segments, deep = _static_prefix(absolute)
            compiled.append((glob_regex(absolute), static, segments, deep))
        rule._regexes = tuple(compiled)
    if "ops" in fields:
        if not rule.paths:
            raise f.error(fields["ops"][0], "ops only applies to path rules")
        ops = f.strings(fields["ops"][1], "ops")
        for op, item in ops:
            if op not in OPS:
                raise f.error(item, f"unknown op {op!r} (expected read, write or delete)")
        rule.ops = frozenset(op for op, _ in ops)
    for key in ("match", "not_match"):
        if key in fields:
            items = fields[key][1]
            seq = items.value if isinstance(items, yaml.SequenceNode) else [items]
            examples = tuple(
                Example(f.string(item, f"each {key} example"), f.where(item)) for item in seq
            )
            setattr(rule, key, examples)
    return rule


def check_unique(rules: Iterable[Rule]) -> None:
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in seen:
            raise ConfigError(
                f"{rule.source}: duplicate rule id {rule.id!r} (first defined at "
                f"{seen[rule.id].source})"
            )
        seen[rule.id] = rule


def rule_files(directory: Path) -> list[Path]:
    """The `*.yaml`/`*.yml` files of a rules directory, in name order."""
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.iterdir()
        if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith(".")
    )


def display_path(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:
        return str(path)
