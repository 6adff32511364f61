"""The merge benchmark runs and reports what the issue asks for (the ratio itself is not
asserted: it depends on the machine)."""

from __future__ import annotations

from bench import merge as merge_bench


def test_the_merge_benchmark_compares_the_engine_with_bare_git() -> None:
    result = merge_bench.run(quick=True)
    assert (result["tracked_files"], result["branches"], result["rounds"]) == (2_000, 8, 3)
    assert result["engine_ceremony_ms"] > 0
    assert result["bare_merge_tree_commit_tree_update_ref_ms"] > 0
    assert result["ratio_engine_vs_bare"] > 0 and result["goal"] == 1.5
    assert result["radar_overlaps"] == 0  # disjoint files: nothing to warn about
    assert "quick" in result["goal_is_for"]
