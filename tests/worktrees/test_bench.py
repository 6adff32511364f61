"""The worktree benchmark runs and reports what the issue asks for (the ratio itself is not
asserted: it depends on the machine's disk)."""

from __future__ import annotations

from bench import worktrees as worktrees_bench


def test_worktree_benchmark_times_four_agents_both_ways() -> None:
    result = worktrees_bench.run(quick=True)
    assert (result["tracked_files"], result["agents"], result["rounds"]) == (500, 4, 3)
    assert result["bare_worktree_add_x4_ms"] > 0 and result["cockpit_worktrees_x4_ms"] > 0
    assert 0 < result["cockpit_reattach_x4_ms"] < result["cockpit_worktrees_x4_ms"]
    assert result["ratio"] > 0 and result["goal"] == 1.3
    assert isinstance(result["goal_met"], bool)
