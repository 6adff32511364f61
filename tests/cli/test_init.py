"""`cockpit init`, run as a user runs it (`python -m cockpit init` in a fresh folder): each
team's agents, shared rules, plan.md and orchestration settings land in the workspace, the
agents load, the plan parses, and nothing the user wrote is overwritten without `--force`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cockpit.agent.catalog import load_agents
from cockpit.agent.definition import compose_system_prompt, load_agent_file
from cockpit.config.workspace import Workspace, builtin_dir
from cockpit.plan.document import Plan
from cockpit.policy.engine import Policy
from cockpit.policy.model import FileAction, FileOp, Tier

TEAMS = ("trio", "feature", "echelons", "boss-workers")


def cockpit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC")}
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def team_agents(team: str) -> set[str]:
    return {p.stem for p in (builtin_dir("teams") / team / "agents").glob("*.md")}


def written(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("team", TEAMS)
def test_each_team_is_written_and_cockpit_agents_lists_its_agents(
    tmp_path: Path, team: str
) -> None:
    done = cockpit(tmp_path, "init", "--team", team)

    assert done.returncode == 0, done.stderr
    names = team_agents(team)
    lead = yaml.safe_load((tmp_path / ".cockpit/config.yaml").read_text())["orchestration"]["lead"]
    assert written(tmp_path) == sorted(
        [f".cockpit/agents/{n}.md" for n in names]
        + [".cockpit/config.yaml", ".cockpit/rules/base.md", "plan.md"]
    )
    assert "run `" in done.stdout and f"the lead is {lead}." in done.stdout
    listed = cockpit(tmp_path, "agents", "--json")
    report = json.loads(listed.stdout)
    assert report["skipped"] == []
    ours = {a["name"] for a in report["agents"] if a["origin"] == "cockpit"}
    assert ours == names
    assert all(a["origin"] == "built-in" for a in report["agents"] if a["name"] not in names)
    assert lead in names


@pytest.mark.parametrize("team", TEAMS)
def test_plan_template_parses_with_no_problems_and_every_owner_is_a_team_agent(team: str) -> None:
    path = builtin_dir("teams") / team / "plan.md"
    names = team_agents(team)

    plan = Plan.parse(path.read_text(encoding="utf-8"), path)

    assert plan.problems(names) == []
    assert {t.owner for t in plan.tasks} == names  # every agent starts, and has work


def test_feature_team_has_twelve_roles_and_models_fit_their_jobs() -> None:
    folder = builtin_dir("teams") / "feature" / "agents"
    agents = {p.stem: load_agent_file(p) for p in folder.glob("*.md")}

    assert len(agents) == 12
    assert "opus" in agents["architect"].model and "opus" in agents["code-reviewer"].model
    assert "haiku" in agents["project-manager"].model
    assert "sonnet" in agents["backend"].model


def test_the_architect_cannot_write_code_by_its_tools(tmp_path: Path) -> None:
    architect = load_agent_file(builtin_dir("teams") / "feature" / "agents" / "architect.md")
    policy = Policy.load(tmp_path, home=tmp_path / "home", temp_dir=tmp_path / "tmp")

    def tier(op: FileOp, path: str) -> Tier:
        action = FileAction(op=op, path=tmp_path / path)
        return policy.assess(action, architect.write_scope).decision.tier

    assert "bash" not in architect.tools
    assert not architect.write_scope.allows("src/x.py")
    assert not architect.write_scope.allows("docs/ui-spec.md")
    assert architect.write_scope.allows("docs/system-plan.md")
    assert tier("write", "src/x.py") is Tier.DENY
    assert tier("edit", "src/x.py") is Tier.DENY
    assert tier("write", "docs/system-plan.md") is Tier.RUN


def test_leads_and_the_chronicler_write_only_their_own_files() -> None:
    teams = builtin_dir("teams")
    boss = load_agent_file(teams / "boss-workers" / "agents" / "boss.md")
    pm = load_agent_file(teams / "feature" / "agents" / "project-manager.md")
    chronicler = load_agent_file(teams / "echelons" / "agents" / "chronicler.md")

    for lead in (boss, pm):
        assert "bash" not in lead.tools
        assert lead.write_scope.allows("plan.md") and not lead.write_scope.allows("src/app.py")
    assert chronicler.write_scope.allows("docs/decisions/0001-schema.md")
    assert chronicler.write_scope.allows("MEMORY.md")
    assert not chronicler.write_scope.allows("src/app.py")


def test_the_shared_rules_reach_every_agents_system_prompt(tmp_path: Path) -> None:
    assert cockpit(tmp_path, "init", "--team", "echelons").returncode == 0
    workspace = Workspace(tmp_path)
    catalog = load_agents(workspace)

    for name in team_agents("echelons"):
        prompt = compose_system_prompt(catalog[name], workspace)
        assert "`arbiter` is the lead. It alone talks to the human" in prompt, name


def test_an_existing_file_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    mine = tmp_path / ".cockpit" / "agents" / "builder.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("my builder\n")

    done = cockpit(tmp_path, "init")

    assert done.returncode == 1
    assert ".cockpit/agents/builder.md exists" in done.stderr
    assert "nothing written" in done.stderr and "Traceback" not in done.stderr
    assert written(tmp_path) == [".cockpit/agents/builder.md"]
    assert mine.read_text() == "my builder\n"


def test_force_overwrites_the_team_files_but_keeps_plan_md_and_other_settings(
    tmp_path: Path,
) -> None:
    (tmp_path / ".cockpit" / "agents").mkdir(parents=True)
    (tmp_path / ".cockpit" / "agents" / "planner.md").write_text("old\n")
    config = tmp_path / ".cockpit" / "config.yaml"
    config.write_text("merge:\n  integration: make test\norchestration:\n  lead: someone\n")
    (tmp_path / "plan.md").write_text("# my plan\n")

    refused = cockpit(tmp_path, "init")
    assert refused.returncode == 1
    assert "already has an `orchestration:` section (line 3)" in refused.stderr
    forced = cockpit(tmp_path, "init", "--force")

    assert forced.returncode == 0, forced.stderr
    assert "replaced .cockpit/agents/planner.md" in forced.stdout
    assert "kept plan.md" in forced.stdout
    assert (tmp_path / "plan.md").read_text() == "# my plan\n"
    settings = yaml.safe_load(config.read_text())
    assert settings["merge"] == {"integration": "make test"}
    assert settings["orchestration"]["lead"] == "planner"
    assert "name: planner" in (tmp_path / ".cockpit" / "agents" / "planner.md").read_text()


@pytest.mark.parametrize(
    "before",
    [
        "orchestration:\n  lead: someone\n  iterations: 9\nmerge:\n  integration: make test\n",
        "model: opus\norchestration: {lead: someone}\nmerge:\n  integration: make test\n",
    ],
)
def test_force_replaces_only_the_orchestration_section(tmp_path: Path, before: str) -> None:
    config = tmp_path / ".cockpit" / "config.yaml"
    config.parent.mkdir()
    config.write_text(before)

    done = cockpit(tmp_path, "init", "--team", "feature", "--force")

    assert done.returncode == 0, done.stderr
    settings = yaml.safe_load(config.read_text())
    assert settings["merge"] == {"integration": "make test"}
    assert settings["orchestration"]["lead"] == "project-manager"
    assert "iterations" in settings["orchestration"] and "someone" not in config.read_text()


def test_a_config_without_orchestration_is_merged_without_force(tmp_path: Path) -> None:
    config = tmp_path / ".cockpit" / "config.yaml"
    config.parent.mkdir()
    config.write_text("# mine\nmodel: opus")

    done = cockpit(tmp_path, "init", "--team", "boss-workers")

    assert done.returncode == 0, done.stderr
    text = config.read_text()
    assert text.startswith("# mine\nmodel: opus\n")
    assert yaml.safe_load(text)["orchestration"]["lead"] == "boss"


def test_in_a_git_repository_the_team_lands_at_its_top(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "src").mkdir()

    done = cockpit(tmp_path / "src", "init", "--team", "trio")

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "plan.md").is_file() and (tmp_path / ".cockpit/agents/planner.md").is_file()
    assert not (tmp_path / "src" / ".cockpit").exists()


def test_list_and_an_unknown_team(tmp_path: Path) -> None:
    listed = cockpit(tmp_path, "init", "--list")
    unknown = cockpit(tmp_path, "init", "--team", "nope")

    assert [line.split()[0] for line in listed.stdout.splitlines()] == sorted(TEAMS)
    assert unknown.returncode == 2
    assert unknown.stderr.strip().splitlines() == [
        "cockpit: no team named 'nope' (teams: boss-workers, echelons, feature, trio)"
    ]
    assert written(tmp_path) == []


def test_a_file_in_the_way_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / ".cockpit").write_text("not a folder\n")

    done = cockpit(tmp_path, "init")

    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "cockpit: .cockpit/agents/builder.md: cannot write: Not a directory"
    ]
