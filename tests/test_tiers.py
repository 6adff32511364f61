"""`pytest -m TIER` selects the tests of one tier, and a pure test cannot start a process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def selected(marker: str, *paths: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", marker, *paths],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_each_marker_selects_its_own_tier() -> None:
    files = ("tests/ui/test_terminal.py", "tests/ui/test_snapshots.py", "tests/test_waiting.py")
    assert selected("e2e", *files) == [
        "tests/ui/test_terminal.py::test_the_demo_asks_and_a_human_approves_with_y"
    ]
    snapshots = selected("snapshot", *files)
    assert snapshots and all(s.startswith("tests/ui/test_snapshots.py::") for s in snapshots)
    assert [s.split("::")[0] for s in selected("pure", *files)] == ["tests/test_waiting.py"] * 4


def test_a_pure_test_that_starts_a_process_fails_naming_it(tmp_path: Path) -> None:
    sneaky = tmp_path / "test_sneaky.py"
    sneaky.write_text(
        "import subprocess as sp\n\n\ndef test_it():\n    sp.run(['true'], check=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-m", "pure", sneaky],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode != 0, done.stdout
    assert "marked pure by tests/tiers.py but started a process: ['true']" in done.stdout
