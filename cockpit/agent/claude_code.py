"""Claude Code subagent files (`.claude/agents/**/*.md`), read the way Claude Code reads them.

Public collections of these files are large, and a third of them are not strict YAML or use
fields cockpit cannot honour. The rules, Claude Code's where it has one:

- No front matter, or no `name`: not an agent (a README, notes); skipped without a word.
- A one-line value holding `: ` (the `description: ... Examples: <example>Context: ...`
  layout Claude Code's own generator writes) is not YAML; on a YAML error the front matter
  is read again with every one-line value quoted. Still broken: skipped, with the error.
- `name`: anything but a name starting with `-` or holding `:` (Claude Code's only rules),
  and no control characters (a name is printed everywhere).
- `tools`: a list, or a string split on commas outside parentheses (`Agent(a, b)`,
  `Bash(git diff:*)`). Names map as `CLAUDE_TOOLS` says; the rest (`WebFetch`, `Task`,
  `mcp__*`...) are dropped and listed. `Grep` maps to a read-only `bash`: cockpit has no
  search tool, searching is `grep`/`rg` through bash, and an agent given `Grep` but not `Bash`
  runs only read-only (tier-1) commands, as it could run none in Claude Code. A limit
  in parentheses on a tool that writes or runs (`Bash(git diff:*)`) cannot be kept, and the
  warning says so. Listed tools of which none is usable: refused, as Claude Code refuses to
  launch it.
- `disallowedTools` removes tools (`Write, Edit` leaves nothing that writes); disallowing
  `Grep` alone does not take away a granted shell.
- `permissionMode: plan` is read-only. Other modes, `hooks` and `mcpServers` are not honoured
  (the policy decides what runs; agents get no MCP servers), and a warning says so.
- Without a writing tool the agent gets an empty `scope` (unless the file gives a `scope:`,
  cockpit's own field): it may write nothing, through bash either, as far as the policy can
  read a command's writes (the sandbox of a later issue makes that exact).
- `model`: an alias, a full id, or `inherit` (the session's model); see `models.py`.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import yaml

from cockpit.agent.definition import (
    ALWAYS_GRANTED,
    CLAUDE_TOOLS,
    EVERYWHERE,
    TOOL_NAMES,
    WRITING_TOOLS,
    AgentDefinition,
    AgentOrigin,
    AgentWarning,
    Fields,
    NotAnAgent,
    read_agent_text,
    read_model,
    read_scope,
    split_front_matter,
)
from cockpit.config.yaml_source import SourceError, YamlSource
from cockpit.plan.parse import split_owner

IGNORED_FIELDS: dict[str, str] = {
    "hooks": "`hooks` are not run by cockpit: its policy decides what runs and what asks you",
    "mcpServers": "`mcpServers` are ignored: cockpit gives agents no MCP servers",
}
_LIMITS_LOST = frozenset({"bash", "write_file", "edit_file"})
_QUIET_MODES = frozenset({"default", "plan"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CALL = re.compile(r"^(?P<tool>[^()]+?)\s*(?:\((?P<args>.*)\))?$", re.DOTALL)
_TOP_LEVEL_VALUE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*):[ \t]+(?P<value>\S.*?)[ \t]*$")
_YAML_START = tuple("'\"[{|>&*!%@`")
_COMMENT = re.compile(r"[ \t]#")


def load_claude_agent(path: Path, *, default_model: str | None = None) -> AgentDefinition:
    """Read one Claude Code agent file. `NotAnAgent` for a file Claude Code would pass over in
    silence; `SourceError` (file, line, reason) for one it cannot use."""
    text = read_agent_text(path)
    front, body, first_line = split_front_matter(text)
    src = YamlSource(path, first_line=first_line)
    root = _parse_leniently(src, front)
    if not isinstance(root, yaml.MappingNode):
        raise NotAnAgent("its front matter holds no `name:`")
    fields = src.mapping(root, "front matter")
    name = _name(src, fields)
    warnings: list[AgentWarning] = []
    description = _description(src, fields, warnings)
    tools, dropped, read_only = _tools(src, fields, name, warnings)
    shell_granted = _grants_bash(src, fields)
    if read_only:
        scope: tuple[str, ...] = ()
    elif "scope" in fields:
        scope = read_scope(src, fields["scope"][1])
    else:
        scope = EVERYWHERE if WRITING_TOOLS & set(tools) else ()
    model, model_warnings = _model(src, fields, default_model, read_only=not scope)
    warnings.extend(model_warnings)
    for key, message in IGNORED_FIELDS.items():
        if key in fields and src.value(fields[key][1]):
            warnings.append(AgentWarning(src.line(fields[key][0]), message))
    if split_owner(f"task @{name}")[1] != [name]:
        warnings.append(
            AgentWarning(
                src.line(fields["name"][1]),
                f"name {name!r} cannot be an @owner in plan.md; start it with --agents",
            )
        )
    return AgentDefinition(
        name=name,
        description=description,
        model=model,
        tools=tools,
        scope=scope,
        system_prompt=body.strip(),
        source=path,
        origin=AgentOrigin.CLAUDE,
        dropped_tools=tuple(dropped),
        warnings=tuple(sorted(warnings, key=lambda w: w.line)),
        read_only_shell="bash" in tools and not shell_granted,
    )


def _grants_bash(src: YamlSource, fields: Fields) -> bool:
    """Whether the file gives a real shell: `Bash` listed (or every tool, by listing none).
    `Grep` alone maps to a read-only one."""
    if "tools" not in fields or src.value(fields["tools"][1]) is None:
        return True
    return any(_call(raw)[0] == "Bash" for raw, _ in _entries(src, fields["tools"][1], "tools"))


def split_tool_list(text: str) -> list[str]:
    """`Read, Agent(worker, researcher), Bash(git diff:*)` -> its three entries."""
    entries: list[str] = []
    depth = 0
    start = 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            entries.append(text[start:i])
            start = i + 1
    entries.append(text[start:])
    return [e.strip() for e in entries if e.strip()]


def quote_single_line_values(front: str) -> str | None:
    """`front` with each top-level one-line plain value double-quoted (a comment after it
    dropped, as YAML would); None when there is nothing to quote. Lines keep their numbers."""
    lines = front.split("\n")
    changed = False
    for i, line in enumerate(lines):
        match = _TOP_LEVEL_VALUE.match(line)
        if match is None or match["value"].startswith(_YAML_START) or _continues(lines, i):
            continue
        value = _COMMENT.split(match["value"], maxsplit=1)[0].rstrip()
        lines[i] = f"{match['key']}: {json.dumps(value, ensure_ascii=False)}"
        changed = True
    return "\n".join(lines) if changed else None


def _parse_leniently(src: YamlSource, front: str) -> yaml.Node | None:
    try:
        return src.parse(front)
    except SourceError as first:
        quoted = quote_single_line_values(front)
        if quoted is None:
            raise
        try:
            return src.parse(quoted)
        except SourceError:
            raise first from None


def _continues(lines: list[str], i: int) -> bool:
    """Whether the value on line `i` goes on over the next, indented lines."""
    for line in lines[i + 1 :]:
        if line.strip():
            return line[0] in " \t"
    return False


def _name(src: YamlSource, fields: Fields) -> str:
    if "name" not in fields:
        raise NotAnAgent("its front matter has no `name:`")
    node = fields["name"][1]
    value = src.value(node)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise NotAnAgent("its `name:` is empty")
    if not isinstance(value, str):
        raise src.error(node, f"`name` must be text, not {value!r}")
    name = value.strip()
    if name.startswith("-") or ":" in name:
        raise src.error(node, f"`name` {name!r} may not start with `-` or hold `:`")
    if _CONTROL.search(name):
        raise src.error(node, f"`name` {name!r} holds a control character")
    return name


def _description(src: YamlSource, fields: Fields, warnings: list[AgentWarning]) -> str:
    if "description" not in fields:
        return ""
    node = fields["description"][1]
    value = src.value(node)
    if value is None:
        return ""
    if isinstance(value, list | dict):
        warnings.append(AgentWarning(src.line(node), "`description` is not text; it is left out"))
        return ""
    return str(value).strip()


def _tools(
    src: YamlSource, fields: Fields, name: str, warnings: list[AgentWarning]
) -> tuple[tuple[str, ...], list[str], bool]:
    """(granted cockpit tools, dropped Claude Code tool names, read-only by plan mode)."""
    dropped: list[str] = []
    granted: set[str] = set(TOOL_NAMES)
    line = 1
    given_none = False
    if "tools" in fields and src.value(fields["tools"][1]) is not None:
        line = src.line(fields["tools"][1])
        granted, dropped = _listed(src, fields["tools"][1], warnings)
        given_none = not granted and not dropped
    if "disallowedTools" in fields:
        line = src.line(fields["disallowedTools"][1])
        for raw, _ in _entries(src, fields["disallowedTools"][1], "disallowedTools"):
            tool, _args = _call(raw)
            mapped = _mapped(tool)
            if mapped is not None and tool != "Grep":
                granted.discard(mapped)
    read_only = False
    if "permissionMode" in fields:
        node = fields["permissionMode"][1]
        mode = src.value(node)
        if mode == "plan":
            read_only = True
            granted -= WRITING_TOOLS
            line = src.line(node)
        elif mode is not None and str(mode) not in _QUIET_MODES:
            warnings.append(
                AgentWarning(
                    src.line(node),
                    f"permissionMode `{mode}` is not honoured: cockpit's policy decides what "
                    "runs and what asks you",
                )
            )
    if not granted and not given_none:
        raise src.error(line, _no_tool(name, dropped))
    granted.update(ALWAYS_GRANTED)
    return tuple(t for t in TOOL_NAMES if t in granted), dropped, read_only


def _listed(
    src: YamlSource, node: yaml.Node, warnings: list[AgentWarning]
) -> tuple[set[str], list[str]]:
    """The cockpit tools a `tools:` list grants, and the names it has no equivalent for."""
    granted: set[str] = set()
    dropped: list[str] = []
    entries = _entries(src, node, "tools")
    for raw, line in entries:
        tool, args = _call(raw)
        mapped = _mapped(tool)
        if mapped is None:
            if tool not in dropped:
                dropped.append(tool)
            continue
        granted.add(mapped)
        if args is not None and mapped in _LIMITS_LOST:
            warnings.append(
                AgentWarning(
                    line,
                    f"`{raw}` is granted as `{mapped}` without its limit: cockpit cannot hold "
                    "it to that; each action still passes the policy",
                )
            )
    if not entries:
        note = "`tools` is empty: it can only answer and report"
        warnings.append(AgentWarning(src.line(node), note))
    if dropped:
        left_out = ", ".join(dropped)
        warnings.append(
            AgentWarning(src.line(node), f"tools cockpit does not have are left out: {left_out}")
        )
    return granted, dropped


def _no_tool(name: str, dropped: list[str]) -> str:
    reason = f"agent {name!r} is left with no tool cockpit can give it"
    if not dropped:
        return reason
    reason += f" ({', '.join(dropped)}: no cockpit equivalent"
    close = [difflib.get_close_matches(d, CLAUDE_TOOLS, n=1, cutoff=0.6) for d in dropped]
    hints = [f"`{d}` -> `{c[0]}`?" for d, c in zip(dropped, close, strict=True) if c]
    return reason + ("; " + ", ".join(hints) if hints else "") + ")"


def _entries(src: YamlSource, node: yaml.Node, key: str) -> list[tuple[str, int]]:
    """A tool list's entries with their lines: a list, or one comma-separated string."""
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    entries: list[tuple[str, int]] = []
    for item in items:
        value = src.value(item)
        if value is None:
            continue
        if not isinstance(value, str):
            raise src.error(item, f"`{key}` must name tools, not {value!r}")
        entries.extend((entry, src.line(item)) for entry in split_tool_list(value))
    return entries


def _call(raw: str) -> tuple[str, str | None]:
    """`Bash(git diff:*)` -> (`Bash`, `git diff:*`); `Read` -> (`Read`, None)."""
    match = _CALL.match(raw)
    if match is None:
        return raw, None
    return match["tool"].strip(), match["args"]


def _mapped(tool: str) -> str | None:
    if tool in TOOL_NAMES:
        return tool
    return CLAUDE_TOOLS.get(tool)


def _model(
    src: YamlSource, fields: Fields, default_model: str | None, *, read_only: bool
) -> tuple[str, tuple[AgentWarning, ...]]:
    node = fields["model"][1] if "model" in fields else None
    value = src.value(node) if node is not None else None
    if node is None or value is None or (isinstance(value, str) and not value.strip()):
        return read_model(src, {}, default_model, read_only=read_only)
    if not isinstance(value, str):
        fallback, _ = read_model(src, {}, default_model, read_only=read_only)
        note = f"`model` {value!r} is not a model name; it uses {fallback}"
        return fallback, (AgentWarning(src.line(node), note),)
    return read_model(src, fields, default_model, read_only=read_only)
