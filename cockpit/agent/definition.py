"""Agent definitions: markdown files with YAML front matter, the body being the system prompt.

```markdown
---
name: builder
description: Implements tasks from plan.md and proves them with their verify commands.
model: sonnet                  # an alias (opus, sonnet, haiku) or a full model id
tools: [bash, read_file, write_file, edit_file, list_files]
scope: ["src/**", "tests/**"]  # path globs it may write; default: the whole workspace
---
You are the builder...
```

Where they come from, later overriding earlier by `name`: the built-ins (`agents/`), then the
workspace's Claude Code subagents (`.claude/agents/*.md`), then its cockpit agents
(`.cockpit/agents/*.md`). cockpit's own folder wins over `.claude/` because a file written for
cockpit is the more specific intent when a repository has both.

Tools: cockpit files must use cockpit's tool names; an unknown one is an error. `update_task`
and `report_blocked` are always granted: they are how every agent reports progress and asks
for help, and `rules/base.md` tells every agent to use them. `tools` left out means every tool.

Claude Code files: unknown fields are ignored; `tools` may be a comma-separated string or a
list; `Tool(args)` is read as `Tool`; names map as `CLAUDE_TOOLS` says and the rest are
dropped (kept in `dropped_tools` so a caller can say so). `Grep` maps to `bash`: cockpit has no
search tool, searching is `grep`/`rg` through bash, and every bash command still passes the
policy engine. A Claude Code agent with no writing tool gets an empty `scope`, so it may write
nothing even through bash.

Errors name the file and line: `ConfigError("path:line: what is wrong")`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from cockpit.agent._yaml import YamlSource
from cockpit.agent.models import resolve_model
from cockpit.config import Workspace, builtin_dir
from cockpit.errors import ConfigError

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
WRITING_TOOLS: frozenset[str] = frozenset({"write_file", "edit_file"})
EVERYWHERE: tuple[str, ...] = ("**",)

CLAUDE_TOOLS: dict[str, str] = {
    "Bash": "bash",
    "Read": "read_file",
    "Write": "write_file",
    "Edit": "edit_file",
    "MultiEdit": "edit_file",
    "NotebookEdit": "edit_file",
    "Glob": "list_files",
    "LS": "list_files",
    "Grep": "bash",
}

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_FENCE = ("---", "...")


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
    dropped_tools: tuple[str, ...] = ()
    """Claude Code tool names that have no cockpit equivalent and were left out."""

    def may_write(self, rel_path: str) -> bool:
        """Whether `rel_path` (relative to the workspace root, `/`-separated) is in scope.

        A glob matches the path or one of its parent folders: `src` covers `src/a.py`.
        `*` and `?` stay within one path segment; `**` spans any number of them.
        """
        parts = [p for p in rel_path.replace("\\", "/").split("/") if p not in ("", ".")]
        candidates = ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]
        return any(_glob(g).fullmatch(c) for g in self.scope for c in candidates)


def load_agents(
    workspace: Workspace, *, default_model: str | None = None
) -> dict[str, AgentDefinition]:
    """Every agent the workspace can run, by name (see the module docstring for precedence)."""
    agents: dict[str, AgentDefinition] = {}
    sources = (
        (builtin_dir("agents"), False),
        (workspace.root / ".claude" / "agents", True),
        (workspace.agents_dir, False),
    )
    for folder, claude in sources:
        seen: dict[str, Path] = {}
        for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
            if path.name.startswith("."):
                continue
            defn = load_agent_file(path, claude_code=claude, default_model=default_model)
            if defn.name in seen:
                raise ConfigError(
                    f"{path}:1: agent `{defn.name}` is already defined in {seen[defn.name]}"
                )
            seen[defn.name] = path
            agents[defn.name] = defn
    return agents


def load_agent_file(
    path: Path, *, claude_code: bool = False, default_model: str | None = None
) -> AgentDefinition:
    """Read one agent file; `claude_code` selects Claude Code's lenient reading."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}:1: cannot read agent file: {exc}") from exc
    front, body = _split_front_matter(text, path)
    src = YamlSource(path, first_line=2)
    root = src.parse(front)
    if root is None:
        raise ConfigError(f"{path}:1: front matter is empty; it needs at least `name:`")
    fields = src.mapping(root, "front matter")

    if "name" not in fields:
        raise ConfigError(f"{path}:1: front matter has no `name:` (the agent's name)")
    name = src.string(fields["name"][1], "name")
    if not _NAME.match(name):
        raise src.error(
            fields["name"][1],
            f"`name` {name!r} must be lowercase letters, digits, `-` or `_` (at most 64)",
        )
    description = ""
    if "description" in fields and src.value(fields["description"][1]) is not None:
        description = src.string(fields["description"][1], "description")
    model_name = None
    if "model" in fields and src.value(fields["model"][1]) is not None:
        model_name = src.string(fields["model"][1], "model")

    tools, dropped = _tools(src, fields, claude_code)
    if "scope" in fields:
        scope = _scope(src, fields["scope"][1])
    elif claude_code and not WRITING_TOOLS & set(tools):
        scope = ()
    else:
        scope = EVERYWHERE
    return AgentDefinition(
        name=name,
        description=description,
        model=resolve_model(model_name, default_model),
        tools=tools,
        scope=scope,
        system_prompt=body.strip(),
        source=path,
        dropped_tools=dropped,
    )


def compose_system_prompt(defn: AgentDefinition, workspace: Workspace) -> str:
    """The full system prompt: shared rules, the workspace's rules, who the agent is, its body."""
    parts = [_read_rules(builtin_dir("rules") / "base.md", required=True)]
    workspace_rules = _read_rules(workspace.rules_dir / "base.md", required=False)
    if workspace_rules:
        parts.append("# Rules of this repository\n\n" + workspace_rules)
    parts.append(_identity(defn))
    if defn.system_prompt:
        parts.append(defn.system_prompt)
    return "\n\n".join(p.strip() for p in parts) + "\n"


def _split_front_matter(text: str, path: Path) -> tuple[str, str]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ConfigError(
            f"{path}:1: no front matter: an agent file starts with a `---` line, then YAML "
            "(`name:`, `description:`, `model:`, `tools:`, `scope:`), then `---`"
        )
    for i in range(1, len(lines)):
        if lines[i].strip() in _FENCE:
            return "".join(lines[1:i]), "".join(lines[i + 1 :])
    raise ConfigError(f"{path}:1: the front matter opened here is never closed with `---`")


def _tools(
    src: YamlSource, fields: dict[str, tuple[yaml.Node, yaml.Node]], claude_code: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if "tools" not in fields:
        return TOOL_NAMES, ()
    node = fields["tools"][1]
    granted: set[str] = set(ALWAYS_GRANTED)
    dropped: list[str] = []
    for raw, line in src.strings(node, "tools", comma_string=True):
        word = raw.split("(", 1)[0].strip()
        if word in TOOL_NAMES:
            granted.add(word)
        elif claude_code:
            if word in CLAUDE_TOOLS:
                granted.add(CLAUDE_TOOLS[word])
            elif word not in dropped:
                dropped.append(word)
        else:
            raise src.error(line, _unknown_tool(word))
    return tuple(t for t in TOOL_NAMES if t in granted), tuple(dropped)


def _unknown_tool(word: str) -> str:
    hint = ""
    if word in CLAUDE_TOOLS:
        hint = f"; cockpit calls Claude Code's `{word}` `{CLAUDE_TOOLS[word]}`"
    else:
        close = difflib.get_close_matches(word, TOOL_NAMES, n=1)
        if close:
            hint = f"; did you mean `{close[0]}`?"
    return f"unknown tool `{word}` (cockpit's tools: {', '.join(TOOL_NAMES)}){hint}"


def _scope(src: YamlSource, node: yaml.Node) -> tuple[str, ...]:
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


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))
