"""The benchmark runs and reports what the issue asks for (speed itself is not asserted:
it depends on the machine)."""

from __future__ import annotations

from bench import policy as policy_bench
from bench import snapshot as snapshot_bench


def test_policy_benchmark_reports_throughput_latency_and_ratio() -> None:
    result = policy_bench.run(quick=True)
    assert result["commands"] == 1000
    for key in ("commands_per_s", "p50_us", "p99_us", "ratio_to_parse", "cpu_ratio_to_parse"):
        assert isinstance(result[key], (int, float)) and result[key] > 0, key
    tiers = result["tiers"]
    assert isinstance(tiers, dict)
    assert {"1", "2", "3"} <= set(tiers)
    assert set(result["goals_met"]) == {"commands_per_s>=20000", "p99<1ms", "ratio<=5"}


def test_the_mix_is_varied() -> None:
    mix = policy_bench.command_mix(10_000)
    assert len(mix) == 10_000
    assert len(set(mix)) > 2_000  # the classifier keeps no cache: repeats cost the same


def test_snapshot_benchmark_reports_both_ratios_and_the_end_to_end_cost() -> None:
    result = snapshot_bench.run(quick=True)
    assert (result["tracked_files"], result["untracked_mb"]) == (2_000, 20)
    for key in ("ratio_first_vs_bare_add", "ratio_next_vs_status", "first_snapshot_ms"):
        assert result[key] > 0, key
    e2e = result["end_to_end_ms"]  # the session ran one call of each kind, at its tier
    assert set(e2e) == {"tier1_write_file", "tier2_edit_file_first", "tier2_edit_file"} | {
        "tier2_adds"
    }
    assert min(e2e["tier1_write_file"], e2e["tier2_edit_file"]) > 0
