"""The benchmark runs and reports what the issue asks for (speed itself is not asserted:
it depends on the machine)."""

from __future__ import annotations

from bench import policy as policy_bench


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
