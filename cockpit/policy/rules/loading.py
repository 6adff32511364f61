"""Rule files: YAML loading and validation; every error names file:line.

Schema (documented in rules/README.md):

    version: 1
    checks:                  # tiers of the built-in checks (workspace files may only raise)
      rm-recursive: {tier: 3, justification: "..."}
      network-client: {tier: 3, network: true, justification: "..."}
    rules:
      - id: npm-publish
        program: npm         # basename, or a list of alternatives; globs allowed
        args: [publish]      # argument prefix; each item a glob or a list of globs
        tier: 3              # 1, 2, 3 or deny
        network: true        # the sandbox gives the command the network (default false)
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

import os
from collections.abc import Iterable
from pathlib import Path

import yaml

from cockpit.errors import ConfigError
from cockpit.policy.model import RuleRef, Tier, parse_tier, severity
from cockpit.policy.programs.knowledge import names
from cockpit.policy.rules.checks import CHECKS
from cockpit.policy.rules.matching import (
    OPS,
    Check,
    Example,
    Rule,
    absolute_glob,
    glob_regex,
    static_prefix,
)

_RULE_KEYS = names("id program args paths ops tier network justification match not_match")
_FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML was built with it: a tenth of the pure parser's time (the
built-in rules are read at every start)."""


def compose(text: str) -> yaml.Node | None:
    """``text``'s node tree. A text libyaml refuses is composed again by the pure parser,
    whose errors (problem and line) are the ones reported."""
    try:
        return yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader)


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
            return compose(text)
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

    def flag(self, node: yaml.Node, what: str) -> bool:
        value = self.scalar(node, what)
        if not isinstance(value, bool):
            raise self.error(node, f"{what} must be true or false, not {node.value!r}")
        return value

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
        previous = checks.get(check_id)
        # A workspace that only changes a check's tier keeps its need for the network.
        network = previous.network if previous is not None else False
        if isinstance(value, yaml.MappingNode):
            tier: Tier | None = None
            for key, sub_key, sub_value in f.mapping(value, f"check {check_id!r}"):
                if key == "tier":
                    tier = f.tier(sub_value)
                elif key == "justification":
                    justification = f.string(sub_value, "justification")
                elif key == "network":
                    network = f.flag(sub_value, "network")
                else:
                    raise f.error(
                        sub_key,
                        f"unknown key {key!r} in check {check_id!r} "
                        "(expected tier, network, justification)",
                    )
            if tier is None:
                raise f.error(value, f"check {check_id!r} has no tier")
        else:
            tier = f.tier(value)
        if not builtin and previous is not None and severity(tier) < severity(previous.tier):
            raise f.error(
                key_node,
                f"cannot lower built-in check {check_id!r} from tier "
                f"{previous.tier} to {tier} (workspace rules may only raise)",
            )
        checks[check_id] = Check(check_id, tier, justification, f.where(key_node), network)


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
        network=f.flag(fields["network"][1], "network") if "network" in fields else False,
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
            static, segments, deep = static_prefix(absolute)
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
