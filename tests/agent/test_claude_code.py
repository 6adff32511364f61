"""Claude Code agent files read the way Claude Code reads them: what loads, what it may do,
and the one line that says why when it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.agent.claude_code import load_claude_agent, quote_single_line_values, split_tool_list
from cockpit.agent.definition import TOOL_NAMES, AgentDefinition, NotAnAgent
from cockpit.agent.models import ALIASES
from cockpit.config.yaml_source import SourceError


def agent(tmp_path: Path, front: str, body: str = "Body.\n", **kw: str) -> AgentDefinition:
    path = tmp_path / "a.md"
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return load_claude_agent(path, **kw)


def refused(tmp_path: Path, front: str) -> SourceError:
    with pytest.raises(SourceError) as caught:
        agent(tmp_path, front)
    return caught.value


def test_the_generators_one_line_description_with_examples_loads(tmp_path: Path) -> None:
    described = agent(
        tmp_path,
        "name: explainer\n"
        "description: Use this agent to explain code. Examples: <example>Context: a new "
        'file\\nuser: "What does this do?"\\nassistant: "I will explain it"</example>\n'
        "model: inherit\n"
        "tools: Read, Grep  # read-only\n",
    )
    assert described.description.startswith("Use this agent to explain code. Examples: <ex")
    assert described.description.endswith("</example>")
    assert described.tools == ("bash", "read_file", "update_task", "report_blocked")


def test_quoting_keeps_lines_and_leaves_yaml_it_does_not_need_to_touch() -> None:
    front = (
        "name: a\ndescription: Use it: always # trailing comment\n"
        "tools: 'Read'\nhooks:\n  Stop: x\nsummary: first\n  continued: here\n"
    )
    quoted = quote_single_line_values(front)
    assert quoted is not None
    assert quoted.split("\n") == [
        'name: "a"',
        'description: "Use it: always"',
        "tools: 'Read'",
        "hooks:",
        "  Stop: x",
        "summary: first",
        "  continued: here",
        "",
    ]


def test_a_front_matter_still_broken_after_quoting_names_its_first_error(tmp_path: Path) -> None:
    error = refused(tmp_path, "name: x\ndescription: one: two\n<example>\nmodel: opus\n")
    assert error.line == 3
    assert error.reason.startswith("invalid YAML: mapping values are not allowed here")
    assert str(error) == f"{tmp_path / 'a.md'}:3: {error.reason}"


@pytest.mark.parametrize(
    "name", ["Code Reviewer 👀", "api.designer", "CTO Lead Agent", "Überprüfer", "x_1"]
)
def test_names_claude_code_accepts_load(tmp_path: Path, name: str) -> None:
    assert agent(tmp_path, f'name: "{name}"\n').name == name


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("-dash", "may not start with `-` or hold `:`"),
        ("team:lead", "may not start with `-` or hold `:`"),
        ("bell\\x07ringer", "holds a control character"),
        ("right\\u202eleft", "holds a control character"),
    ],
)
def test_names_claude_code_refuses_or_that_would_reach_a_terminal_raw(
    tmp_path: Path, name: str, fragment: str
) -> None:
    error = refused(tmp_path, f'name: "{name}"\n')
    assert error.line == 2 and fragment in error.reason
    assert "\x07" not in str(error) and "\u202e" not in str(error)


@pytest.mark.parametrize(
    "text", ["Just notes.\n", "---\ndescription: no name\n---\n", "---\nname:\n---\n", "---\nx\n"]
)
def test_no_front_matter_or_no_name_is_not_an_agent(tmp_path: Path, text: str) -> None:
    path = tmp_path / "notes.md"
    path.write_text(text)
    with pytest.raises(NotAnAgent):
        load_claude_agent(path)


def test_tools_split_on_commas_outside_parentheses() -> None:
    assert split_tool_list("Agent(worker, researcher), Read, Bash(git diff:*),Grep") == [
        "Agent(worker, researcher)",
        "Read",
        "Bash(git diff:*)",
        "Grep",
    ]


def test_an_agent_tool_with_a_list_inside_is_dropped_whole(tmp_path: Path) -> None:
    coordinator = agent(
        tmp_path, "name: coordinator\ntools: Agent(worker, researcher), Read, Bash\n"
    )
    assert coordinator.tools == ("bash", "read_file", "update_task", "report_blocked")
    assert coordinator.dropped_tools == ("Agent",)
    assert [w.message for w in coordinator.warnings] == [
        "tools cockpit does not have are left out: Agent"
    ]


def test_a_limit_cockpit_cannot_keep_is_said(tmp_path: Path) -> None:
    differ = agent(tmp_path, "name: differ\ntools: Read, Bash(git diff:*)\n")
    assert differ.tools == ("bash", "read_file", "update_task", "report_blocked")
    (warning,) = differ.warnings
    assert warning.line == 3
    assert warning.message.startswith("`Bash(git diff:*)` is granted as `bash` without its limit")


def test_disallowed_write_and_edit_leave_an_empty_write_scope(tmp_path: Path) -> None:
    checker = agent(tmp_path, "name: checker\ndisallowedTools: Write, Edit\n")
    assert checker.tools == ("bash", "read_file", "list_files", "update_task", "report_blocked")
    assert checker.scope == ()
    assert not checker.may_write("src/app.py")


def test_disallowing_grep_alone_keeps_a_granted_shell(tmp_path: Path) -> None:
    runner = agent(tmp_path, "name: runner\ntools: [Bash, Read]\ndisallowedTools: [Grep]\n")
    assert "bash" in runner.tools
    silent = agent(tmp_path, "name: silent\ntools: [Grep, Read]\ndisallowedTools: Bash\n")
    assert "bash" not in silent.tools


def test_plan_mode_is_read_only_even_with_writing_tools(tmp_path: Path) -> None:
    planner = agent(tmp_path, "name: p\ntools: Read, Write, Edit, Bash\npermissionMode: plan\n")
    assert not {"write_file", "edit_file"} & set(planner.tools)
    assert planner.scope == ()
    assert planner.warnings == ()


def test_other_permission_modes_hooks_and_mcp_servers_are_warned_about(tmp_path: Path) -> None:
    bold = agent(
        tmp_path,
        "name: bold\n"
        "permissionMode: bypassPermissions\n"
        "mcpServers:\n  github:\n    command: npx\n"
        "hooks:\n  PreToolUse:\n    - matcher: Bash\n",
    )
    assert [(w.line, w.message.split(":")[0]) for w in bold.warnings] == [
        (3, "permissionMode `bypassPermissions` is not honoured"),
        (4, "`mcpServers` are ignored"),
        (7, "`hooks` are not run by cockpit"),
    ]
    assert bold.tools == TOOL_NAMES


@pytest.mark.parametrize(
    ("front", "line", "fragment"),
    [
        ("name: web\ntools: WebFetch, WebSearch\n", 3, "(WebFetch, WebSearch: no cockpit"),
        ("name: web\ntools: [mcp__github__get_pr]\n", 3, "(mcp__github__get_pr: no cockpit"),
        ("name: lower\ntools: read, grep\n", 3, "`read` -> `Read`?, `grep` -> `Grep`?"),
        ("name: none\ntools: Write\npermissionMode: plan\n", 4, "left with no tool"),
        ("name: none\ntools: Edit\ndisallowedTools: Edit\n", 4, "left with no tool"),
    ],
)
def test_an_agent_left_with_no_usable_tool_is_refused_in_one_line(
    tmp_path: Path, front: str, line: int, fragment: str
) -> None:
    error = refused(tmp_path, front)
    assert error.line == line
    assert "is left with no tool cockpit can give it" in error.reason
    assert fragment in error.reason


def test_an_empty_tool_list_runs_with_no_tools_as_in_claude_code(tmp_path: Path) -> None:
    advisor = agent(tmp_path, "name: advisor\ntools: []\n")
    assert advisor.tools == ("update_task", "report_blocked")
    assert advisor.scope == ()
    assert advisor.warnings[0].message == "`tools` is empty: it can only answer and report"


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("inherit", "claude-haiku-5-5"),
        ("default", "claude-haiku-5-5"),
        ("sonnet", ALIASES["sonnet"]),
        ("opus[1m]", ALIASES["opus"]),
        ("fable", "claude-fable-5-1"),
        ("best", "claude-opus-5-5"),
        ("opusplan", ALIASES["sonnet"]),
        ("claude-opus-4-6", "claude-opus-4-6"),
    ],
)
def test_models_resolve_to_what_claude_code_means(
    tmp_path: Path, model: str, expected: str
) -> None:
    defn = agent(tmp_path, f"name: m\nmodel: {model}\n", default_model="haiku")
    assert defn.model == expected
    assert defn.warnings == ()


def test_opusplan_is_opus_for_a_read_only_agent(tmp_path: Path) -> None:
    looker = agent(tmp_path, "name: looker\nmodel: opusplan\ntools: Read, Glob\n")
    assert looker.model == ALIASES["opus"]


def test_no_model_is_the_sessions_model(tmp_path: Path) -> None:
    assert agent(tmp_path, "name: m\n", default_model="claude-opus-4-7").model == "claude-opus-4-7"
    assert agent(tmp_path, "name: m\nmodel:\n").model == ALIASES["sonnet"]


def test_an_unknown_model_is_a_warning_at_load_not_a_refusal(tmp_path: Path) -> None:
    typo = agent(tmp_path, "name: typo\nmodel: claude-sonet-5-5\n")
    assert typo.model == "claude-sonet-5-5"
    (warning,) = typo.warnings
    assert warning.line == 3
    assert warning.message == (
        "model `claude-sonet-5-5` is not one cockpit knows (did you mean `claude-sonnet-5-5`?): "
        "it is sent as written, and its cost cannot be counted"
    )
    numeric = agent(tmp_path, "name: n\nmodel: 4\n")
    assert numeric.model == ALIASES["sonnet"]
    assert "`model` 4 is not a model name" in numeric.warnings[0].message


def test_an_unreadable_or_binary_file_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "b.md"
    path.write_bytes(b"---\nname: b\ndescription: caf\xe9\n---\n")
    with pytest.raises(SourceError) as caught:
        load_claude_agent(path)
    assert (caught.value.line, caught.value.reason) == (3, "agent file is not UTF-8 text")
    link = tmp_path / "gone.md"
    link.symlink_to(tmp_path / "nowhere" / "agent.md")
    with pytest.raises(SourceError, match=r"gone\.md:1: cannot read agent file: No such file"):
        load_claude_agent(link)


def test_a_model_id_with_a_control_character_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, 'name: esc\nmodel: "claude\\e]0;PWNED\\a"\n')
    assert error.line == 3 and "holds a control character" in str(error)
