"""Real-world Claude Code agent files (their shapes, from public repositories): each one loads
as Claude Code would run it, or is skipped with the reason, and none stops the others."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from cockpit.agent.catalog import AgentCatalog, load_agents
from cockpit.config.workspace import Workspace

CORPUS = Path(__file__).parent / "corpus" / "claude"
INDEX: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "index.yaml").read_text())["files"]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> AgentCatalog:
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(CORPUS, root / ".claude" / "agents")
    return load_agents(Workspace(root))


def test_every_corpus_file_is_indexed_with_its_source() -> None:
    files = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.md")}
    assert files == set(INDEX)
    assert len(files) >= 30
    assert all(entry["source"] and entry["expect"] for entry in INDEX.values())


@pytest.mark.parametrize("rel", sorted(INDEX))
def test_each_file_loads_or_is_skipped_as_expected(catalog: AgentCatalog, rel: str) -> None:
    expect = INDEX[rel]["expect"]
    shown = f".claude/agents/{rel}"
    skipped = [s for s in catalog.skipped if catalog.shown(s.path) == shown]
    loaded = [d for d in catalog.values() if catalog.shown(d.source) == shown]
    if "agent" not in expect:
        assert not loaded, f"{rel} loaded but should not"
        (skip,) = skipped
        if "silent" in expect:
            assert skip.silent and expect["silent"] in skip.reason
            assert not any(n.startswith(shown) for n in catalog.notices())
        else:
            assert not skip.silent
            assert skip.line == expect["skipped"]["line"], skip
            assert expect["skipped"]["reason"] in skip.reason, skip.reason
            assert f"{shown}:{skip.line}: skipped: " in "\n".join(catalog.notices())
        return
    assert not skipped, skipped
    (agent,) = loaded
    assert agent.name == expect["agent"]
    for key, value in expect.items():
        if key == "tools":
            assert list(agent.tools) == value
        elif key == "writes":
            assert agent.describe_scope() == value
        elif key == "model":
            assert agent.model == value
        elif key == "dropped":
            assert list(agent.dropped_tools) == value
        elif key == "widens":
            assert list(agent.widens) == value
    messages = [w.message for w in agent.warnings]
    wanted = expect.get("warnings", [])
    assert len(messages) == len(wanted), messages
    for fragment in wanted:
        assert any(fragment in m for m in messages), (fragment, messages)


def test_the_corpus_leaves_every_built_in_and_most_files_usable(catalog: AgentCatalog) -> None:
    assert {"planner", "builder", "reviewer"} <= set(catalog)
    agents = [e for e in INDEX.values() if "agent" in e["expect"]]
    refused = [e for e in INDEX.values() if "skipped" in e["expect"]]
    assert len(agents) >= 25 and len(refused) == 4
    # What the user is told: one line per refused file, one per warning of its agents.
    notices = catalog.notices()
    assert sum(": skipped: " in n for n in notices) == len(refused)
    assert all("\n" not in n for n in notices)
