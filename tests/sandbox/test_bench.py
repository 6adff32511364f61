"""The sandbox benchmark runs and reports what the issue asks for (the speed itself is
not asserted: it depends on the machine)."""

from __future__ import annotations

from bench import sandbox as sandbox_bench


def test_sandbox_benchmark_reports_the_added_p50_and_the_bwrap_arguments() -> None:
    result = sandbox_bench.run(quick=True)
    assert result["rounds"] == 30
    for key in ("bare_p50_ms", "sandboxed_p50_ms", "sandboxed_p99_ms"):
        assert result[key] > 0, key
    assert result["sandboxed_p50_ms"] > result["bare_p50_ms"]  # it did go through bwrap
    assert "--unshare-pid" in result["bwrap_args"]
    assert set(result["goals_met"]) == {"added_p50<15ms"}
