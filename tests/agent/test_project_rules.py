"""The repository's AGENTS.md and CLAUDE.md reach every agent, once, capped, and `cockpit rules`
says what was given."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.agent.catalog import load_agents, startup_notices
from cockpit.agent.definition import compose_system_prompt
from cockpit.agent.project_rules import MAX_RULES_BYTES
from cockpit.config.workspace import Workspace, builtin_dir

REPO = Path(__file__).resolve().parents[2]
AGENTS_MD = "# How we work\n\nRun `make check` before you say done.\n"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    root = tmp_path / "repo"
    root.mkdir()
    return Workspace(root)


def prompt(ws: Workspace, name: str = "builder") -> str:
    return compose_system_prompt(load_agents(ws)[name], ws)


def test_agents_md_comes_after_the_base_rules_under_a_heading_naming_it(ws: Workspace) -> None:
    (ws.root / "AGENTS.md").write_text(AGENTS_MD)
    (ws.rules_dir).mkdir(parents=True)
    (ws.rules_dir / "base.md").write_text("Tabs in Makefiles.\n")
    text = prompt(ws)
    base = (builtin_dir("rules") / "base.md").read_text(encoding="utf-8").strip()
    order = [
        text.index(base),
        text.index("Tabs in Makefiles."),
        text.index("# Project rules from AGENTS.md\n\n# How we work"),
        text.index("# You are the `builder` agent"),
    ]
    assert order == sorted(order)
    assert "Run `make check` before you say done." in prompt(ws, "reviewer")


@pytest.mark.parametrize(
    "claude_md",
    ["link", "@AGENTS.md\n", "See [AGENTS.md](./AGENTS.md).\n", AGENTS_MD],
)
def test_claude_md_that_stands_for_agents_md_is_one_copy(ws: Workspace, claude_md: str) -> None:
    (ws.root / "AGENTS.md").write_text(AGENTS_MD)
    if claude_md == "link":
        (ws.root / "CLAUDE.md").symlink_to("AGENTS.md")
    else:
        (ws.root / "CLAUDE.md").write_text(claude_md)
    text = prompt(ws)
    assert text.count("Run `make check`") == 1
    assert "# Project rules from CLAUDE.md" not in text


def test_agents_md_that_points_at_claude_md_gives_claude_md(ws: Workspace) -> None:
    (ws.root / "CLAUDE.md").write_text("Use uv, never pip.\n")
    (ws.root / "AGENTS.md").symlink_to("CLAUDE.md")
    text = prompt(ws)
    assert text.count("Use uv, never pip.") == 1
    assert "# Project rules from CLAUDE.md" in text


def test_two_different_files_are_both_given_in_order(ws: Workspace) -> None:
    (ws.root / "AGENTS.md").write_text(AGENTS_MD)
    (ws.root / "CLAUDE.md").write_text("@AGENTS.md\n\nClaude only: keep answers short.\n" * 3)
    text = prompt(ws)
    assert text.index("# Project rules from AGENTS.md") < text.index(
        "# Project rules from CLAUDE.md"
    )


def test_rules_are_capped_and_the_prompt_says_where_they_were_cut(ws: Workspace) -> None:
    line = "- Prefer small functions with names from the domain.\n"
    (ws.root / "AGENTS.md").write_text(line * 3000)  # about 160 KB
    (ws.root / "CLAUDE.md").write_text("Never seen: the budget is spent.\n")
    text = prompt(ws)
    given = text.split("# Project rules from AGENTS.md\n\n", 1)[1].split("\n\n(AGENTS.md", 1)[0]
    assert MAX_RULES_BYTES - len(line) < len(given.encode()) + 1 <= MAX_RULES_BYTES
    assert given.endswith("domain.")  # cut at a line break, not mid-word
    assert f"of its {len(line) * 3000:,} bytes.)" in text
    assert "Never seen" not in text
    kept = len(given.encode()) + 1
    assert startup_notices(load_agents(ws), ["builder"], "claude-sonnet-5-5") == [
        f"AGENTS.md:1: is {len(line) * 3000:,} bytes; agents get the first {kept:,}",
        "CLAUDE.md:1: not given: the rules before it fill the 32,768-byte cap",
    ]


def test_a_rules_file_pointing_outside_the_workspace_is_not_read(
    ws: Workspace, tmp_path: Path
) -> None:
    secret = tmp_path / "id_ed25519"
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    (ws.root / "AGENTS.md").symlink_to(secret)
    (ws.root / "CLAUDE.md").write_bytes(b"caf\xe9\n")
    assert "PRIVATE KEY" not in prompt(ws)
    assert startup_notices(load_agents(ws), ["builder"], "claude-sonnet-5-5") == [
        f"AGENTS.md:1: links outside the workspace ({secret}): not read",
        "CLAUDE.md:1: is not UTF-8 text: not read (invalid continuation byte)",
    ]


def cockpit(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cockpit_rules_lists_the_project_rules(ws: Workspace) -> None:
    (ws.root / "AGENTS.md").write_text(AGENTS_MD)
    (ws.root / "CLAUDE.md").symlink_to("AGENTS.md")
    run = cockpit(ws.root, "rules")
    assert run.returncode == 0, run.stderr
    tail = run.stdout.split("project rules (every agent reads them after the shared base rules):")
    assert tail[1].splitlines()[1:] == [
        f"  AGENTS.md   {len(AGENTS_MD):>8,} bytes  given to agents",
        f"  CLAUDE.md   {len(AGENTS_MD):>8,} bytes  not given; links to AGENTS.md: one copy",
    ]
    data = json.loads(cockpit(ws.root, "rules", "--json").stdout)
    assert [(p["file"], p["included"], p["cut"]) for p in data["project_rules"]] == [
        ("AGENTS.md", True, False),
        ("CLAUDE.md", False, False),
    ]


def test_cockpit_rules_says_when_there_are_none(ws: Workspace) -> None:
    run = cockpit(ws.root, "rules")
    assert run.stdout.rstrip().endswith("none: no AGENTS.md or CLAUDE.md at the repository root")
