"""`cockpit agents [--json]`, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def cockpit(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *args],
        cwd=root,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    agents = root / ".claude" / "agents"
    write(agents / "README.md", "# Agents we use\n")
    write(
        agents / "research/explorer.md",
        "---\nname: explorer\ndescription: Finds things\ntools: Read, Grep, WebFetch\n"
        "model: haiku\n---\nExplore.\n",
    )
    write(agents / "broken.md", "---\nname: broken\ndescription: [unclosed\n---\n")
    write(agents / "evil\x1b[2J.md", '---\nname: "evil\\e]0;pwned\\a"\n---\n')
    write(
        root / ".cockpit" / "agents" / "local.md", "---\nname: local\nmodel: my-local-model\n---\n"
    )
    return root


def test_agents_lists_every_agent_and_every_skipped_file(repo: Path) -> None:
    run = cockpit(repo, "agents", env={"ANTHROPIC_MODEL": "opus"})
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.startswith(
        "session model: claude-opus-5-5 (--model, else $ANTHROPIC_MODEL, else sonnet)\n"
    )
    explorer = out.split("\nexplorer  ", 1)[1].split("\n\n", 1)[0].splitlines()
    assert explorer == [
        "claude-haiku-5-5",
        "  from     .claude/agents/research/explorer.md (Claude Code)",
        "  tools    bash, read_file, update_task, report_blocked (bash: read-only commands)",
        "  writes   nothing",
        "  dropped  WebFetch",
        "  warning  line 4: tools cockpit does not have are left out: WebFetch",
    ]
    assert "\nlocal  my-local-model (no price: not a model cockpit knows)\n" in out
    assert "  warning  line 3: model `my-local-model` is not one cockpit knows" in out
    assert "\nreviewer  claude-opus-5-5\n  from     agents/reviewer.md (built-in)\n" in out
    skipped = out.split("skipped agent files:\n", 1)[1].splitlines()
    assert skipped == [
        "  .claude/agents/README.md:1: not an agent file (no front matter)",
        "  .claude/agents/broken.md:4: invalid YAML: expected ',' or ']', but got '<stream end>'",
        "  .claude/agents/evil\\x1b[2J.md:2: `name` 'evil\\x1b]0;pwned\\x07' holds a control "
        "character",
    ]
    assert "\x1b" not in out and "\x07" not in out


def test_agents_json_is_plain_data_a_script_can_read(repo: Path) -> None:
    run = cockpit(repo, "agents", "--json", "--model", "sonnet[1m]")
    assert run.returncode == 0, run.stderr
    assert "\x1b" not in run.stdout
    data = json.loads(run.stdout)
    assert data["session_model"] == {"model": "claude-sonnet-5-5", "priced": True}
    by_name = {a["name"]: a for a in data["agents"]}
    assert set(by_name) == {"builder", "explorer", "local", "planner", "reviewer"}
    assert by_name["explorer"] | {"warnings": []} == {
        "name": "explorer",
        "source": ".claude/agents/research/explorer.md",
        "origin": "Claude Code",
        "model": "claude-haiku-5-5",
        "priced": True,
        "tools": ["bash", "read_file", "update_task", "report_blocked"],
        "read_only_shell": True,
        "writes": "nothing",
        "scope": [],
        "dropped_tools": ["WebFetch"],
        "replaces": None,
        "widens": [],
        "warnings": [],
    }
    assert by_name["local"]["priced"] is False
    assert by_name["planner"]["scope"] == ["plan.md"]
    assert [(s["path"], s["line"], s["silent"]) for s in data["skipped"]] == [
        (".claude/agents/README.md", 1, True),
        (".claude/agents/broken.md", 4, False),
        (".claude/agents/evil\x1b[2J.md", 2, False),
    ]


def test_agents_command_imports_neither_textual_nor_the_sdk() -> None:
    code = (
        "import sys, cockpit.cli.agents, cockpit.agent.catalog; "
        "assert not {'textual', 'anthropic'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
