"""YAML with line numbers: agent front matter and scripts report errors as `file:line`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cockpit.errors import ConfigError

FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML was built with it: a tenth of the pure parser's time."""


def compose(text: str) -> yaml.Node | None:
    """``text``'s node tree (lines and tags as the pure parser gives them). A text libyaml
    refuses is composed again by the pure parser, whose errors (problem and line) are the
    ones cockpit reports."""
    try:
        return yaml.compose(text, Loader=FAST_LOADER)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader)


class SourceError(ConfigError):
    """A file that cannot be used, with where and why kept apart (a skipped agent file is
    listed as path, line and reason)."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class YamlSource:
    """A YAML text that starts on line `first_line` of `path`."""

    path: Path
    first_line: int = 1

    def line(self, node: yaml.Node) -> int:
        return int(node.start_mark.line) + self.first_line

    def error(self, where: yaml.Node | int, message: str) -> SourceError:
        line = where if isinstance(where, int) else self.line(where)
        return SourceError(self.path, line, message)

    def parse(self, text: str) -> yaml.Node | None:
        """The document's node tree; `None` for an empty document."""
        try:
            return compose(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = int(mark.line) + self.first_line if mark is not None else self.first_line
            problem = exc.problem or exc.context or "cannot be parsed"
            raise SourceError(self.path, line, f"invalid YAML: {problem}") from exc
        except yaml.YAMLError as exc:
            raise SourceError(self.path, self.first_line, f"invalid YAML: {exc}") from exc

    def value(self, node: yaml.Node) -> Any:
        """The plain Python value of `node`."""
        try:
            return yaml.SafeLoader("").construct_document(node)
        except yaml.MarkedYAMLError as exc:  # the problem alone: the line is the node's
            raise self.error(node, f"invalid YAML value: {exc.problem or exc.context}") from exc
        except (yaml.YAMLError, ValueError) as exc:  # ValueError: a date like 2001-13-45
            raise self.error(node, f"invalid YAML value: {exc}") from exc

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """`node`'s entries as `{key: (key node, value node)}`; keys must be unique strings."""
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} must be a mapping of `key: value` lines")
        entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            if not isinstance(key, str):
                raise self.error(key_node, f"{what}: keys must be words, not {key!r}")
            if key in entries:
                first = self.line(entries[key][0])
                raise self.error(
                    key_node, f"{what}: `{key}` is given twice (first on line {first})"
                )
            entries[key] = (key_node, value_node)
        return entries

    def string(self, node: yaml.Node, key: str) -> str:
        """A non-empty string value."""
        value = self.value(node)
        if not isinstance(value, str):
            raise self.error(node, f"`{key}` must be a string, not {_kind(value)}")
        text = value.strip()
        if not text:
            raise self.error(node, f"`{key}` must not be empty")
        return text

    def strings(self, node: yaml.Node, key: str, *, comma_string: bool) -> list[tuple[str, int]]:
        """A list of strings, each with its line; `a, b` is accepted when `comma_string`."""
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if isinstance(node, yaml.ScalarNode) and comma_string:
            text = self.value(node)
            if isinstance(text, str):
                return [(part.strip(), self.line(node)) for part in text.split(",") if part.strip()]
        if not isinstance(node, yaml.SequenceNode):
            kind = "a list or a comma-separated string" if comma_string else "a list"
            raise self.error(node, f"`{key}` must be {kind}, not {_kind(self.value(node))}")
        items: list[tuple[str, int]] = []
        for item in node.value:
            value = self.value(item)
            if not isinstance(value, str) or not value.strip():
                raise self.error(item, f"`{key}` entries must be strings, not {_kind(value)}")
            items.append((value.strip(), self.line(item)))
        return items


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"{type(value).__name__} {value!r}"
