"""What `cockpit demo` prints at the end works when pasted into the user's shell."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from tests.supervisor.conftest import REPO, clean_env

VENV_COCKPIT = Path(sys.executable).parent / "cockpit"


def _demo(program: list[str], where: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = clean_env({"PATH": path})
    return subprocess.run(
        [*program, "demo", "--headless", "--speed", "0.02", "--dir", str(where)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def _said(stderr: str, label: str) -> str:
    """What the demo's farewell line starting with ``label`` says after it."""
    start = f"cockpit demo: {label}"
    line = next(x for x in stderr.splitlines() if x.startswith(start))
    return line[len(start) :].strip()


def test_the_printed_commands_run_from_another_directory(tmp_path: Path) -> None:
    # `make demo` runs the venv's cockpit while the user's PATH does not have it
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if "venv" not in p)
    done = _demo([str(VENV_COCKPIT)], tmp_path / "demo", path)
    assert done.returncode == 0, done.stderr[-2000:]
    audit, resume, replay = (
        _said(done.stderr, f"{what} it:") for what in ("audit", "resume", "replay")
    )
    assert audit.startswith(f"{VENV_COCKPIT} audit ")  # not a bare `cockpit` the shell lacks
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def paste(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            shell=True,
            cwd=elsewhere,
            env=clean_env({"PATH": path}),
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    audited = paste(audit)
    assert audited.returncode == 0 and audited.stdout.startswith("VALID"), audited.stderr
    resumed = paste(resume)  # finds the demo's session though the shell is elsewhere
    assert resumed.returncode == 0, resumed.stderr
    assert "has nothing left to do" in resumed.stdout
    replayed = paste(replay + " --headless --speed 0")
    assert replayed.returncode == 0 and "session.ended" in replayed.stdout, replayed.stderr


def test_a_demo_in_a_temporary_folder_says_where_it_is_and_how_to_remove_it(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "demo", "--headless", "--speed", "0.02"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
        env=clean_env({"TMPDIR": str(tmp_path)}),
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    kept = _said(done.stderr, "the demo workspace stays in")
    folder = kept.split(" for those; remove it with: rm -rf ", 1)[1]
    assert Path(folder).parent == tmp_path and (Path(folder) / "textstats" / "plan.md").is_file()
    assert _said(done.stderr, "audit it:").startswith(f"{shlex.quote(sys.executable)} -m cockpit")
