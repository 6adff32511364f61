"""Agent definitions: markdown files with YAML front matter, the body being the system prompt.

```markdown
---
name: builder
description: Implements tasks from plan.md and proves them with their verify commands.
model: sonnet                  # an alias (opus, sonnet, haiku, fable...) or a full model id
tools: [bash, read_file, write_file, edit_file, list_files]
scope: ["src/**", "tests/**"]  # path globs it may write; default: the whole workspace
---
You are the builder...
```

This module reads cockpit's own files (the built-ins and `.cockpit/agents/*.md`) strictly:
tool names are cockpit's, names are lowercase words, and a mistake names its file and line.
Claude Code's files are read as Claude Code reads them (`claude_code.py`); `catalog.py`
gathers every folder into one catalog, where a file that cannot be used is skipped, never
fatal to the session.

Tools: `update_task` and `report_blocked` are always granted: they are how every agent reports
progress and asks for help, and `rules/base.md` tells every agent to use them. `tools` left
out means every tool.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml

from cockpit.agent.models import is_known, resolve_model, unknown_model_note
from cockpit.agent.project_rules import project_rules_sections
from cockpit.config.workspace import Workspace, builtin_dir
from cockpit.config.yaml_source import SourceError, YamlSource
from cockpit.errors import ConfigError
from cockpit.policy.scope import WriteScope

TOOL_NAMES: tuple[str, ...] = (
    "bash",
    "read_file",
    "write_file",
    "edit_file",
    "list_files",
    "update_task",
    "report_blocked",
)
ALWAYS_GRANTED: tuple[str, ...] = ("update_task", "report_blocked")
LEAD_TOOLS: tuple[str, ...] = ("replan",)
"""Granted by the session to its lead (``orchestration: lead:``), never by an agent file."""
WRITING_TOOLS: frozenset[str] = frozenset({"write_file", "edit_file"})
EVERYWHERE: tuple[str, ...] = ("**",)
MAX_AGENT_FILE_BYTES = 1_000_000

Fields = dict[str, tuple[yaml.Node, yaml.Node]]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_FENCE = ("---", "...")


class AgentOrigin(StrEnum):
    """Where a definition comes from; later origins override earlier ones by name."""

    BUILTIN = "built-in"
    CLAUDE = "claude"
    COCKPIT = "cockpit"


@dataclass(frozen=True)
class AgentWarning:
    """Something about a definition worth telling: it loads, but not quite as written."""

    line: int
    message: str


class NotAnAgent(Exception):
    """A markdown file that is no agent definition (no front matter, no `name`): Claude Code
    skips it without a word, and so does cockpit."""

    def __init__(self, reason: str, hint: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint
        """How to make it one, for a folder where every file must be an agent."""


@dataclass(frozen=True)
class AgentDefinition:
    """One agent: who it is, which model, which tools, where it may write, what it is told."""

    name: str
    description: str
    model: str
    tools: tuple[str, ...]
    scope: tuple[str, ...]
    system_prompt: str
    source: Path
    origin: AgentOrigin = AgentOrigin.COCKPIT
    dropped_tools: tuple[str, ...] = ()
    """Claude Code tool names that have no cockpit equivalent and were left out."""
    warnings: tuple[AgentWarning, ...] = ()
    replaces: Path | None = None
    """The file of the agent of the same name this one overrides (a built-in, say)."""
    widens: tuple[str, ...] = ()
    """What this one may do that the agent it replaces may not (more tools, wider scope)."""
    iterations: int | None = None
    """The escape hatch: failed attempts per approach for this agent's tasks (None: the
    session's setting)."""
    shifts: int | None = None
    """The escape hatch: approaches after the first before a task is blocked."""
    read_only_shell: bool = False
    """Its `bash` runs read-only commands only (tier 1): a Claude Code file that grants
    `Grep` (a search tool) but not `Bash` gets searching, not a shell."""

    def may_write(self, rel_path: str) -> bool:
        """Whether `rel_path` (relative to the workspace root, `/`-separated) is in scope.

        A glob matches the path or one of its parent folders: `src` covers `src/a.py`.
        `*` and `?` stay within one path segment; `**` spans any number of them.
        """
        return self.write_scope.allows(rel_path)

    @property
    def write_scope(self) -> WriteScope:
        """Its scope as the policy decides it."""
        return WriteScope(self.name, str(self.source), self.scope, self.read_only_shell)

    def describe_scope(self) -> str:
        """Where it may write, in words: `everywhere`, `nothing`, or its globs."""
        if not self.scope:
            return "nothing"
        if self.scope == EVERYWHERE:
            return "everywhere"
        return ", ".join(self.scope)


CLAUDE_TOOLS: dict[str, str] = {
    "Bash": "bash",
    "Read": "read_file",
    "NotebookRead": "read_file",
    "Write": "write_file",
    "Edit": "edit_file",
    "MultiEdit": "edit_file",
    "NotebookEdit": "edit_file",
    "Glob": "list_files",
    "LS": "list_files",
    "Grep": "bash",
}
"""Claude Code tool names and the cockpit tool each becomes."""

CLAUDE_ONLY_LIMITS = ("permissionMode", "disallowedTools", "allowedTools")
"""Claude Code fields that narrow an agent, refused in cockpit's own files rather than
silently ignored."""


def load_agent_file(
    path: Path,
    *,
    origin: AgentOrigin = AgentOrigin.COCKPIT,
    default_model: str | None = None,
) -> AgentDefinition:
    """Read one cockpit agent file (a built-in or `.cockpit/agents/`); raises `SourceError`."""
    text = read_agent_text(path)
    try:
        front, body, first_line = split_front_matter(text)
    except NotAnAgent as exc:
        raise SourceError(path, 1, exc.reason + exc.hint) from exc
    src = YamlSource(path, first_line=first_line)
    root = src.parse(front)
    if root is None:
        raise src.error(1, "front matter is empty; it needs at least `name:`")
    fields = src.mapping(root, "front matter")
    for key in CLAUDE_ONLY_LIMITS:
        if key in fields:  # ignored, the agent would end wider than its file says
            raise src.error(
                fields[key][0],
                f"`{key}` is Claude Code's: a cockpit agent file says what it may do with "
                "`tools` and `scope` (`scope: []` writes nothing)",
            )

    if "name" not in fields:
        raise src.error(1, "front matter has no `name:` (the agent's name)")
    name = src.string(fields["name"][1], "name")
    if not _NAME.match(name):
        raise src.error(
            fields["name"][1],
            f"`name` {name!r} must be lowercase letters, digits, `-` or `_` (at most 64)",
        )
    description = ""
    if "description" in fields and src.value(fields["description"][1]) is not None:
        description = src.string(fields["description"][1], "description")
    tools = _tools(src, fields)
    scope = read_scope(src, fields["scope"][1]) if "scope" in fields else EVERYWHERE
    model, warnings = read_model(src, fields, default_model, read_only=not scope)
    iterations = _budget(src, fields, "iterations", least=1)
    shifts = _budget(src, fields, "shifts", least=0)
    return AgentDefinition(
        name=name,
        description=description,
        model=model,
        tools=tools,
        scope=scope,
        system_prompt=body.strip(),
        source=path,
        origin=origin,
        warnings=warnings,
        iterations=iterations,
        shifts=shifts,
    )


def _budget(src: YamlSource, fields: Fields, key: str, *, least: int) -> int | None:
    """The escape hatch's ``iterations:`` or ``shifts:`` for this agent's tasks."""
    if key not in fields:
        return None
    value = src.value(fields[key][1])
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= 1000:
        raise src.error(fields[key][1], f"`{key}` is a whole number from {least} to 1000")
    return value


def compose_system_prompt(defn: AgentDefinition, workspace: Workspace) -> str:
    """The full system prompt: shared rules, the workspace's rules, the project's own rules
    (`AGENTS.md`, `CLAUDE.md`), who the agent is, its body."""
    parts = [_read_rules(builtin_dir("rules") / "base.md", required=True)]
    workspace_rules = _read_rules(workspace.rules_dir / "base.md", required=False)
    if workspace_rules:
        parts.append("# Rules of this repository\n\n" + workspace_rules)
    parts.extend(project_rules_sections(workspace.root))
    parts.append(_identity(defn))
    if defn.system_prompt:
        parts.append(defn.system_prompt)
    return "\n\n".join(p.strip() for p in parts) + "\n"


def read_agent_text(path: Path) -> str:
    """The file's text; an unreadable, oversized or non-UTF-8 file is a `SourceError`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(path, 1, f"cannot read agent file: {exc.strerror or exc}") from exc
    if len(data) > MAX_AGENT_FILE_BYTES:
        raise SourceError(
            path, 1, f"agent file is {len(data):,} bytes; the limit is {MAX_AGENT_FILE_BYTES:,}"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(path, line, "agent file is not UTF-8 text") from exc


def split_front_matter(text: str) -> tuple[str, str, int]:
    """(YAML text, body, the file line the YAML starts on); `NotAnAgent` when there is none."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise NotAnAgent(
            "no front matter",
            ": an agent file starts with a `---` line, then YAML "
            "(`name:`, `description:`, `model:`, `tools:`, `scope:`), then `---`",
        )
    for i in range(1, len(lines)):
        if lines[i].strip() in _FENCE:
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), 2
    raise NotAnAgent("the front matter opened on line 1 is never closed with `---`")


def read_model(
    src: YamlSource, fields: Fields, default_model: str | None, *, read_only: bool
) -> tuple[str, tuple[AgentWarning, ...]]:
    """The resolved model, with a warning when cockpit does not know it (it still loads:
    a local server may serve it)."""
    written: str | None = None
    line = 1
    if "model" in fields and src.value(fields["model"][1]) is not None:
        written = src.string(fields["model"][1], "model")
        line = src.line(fields["model"][1])
        if any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in written):
            raise src.error(line, f"`model` {written!r} holds a control character")
    model = resolve_model(written, default_model, read_only=read_only)
    if written is None or is_known(model):
        return model, ()
    return model, (AgentWarning(line, unknown_model_note(model)),)


def _tools(src: YamlSource, fields: Fields) -> tuple[str, ...]:
    if "tools" not in fields:
        return TOOL_NAMES
    granted: set[str] = set(ALWAYS_GRANTED)
    for word, line in src.strings(fields["tools"][1], "tools", comma_string=True):
        if word not in TOOL_NAMES:
            raise src.error(line, _unknown_tool(word))
        granted.add(word)
    return tuple(t for t in TOOL_NAMES if t in granted)


def _unknown_tool(word: str) -> str:
    hint = ""
    bare = word.split("(", 1)[0].strip()
    if bare in CLAUDE_TOOLS:
        hint = f"; cockpit calls Claude Code's `{bare}` `{CLAUDE_TOOLS[bare]}`"
    else:
        close = difflib.get_close_matches(word, TOOL_NAMES, n=1)
        if close:
            hint = f"; did you mean `{close[0]}`?"
    return f"unknown tool `{word}` (cockpit's tools: {', '.join(TOOL_NAMES)}){hint}"


def read_scope(src: YamlSource, node: yaml.Node) -> tuple[str, ...]:
    """A `scope:` list of path globs, each inside the workspace."""
    globs: list[str] = []
    for raw, line in src.strings(node, "scope", comma_string=False):
        glob = raw.replace("\\", "/")
        while glob.startswith("./"):
            glob = glob[2:]
        glob = glob.rstrip("/")
        if glob.startswith("/") or glob.startswith("~") or ".." in glob.split("/"):
            raise src.error(line, f"`scope` entry {raw!r} must be a path glob inside the workspace")
        if glob and glob not in globs:
            globs.append(glob)
    return tuple(globs)


def _identity(defn: AgentDefinition) -> str:
    lines = [f"# You are the `{defn.name}` agent"]
    if defn.description:
        lines += ["", defn.description]
    lines += ["", f"Your tools: {', '.join(defn.tools)}."]
    if defn.read_only_shell and "bash" in defn.tools:
        lines.append(
            "Your bash runs read-only commands only (searching and reading: grep, rg, cat, "
            "ls, git log...); any other command is refused."
        )
    if not defn.scope:
        lines.append("You may not write or change any file, by any tool.")
    elif defn.scope == EVERYWHERE:
        lines.append("You may write files anywhere inside the workspace.")
    else:
        globs = ", ".join(f"`{g}`" for g in defn.scope)
        lines.append(
            f"You may write only paths matching {globs}; any other write is refused, by any tool."
        )
    return "\n".join(lines)


def _read_rules(path: Path, *, required: bool) -> str:
    if not path.is_file():
        if required:
            raise ConfigError(f"{path}:1: the built-in rules file is missing")
        return ""
    try:
        return path.read_text(encoding="utf-8-sig").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}:1: cannot read rules: {exc}") from exc
