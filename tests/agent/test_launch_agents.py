"""A session starts whatever agent files a repository holds: skipped files are told and
logged, the session's model is the one asked for, and an unpriced model says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config.workspace import Workspace
from cockpit.session.chain import read_events
from cockpit.session.state import fold
from cockpit.supervisor.launch import LaunchOptions, prepare_resume
from tests.supervisor._inprocess import finish, logged, start
from tests.supervisor.conftest import clean_env, cockpit, events, git, of_kind, session_log

SCRIPT = """
agents:
  builder:
    - text: "Nothing to change."
  helper:
    - text: "Helped."
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    agents = root / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "README.md").write_text("# The agents of this repository\n")
    (agents / "bad.md").write_text("---\nname: bad\ntools: [Read\n---\n")
    (agents / "helper.md").write_text("---\nname: helper\nmodel: inherit\n---\nHelp.\n")
    (root / "plan.md").write_text("# Plan\n\n- [ ] Look around @builder\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.email=t@t", "-c", "user.name=t", "add", "-A")
    git(root, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init")
    return root


async def test_a_bad_agent_file_is_told_and_logged_and_the_session_runs(repo: Path) -> None:
    prepared = await start(repo, SCRIPT, ["builder"])
    try:
        assert prepared.notices == [
            ".claude/agents/bad.md:4: skipped: invalid YAML: expected ',' or ']', "
            "but got '<stream end>'"
        ]
        assert await prepared.supervisor.wait() == {"builder": "done"}
        (started,) = logged(prepared, "session.started")
        assert started["data"]["skipped_agents"] == [
            {
                "path": ".claude/agents/bad.md",
                "line": 4,
                "reason": "invalid YAML: expected ',' or ']', but got '<stream end>'",
            }
        ]
        assert started["data"]["model"] == "claude-sonnet-5-5"
    finally:
        await finish(prepared)


def test_headless_run_starts_with_a_readme_in_claude_agents(repo: Path, tmp_path: Path) -> None:
    (repo / ".claude" / "agents" / "bad.md").unlink()
    script = tmp_path / "script.yaml"
    script.write_text(SCRIPT)
    run = cockpit(repo, "run", "--headless", "--agents", "builder", "--script", str(script))
    assert run.returncode == 0, run.stderr
    started = of_kind(events(session_log(repo)), "session.started")[0]
    assert started["data"]["skipped_agents"] == []


def test_model_flag_and_anthropic_model_set_the_sessions_model(repo: Path, tmp_path: Path) -> None:
    script = tmp_path / "script.yaml"
    script.write_text(SCRIPT)
    args = ("run", "--headless", "--agents", "helper,builder", "--script", str(script))
    run = cockpit(repo, *args, "--model", "haiku", env={"ANTHROPIC_MODEL": "opus"})
    assert run.returncode == 0, run.stderr
    models = {
        e["agent"]: e["data"]["model"] for e in of_kind(events(session_log(repo)), "agent.started")
    }
    # `inherit` follows the session; the built-in builder keeps the model it names.
    assert models == {"helper": "claude-haiku-5-5", "builder": "claude-sonnet-5-5"}

    (repo / ".cockpit" / "sessions").rename(tmp_path / "first")
    run = cockpit(repo, *args, env={"ANTHROPIC_MODEL": "fable"})
    assert run.returncode == 0, run.stderr
    started = of_kind(events(session_log(repo)), "agent.started")
    assert {e["agent"]: e["data"]["model"] for e in started}["helper"] == "claude-fable-5-1"


async def test_resume_keeps_the_sessions_model(repo: Path) -> None:
    prepared = await start(repo, SCRIPT, ["helper"], model="haiku")
    await finish(prepared)
    options = LaunchOptions(workspace=Workspace(repo), env=clean_env({"ANTHROPIC_MODEL": "opus"}))
    resumed = prepare_resume(options, prepared.session)
    try:
        assert options.model == "claude-haiku-5-5"
        assert [s.definition.model for s in resumed.setups] == ["claude-haiku-5-5"]
    finally:
        resumed.log.close()


async def test_a_model_without_a_price_says_so_in_the_log_and_the_state(repo: Path) -> None:
    prepared = await start(repo, SCRIPT, ["helper", "builder"], model="qwen3-coder:30b")
    try:
        assert prepared.notices[-1] == (
            "--model / ANTHROPIC_MODEL: model `qwen3-coder:30b` is not one cockpit knows: it is "
            "sent as written, and its cost cannot be counted"
        )
        assert await prepared.supervisor.wait() == {"helper": "done", "builder": "done"}
        usage = {e["agent"]: e["data"] for e in logged(prepared, "model.usage")}
        assert usage["helper"]["priced"] is False
        assert usage["helper"]["cost_usd"] == 0.0
        assert "priced" not in usage["builder"]
        state = fold(read_events(prepared.log.path))
        assert state.agents["helper"].unpriced_model == "qwen3-coder:30b"
        assert state.agents["builder"].unpriced_model is None
    finally:
        await finish(prepared)


SEARCHER = """
agents:
  searcher:
    - calls:
        - bash: {command: "grep -rn 'Look around' . --include=*.md"}
        - bash: {command: "python3 -c \\"open('pwned', 'w').write('x')\\""}
        - bash: {command: "make"}
        - bash: {command: "git commit --allow-empty -qm sneaky"}
    - text: "Searched."
"""


async def test_an_agent_given_grep_but_not_bash_runs_read_only_commands_only(
    repo: Path,
) -> None:
    (repo / "Makefile").write_text("all:\n\ttouch made\n")
    (repo / ".claude" / "agents" / "searcher.md").write_text(
        "---\nname: searcher\ntools: Read, Grep, Glob\n---\nSearch.\n"
    )
    head = git(repo, "rev-parse", "HEAD")
    prepared = await start(repo, SEARCHER, ["searcher"])
    try:
        assert await prepared.supervisor.wait() == {"searcher": "done"}
        tiers = [d["data"]["tier"] for d in logged(prepared, "policy.decided")]
        assert tiers == [1, "deny", "deny", "deny"]
        denied = logged(prepared, "policy.decided")[1]["data"]["reasons"][-1]
        assert denied.startswith("searcher may run read-only commands only: its file grants")
        assert not (repo / "pwned").exists() and not (repo / "made").exists()
        assert git(repo, "rev-parse", "HEAD") == head  # no commit slipped through
        (search,) = [f for f in logged(prepared, "tool.finished") if f["data"]["exit_code"] == 0]
        assert "plan.md:3:- [ ] Look around @builder" in search["data"]["output"]  # it searched
    finally:
        await finish(prepared)


def test_a_cockpit_agent_file_with_claude_codes_limits_is_refused_not_widened(
    repo: Path,
) -> None:
    agents = repo / ".cockpit" / "agents"
    agents.mkdir(parents=True)
    (agents / "ro.md").write_text(
        "---\nname: ro\ntools: [read_file, write_file]\npermissionMode: plan\n---\nRead.\n"
    )
    listed = cockpit(repo, "agents")
    assert listed.returncode == 0, listed.stderr
    assert (
        ".cockpit/agents/ro.md:4: `permissionMode` is Claude Code's: a cockpit agent file says "
        "what it may do with `tools` and `scope`" in listed.stdout
    )
    assert "\nro " not in listed.stdout and "agent ro" not in listed.stdout
