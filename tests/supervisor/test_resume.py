"""A headless session killed mid-command, then resumed: nothing lost, nothing run twice."""

from __future__ import annotations

import hashlib
import json
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.processes import with_arg
from tests.supervisor.conftest import clean_env, cockpit, events, of_kind, session_log
from tests.waiting import wait_until_sync

NAP = f"60.{secrets.randbelow(10**6)}"
"""The long job's sleep, found by this word on the machine's process list."""
SCRIPT = f"""
agents:
  builder:
    - text: "Running the long job."
      calls:
        - bash:
            command: "echo $$ > job.pid; echo started >> marker.txt; sleep {NAP}; echo end >> x"
            timeout_s: 120
    - text: "The job was interrupted; checking what it left."
      calls:
        - bash: {{command: "cat marker.txt"}}
    - text: "All done."
"""


def test_sigkill_mid_command_then_resume(workspace: Path, tmp_path: Path) -> None:
    script = tmp_path / "script.yaml"
    script.write_text(SCRIPT)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cockpit",
            "run",
            "--headless",
            "--shared-tree",
            "--agents",
            "builder",
            "--script",
            str(script),
        ],
        cwd=workspace,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    marker = workspace / "marker.txt"
    job_pid = workspace / "job.pid"
    try:
        wait_until_sync(
            lambda: marker.exists() and job_pid.exists(), "the long job to start", timeout=30
        )
        # Everything the process printed was acknowledged (logged, fsynced) before printing.
        time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        out, _err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    # The sandbox dies with cockpit (--die-with-parent): no command outlives the crash.
    wait_until_sync(lambda: not with_arg(NAP), "the long job to die with cockpit")

    log = session_log(workspace)
    before = events(log)
    printed = [line for line in out.splitlines() if " | " in line]
    assert len(before) >= len(printed)  # nothing acknowledged was lost
    started = of_kind(before, "tool.started")
    assert len(started) == 1 and not of_kind(before, "tool.finished")

    resumed = cockpit(workspace, "resume", "--headless", timeout=60)
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr

    after = events(log)
    assert after[: len(before)] == before  # the acknowledged prefix is untouched
    assert marker.read_text() == "started\n"  # the interrupted command was not run again
    interrupted = [e for e in of_kind(after, "tool.finished") if e["call"] == started[0]["call"]]
    assert len(interrupted) == 1 and interrupted[0]["data"]["interrupted"] is True
    assert len([e for e in of_kind(after, "tool.started") if e["call"] == started[0]["call"]]) == 1
    session_resumed = of_kind(after, "session.resumed")
    assert session_resumed and started[0]["call"] in json.dumps(session_resumed[0]["data"])
    # the agent continued: it was told, ran the next command, and finished
    told = [
        e
        for e in of_kind(after, "model.message")
        if e["data"]["message"]["role"] == "user" and "interrupted" in json.dumps(e["data"])
    ]
    assert told
    assert of_kind(after, "agent.status")[-1]["data"]["status"] == "done"
    audit = cockpit(workspace, "audit", str(log))
    assert audit.returncode == 0, audit.stdout
    assert "Violations" not in audit.stdout  # the resumed calls reuse what was on record
    assert "INTERRUPTED" not in audit.stdout or "interrupted" in audit.stdout.lower()


def test_resume_with_nothing_left(workspace: Path, tmp_path: Path) -> None:
    script = tmp_path / "script.yaml"
    script.write_text("agents:\n  builder:\n    - text: 'Nothing to do.'\n")
    first = cockpit(workspace, "run", "--headless", "--agents", "builder", "--script", str(script))
    assert first.returncode == 0, first.stderr
    again = cockpit(workspace, "resume", "--headless")
    assert again.returncode == 0
    assert "nothing left to do" in again.stdout


def test_resume_without_sessions_is_one_line(workspace: Path) -> None:
    result = cockpit(workspace, "resume", "--headless")
    assert result.returncode != 0
    assert "no session to resume" in result.stderr and "Traceback" not in result.stderr


def test_resume_refuses_a_forged_log_naming_the_line(workspace: Path, tmp_path: Path) -> None:
    """A real session's log, one command rewritten and every later 'prev' and the head
    recomputed (all a writer without the user's key can do): resume refuses it, as audit
    does, and names the line; nothing is appended."""
    script = tmp_path / "script.yaml"
    script.write_text("agents:\n  builder:\n    - calls:\n        - bash: {command: 'ls'}\n")
    first = cockpit(workspace, "run", "--headless", "--agents", "builder", "--script", str(script))
    assert first.returncode == 0, first.stderr
    log = session_log(workspace)
    objs = events(log)
    k = next(i for i, e in enumerate(objs) if e["kind"] == "tool.requested") + 1
    objs[k - 1]["data"]["input"]["command"] = "rm -rf ~"
    prev, out = hashlib.sha256(b"").hexdigest(), []
    for obj in objs:
        obj["prev"] = prev
        raw = json.dumps(obj, separators=(",", ":")).encode()
        prev = hashlib.sha256(raw).hexdigest()
        out.append(raw + b"\n")
    log.write_bytes(b"".join(out))
    head = {"session": objs[0]["session"], "seq": len(out) - 1, "digest": prev, "ts": "x"}
    log.with_suffix(".head").write_text(json.dumps(head))
    forged = log.read_bytes()

    again = cockpit(workspace, "resume", "--headless", str(log))
    assert again.returncode != 0
    assert f"{log}:{k}:" in again.stderr and "keyed digest" in again.stderr, again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    assert log.read_bytes() == forged
    audit = cockpit(workspace, "audit", str(log))
    assert audit.returncode == 1
    assert f"first problem: line {k} (seq {k - 1})" in audit.stdout


def test_resume_refuses_a_log_whose_head_file_was_removed(workspace: Path, tmp_path: Path) -> None:
    """Deleting the head file and resuming would write a fresh head over the evidence: the
    anchor kept outside the workspace says a head existed, so resume refuses, as audit does."""
    script = tmp_path / "script.yaml"
    script.write_text("agents:\n  builder:\n    - calls:\n        - bash: {command: 'ls'}\n")
    first = cockpit(workspace, "run", "--headless", "--agents", "builder", "--script", str(script))
    assert first.returncode == 0, first.stderr
    log = session_log(workspace)
    log.with_suffix(".head").unlink()
    before = log.read_bytes()

    again = cockpit(workspace, "resume", "--headless", str(log))
    assert again.returncode != 0
    assert "head file missing" in again.stderr and "removed" in again.stderr, again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    assert log.read_bytes() == before and not log.with_suffix(".head").exists()
    assert cockpit(workspace, "audit", str(log)).returncode == 1
