"""The sandbox benchmark runs and reports what the issue asks for (the speed itself is
not asserted: it depends on the machine)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from bench import sandbox as sandbox_bench
from cockpit.sandbox.boundary import Boundary


def test_sandbox_benchmark_reports_both_commands_bare_and_sandboxed() -> None:
    result = sandbox_bench.run(quick=True)
    assert result["rounds"] == 30
    for key in (
        "bare_p50_ms",
        "sandboxed_p50_ms",
        "sandboxed_p99_ms",
        "unsandboxed_executor_p50_ms",
        "blocking_wrapper_p50_ms",
        "bwrap_argv_alone_p50_ms",
        "boundary_p50_ms",
    ):
        assert result[key] > 0, key
    assert result["sandboxed_p50_ms"] > result["bare_p50_ms"]  # it did go through bwrap
    assert result["sandboxed_p50_ms"] > result["unsandboxed_executor_p50_ms"]
    assert result["ratio_to_unsandboxed_executor"] > 1
    assert "--unshare-pid" in result["bwrap_args"]
    pytest_run = result["pytest"]
    assert pytest_run["files"] == 100
    assert pytest_run["summary"].startswith("700 passed")  # the whole run, both ways
    assert pytest_run["bare_p50_s"] > 0 and pytest_run["sandboxed_p50_s"] > 0
    assert isinstance(pytest_run["added_pct"], float)
    assert set(result["goals_met"]) == {
        "added_p50<15ms",
        "pytest_added<5%",
    }


def test_the_generated_project_has_100_test_files_using_its_package(tmp_path: Path) -> None:
    sandbox_bench.write_project(tmp_path)
    tests = sorted((tmp_path / "tests").glob("test_*.py"))
    assert len(tests) == 100
    assert all("from shop." in t.read_text() for t in tests)


def test_the_benchmark_refuses_to_measure_a_boundary_that_lets_a_write_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = sandbox_bench.workspace_boundary

    def leaky(workspace: Path, env: Mapping[str, str]) -> Boundary:
        return real(workspace, env, writable=(workspace.parent,))

    monkeypatch.setattr(sandbox_bench, "workspace_boundary", leaky)
    with pytest.raises(RuntimeError, match="let a write reach"):
        sandbox_bench.run(quick=True)
