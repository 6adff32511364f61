from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.agent.catalog import load_agents
from cockpit.agent.claude_code import load_claude_agent
from cockpit.agent.definition import TOOL_NAMES, compose_system_prompt, load_agent_file
from cockpit.agent.models import ALIASES
from cockpit.config.workspace import Workspace, builtin_dir
from cockpit.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


def test_builtin_agents_load_with_the_tools_their_roles_promise(ws: Workspace) -> None:
    agents = load_agents(ws)
    assert {"planner", "builder", "reviewer"} <= set(agents)
    planner, builder, reviewer = agents["planner"], agents["builder"], agents["reviewer"]

    # The planner cannot write code: no shell, no edit, and write_file only for plan.md.
    assert "bash" not in planner.tools and "edit_file" not in planner.tools
    assert planner.scope == ("plan.md",)
    assert planner.may_write("plan.md")
    assert not planner.may_write("src/app.py")
    # The reviewer never edits: no writing tool, and an empty scope.
    assert not {"write_file", "edit_file"} & set(reviewer.tools)
    assert "bash" in reviewer.tools
    assert reviewer.scope == ()
    assert not reviewer.may_write("README.md")
    # The builder has everything and may write anywhere in the workspace.
    assert builder.tools == TOOL_NAMES
    assert builder.may_write("src/deep/module.py")

    for agent in agents.values():
        assert {"update_task", "report_blocked"} <= set(agent.tools)
        assert agent.model in ALIASES.values()
        assert agent.description and len(agent.system_prompt) > 500
        assert agent.source.parent == builtin_dir("agents")


def test_claude_code_file_loads_with_unknown_fields_ignored_and_tools_mapped(
    ws: Workspace,
) -> None:
    write(
        ws.root / ".claude/agents/code-reviewer.md",
        "---\n"
        "name: code-reviewer\n"
        "description: Reviews code for quality\n"
        "tools: Read, Grep, Glob, WebFetch, Bash(git diff:*), mcp__github__get_pr\n"
        "model: haiku\n"
        "color: purple\n"
        "maxTurns: 12\n"
        "hooks:\n"
        "  PreToolUse: [{matcher: Bash}]\n"
        "---\n"
        "You review code.\n",
    )
    agent = load_agents(ws)["code-reviewer"]
    assert agent.tools == ("bash", "read_file", "list_files", "update_task", "report_blocked")
    assert agent.dropped_tools == ("WebFetch", "mcp__github__get_pr")
    assert agent.model == ALIASES["haiku"]
    assert agent.description == "Reviews code for quality"
    assert agent.system_prompt == "You review code."
    # Without a writing tool it was read-only in Claude Code; it stays so through bash too.
    assert agent.scope == ()


def test_claude_code_tools_as_a_list_and_inherit_model(ws: Workspace) -> None:
    write(
        ws.root / ".claude/agents/fixer.md",
        "---\nname: fixer\ndescription: Fixes\nmodel: inherit\n"
        "tools:\n  - Read\n  - MultiEdit\n  - Write\n  - LS\n---\nFix things.\n",
    )
    write(ws.root / ".claude/agents/all.md", "---\nname: all\ndescription: All\n---\nBody\n")
    agents = load_agents(ws, default_model="opus")
    fixer = agents["fixer"]
    assert fixer.tools == (
        "read_file",
        "write_file",
        "edit_file",
        "list_files",
        "update_task",
        "report_blocked",
    )
    assert fixer.model == ALIASES["opus"]
    assert fixer.may_write("any/where.txt")
    assert agents["all"].tools == TOOL_NAMES


def test_cockpit_agents_override_claude_ones_which_override_builtins(ws: Workspace) -> None:
    write(ws.root / ".claude/agents/builder.md", "---\nname: builder\nmodel: opus\n---\nCC\n")
    write(ws.root / ".claude/agents/helper.md", "---\nname: helper\n---\nfrom claude\n")
    write(ws.agents_dir / "helper.md", "---\nname: helper\nmodel: haiku\n---\nfrom cockpit\n")
    agents = load_agents(ws)
    assert agents["builder"].system_prompt == "CC"
    assert agents["builder"].model == ALIASES["opus"]
    assert agents["helper"].system_prompt == "from cockpit"
    assert agents["helper"].source == ws.agents_dir / "helper.md"
    assert agents["planner"].source.parent == builtin_dir("agents")


def test_cockpit_file_with_scope_and_full_model_id(ws: Workspace) -> None:
    write(
        ws.agents_dir / "docs.md",
        "---\nname: docs\nmodel: qwen3-coder:30b\ntools: [read_file, write_file]\n"
        "scope: [docs, ./README.md, 'src/**/*.md']\n---\nWrite docs.\n",
    )
    agent = load_agents(ws)["docs"]
    assert agent.model == "qwen3-coder:30b"
    assert agent.tools == ("read_file", "write_file", "update_task", "report_blocked")
    assert agent.scope == ("docs", "README.md", "src/**/*.md")
    assert agent.may_write("docs/guide/intro.md")
    assert agent.may_write("README.md")
    assert agent.may_write("src/a/b/notes.md")
    assert not agent.may_write("src/a/b/code.py")
    assert not agent.may_write("docsx/file.md")


BAD_FILES = [
    ("You are an agent.\n", 1, "no front matter"),
    ("---\nname: x\ndescription: never closed\n", 1, "never closed"),
    ("---\nname: x\ntools: [bash\nmodel: sonnet\n---\nbody\n", 4, "invalid YAML"),
    ("---\nname: x\ndescription: d\ntools: 5\n---\nbody\n", 4, "`tools` must be a list"),
    ("---\nname: x\ntools:\n  - bash\n  - Bash\n---\n", 5, "unknown tool `Bash`"),
    ("---\nname: x\ntools: [bash, reed_file]\n---\n", 3, "did you mean `read_file`"),
    ("---\ndescription: no name here\nmodel: opus\n---\nbody\n", 1, "no `name:`"),
    ("---\nname: Bad Name\n---\n", 2, "must be lowercase"),
    ("---\nname: [a, b]\n---\n", 2, "`name` must be a string"),
    ("---\nname: x\nmodel: 5\n---\n", 3, "`model` must be a string"),
    ("---\n- name\n- x\n---\n", 2, "must be a mapping"),
    ("---\nname: x\ndescription: a\ndescription: b\n---\n", 4, "given twice"),
    ("---\nname: x\nscope:\n  - src\n  - /etc\n---\n", 5, "inside the workspace"),
    ("---\nname: x\nscope: ../up\n---\n", 3, "`scope` must be a list"),
    ("---\n---\nbody\n", 1, "front matter is empty"),
    ("---\nname: x\nmodel: !fast sonnet\n---\n", 3, "invalid YAML value: could not determine"),
    ("---\nname: x\ndescription: 2026-13-45\n---\n", 3, "invalid YAML value: month must be"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), BAD_FILES)
def test_a_bad_cockpit_file_names_file_and_line_and_the_rest_still_load(
    ws: Workspace, text: str, line: int, fragment: str
) -> None:
    path = write(ws.agents_dir / "bad.md", text)
    with pytest.raises(ConfigError) as caught:
        load_agent_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert fragment in message
    assert "\n" not in message

    catalog = load_agents(ws)
    assert {"planner", "builder", "reviewer"} <= set(catalog)
    (notice,) = catalog.notices()
    assert notice.startswith(f".cockpit/agents/bad.md:{line}: skipped: "), notice
    assert fragment in notice


def test_unknown_tools_in_a_claude_code_file_are_dropped_not_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "a.md", "---\nname: a\ntools: Bash, Task, Agent(explorer)\n---\n")
    agent = load_claude_agent(path)
    assert agent.tools == ("bash", "update_task", "report_blocked")
    assert agent.dropped_tools == ("Task", "Agent")
    # The same file read as a cockpit file: the Claude Code name is an error, with the fix.
    with pytest.raises(ConfigError, match=r"a\.md:3: unknown tool `Bash`.*calls .*`Bash` `bash`"):
        load_agent_file(path)


def test_two_files_with_one_name_in_a_folder_the_first_by_path_wins(ws: Workspace) -> None:
    first = write(ws.agents_dir / "a.md", "---\nname: twin\n---\nA\n")
    write(ws.agents_dir / "b.md", "---\nname: twin\n---\nB\n")
    catalog = load_agents(ws)
    assert catalog["twin"].source == first
    assert catalog.notices() == [
        ".cockpit/agents/b.md:1: skipped: agent 'twin' is already defined in .cockpit/agents/a.md"
    ]


def test_base_rules_and_workspace_rules_are_prepended(ws: Workspace) -> None:
    builder = load_agents(ws)["builder"]
    builtin_rules = (builtin_dir("rules") / "base.md").read_text(encoding="utf-8").strip()

    prompt = compose_system_prompt(builder, ws)
    assert prompt.startswith(builtin_rules)
    assert prompt.rstrip().endswith(builder.system_prompt)
    assert "# You are the `builder` agent" in prompt
    assert "Rules of this repository" not in prompt

    write(ws.rules_dir / "base.md", "Always use tabs in Makefiles.\n")
    prompt = compose_system_prompt(builder, ws)
    positions = [
        prompt.index(builtin_rules),
        prompt.index("Always use tabs in Makefiles."),
        prompt.index("# You are the `builder` agent"),
        prompt.index(builder.system_prompt),
    ]
    assert positions == sorted(positions)


def test_the_prompt_states_the_agents_tools_and_scope(ws: Workspace) -> None:
    agents = load_agents(ws)
    planner = compose_system_prompt(agents["planner"], ws)
    assert "You may write only paths matching `plan.md`" in planner
    assert "Your tools: read_file, write_file, list_files, update_task, report_blocked." in planner
    reviewer = compose_system_prompt(agents["reviewer"], ws)
    assert "You may not write or change any file" in reviewer
    # Deterministic, so the provider's prompt cache hits turn after turn.
    assert compose_system_prompt(agents["planner"], ws) == planner
