"""`cockpit sandbox check` and the availability probe, run as a user would."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from cockpit.sandbox.probe import probe


def cockpit(cwd: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_check_tries_each_escape_and_says_each_is_denied(tmp_path: Path) -> None:
    done = cockpit(tmp_path, "sandbox", "check")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("bwrap: /")
    for wall in ("write outside", "masked credentials", "reach 127.0.0.1", "environment in /proc"):
        line = next(line for line in lines if wall in line)
        assert " denied " in line, line
    assert any("write inside the workspace" in line and " works " in line for line in lines)
    # how a fork bomb is stopped here is said, never assumed
    limit = next(line for line in lines if line.startswith("process limit"))
    assert "ulimit -u" in limit or "pids cgroup" in limit or "NONE" in limit


def test_check_prints_the_exact_bwrap_arguments(tmp_path: Path) -> None:
    done = cockpit(tmp_path, "sandbox", "check", "--args")
    args_line = next(line for line in done.stdout.splitlines() if "--unshare-pid" in line)
    for flag in ("--die-with-parent", "--new-session", "--unshare-net", "--ro-bind / /"):
        assert flag in args_line
    assert f"--bind {tmp_path} {tmp_path}" in args_line


def test_without_bwrap_check_says_why_in_one_line_and_fails(tmp_path: Path) -> None:
    done = cockpit(tmp_path, "sandbox", "check", "--bwrap", str(tmp_path / "no-bwrap"))
    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "no bubblewrap" in done.stderr and "apt-get install bubblewrap" in done.stderr


def test_a_bwrap_the_kernel_refuses_is_named_with_its_own_words(tmp_path: Path) -> None:
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    found = probe(str(fake))
    assert not found.ok
    assert "No permissions to create new namespace" in found.reason
    assert "\n" not in found.reason
    done = cockpit(tmp_path, "sandbox", "check", "--bwrap", str(fake))
    assert done.returncode != 0
    assert "sandbox unavailable: bwrap refused" in done.stderr
