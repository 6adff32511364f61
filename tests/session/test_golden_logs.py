"""Logs written by older cockpits open, audit and replay as they did (issue 12 changed the
code that reads them, not what it reads or prints). See golden/README.md."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The golden folder in a temp dir, the key folder private as cockpit keeps it."""
    here = tmp_path / "golden"
    shutil.copytree(GOLDEN, here)
    (here / "xdg" / "cockpit").chmod(0o700)
    (here / "xdg" / "cockpit" / "log.key").chmod(0o600)
    return here


def cockpit(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(folder / "xdg")}
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def log_of(folder: Path, which: str) -> str:
    (log,) = (folder / which).glob("*.jsonl")
    return f"{which}/{log.name}"


@pytest.mark.parametrize("which", ["unkeyed", "keyed"])
def test_an_old_log_shows_audits_and_replays_as_it_did(copy: Path, which: str) -> None:
    log = log_of(copy, which)
    expected_show = (copy / which / "show.txt").read_text(encoding="utf-8")
    shown = cockpit(copy, "log", "show", log)
    assert (shown.returncode, shown.stdout) == (0, expected_show), shown.stderr
    audited = cockpit(copy, "audit", log)
    expected_audit = (copy / which / "audit.txt").read_text(encoding="utf-8")
    assert (audited.returncode, audited.stdout) == (0, expected_audit), audited.stderr
    replayed = cockpit(copy, "replay", "--headless", "--speed", "0", log)
    assert (replayed.returncode, replayed.stdout) == (0, expected_show), replayed.stderr


def test_the_golden_logs_are_the_kinds_they_claim(copy: Path) -> None:
    """The unkeyed log is all version 1 lines; the keyed one all version 2 with a mac."""
    unkeyed = (copy / log_of(copy, "unkeyed")).read_text(encoding="utf-8").splitlines()
    keyed = (copy / log_of(copy, "keyed")).read_text(encoding="utf-8").splitlines()
    assert len(unkeyed) > 300 and len(keyed) > 300
    assert all(line.startswith('{"v":1,') and '"mac":' not in line for line in unkeyed)
    assert all(line.startswith('{"v":2,') and line.endswith('"}') for line in keyed)
    assert "unkeyed" in cockpit(copy, "audit", log_of(copy, "unkeyed")).stdout
