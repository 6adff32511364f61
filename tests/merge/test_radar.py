"""The conflict radar: which agents touch the same paths, whether their work really
conflicts (uncommitted work included), and `git merge-tree` run only when something new
overlaps."""

from __future__ import annotations

from pathlib import Path

from cockpit.merge.radar import AgentHead, Radar
from cockpit.session.kinds import RadarOverlap
from tests.merge.repos import agent_worktree, commit_in, git, make_repo, write

LINES = "".join(f"line {n}\n" for n in range(30))


def edited(line: int, text: str) -> str:
    rows = LINES.splitlines(keepends=True)
    rows[line] = text + "\n"
    return "".join(rows)


async def test_disjoint_agents_overlap_nowhere_and_cost_no_merge(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"app.txt": LINES})
    one = commit_in(agent_worktree(repo, "builder", base), {"a.txt": "a\n"})
    two = commit_in(agent_worktree(repo, "writer", base), {"b.txt": "b\n"})
    radar = Radar(repo, base)
    assert await radar.scan([AgentHead("builder", one), AgentHead("writer", two)]) == []
    assert radar.merges_run == 0


async def test_the_same_file_in_different_places_overlaps_without_conflict_and_is_cached(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"app.txt": LINES})
    builder = agent_worktree(repo, "builder", base)
    one = commit_in(builder, {"app.txt": edited(2, "builder was here")})
    two = commit_in(agent_worktree(repo, "writer", base), {"app.txt": edited(25, "writer too")})
    radar = Radar(repo, base)
    agents = [AgentHead("builder", one), AgentHead("writer", two)]

    (overlap,) = await radar.scan(agents)

    assert (overlap.paths, overlap.conflict, overlap.conflicts) == (("app.txt",), False, ())
    event = overlap.event()
    assert isinstance(event, RadarOverlap)
    assert event.data() == {
        "agents": ["builder", "writer"],
        "heads": [one, two],
        "paths": ["app.txt"],
        "conflict": False,
        "conflicts": [],
    }
    await radar.scan(agents)
    assert radar.merges_run == 1  # the same two heads: answered from the cache
    three = commit_in(builder, {"app.txt": edited(25, "builder moves in")})
    (overlap,) = await radar.scan([AgentHead("builder", three), AgentHead("writer", two)])
    assert overlap.conflict and overlap.conflicts == ("app.txt",)
    assert radar.merges_run == 2


async def test_uncommitted_work_is_seen_conflicting_and_the_agents_index_is_left_alone(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo, {"app.txt": LINES})
    one = commit_in(agent_worktree(repo, "builder", base), {"app.txt": edited(5, "committed")})
    writer = agent_worktree(repo, "writer", base)
    write(writer, {"app.txt": edited(5, "not committed yet"), "new.txt": "untracked\n"})
    status = git(writer, "status", "--porcelain=v1")
    radar = Radar(repo, base)
    agents = [AgentHead("builder", one), AgentHead("writer", base, writer)]

    (overlap,) = await radar.scan(agents)

    assert overlap.agents == ("builder", "writer")
    assert overlap.conflict and overlap.conflicts == ("app.txt",)
    assert git(writer, "status", "--porcelain=v1") == status
    assert git(writer, "diff", "--cached", "--name-only") == ""
    await radar.scan(agents)
    assert radar.merges_run == 1  # the same uncommitted work is the same snapshot commit
