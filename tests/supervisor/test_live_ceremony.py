"""The merge ceremony inside a running session: when every writing agent's task of a phase
is done and verified, their branches are merged onto the integration branch by themselves,
the user's checkout untouched; a conflicting branch is skipped and its agent told; and a
session killed mid-ceremony finishes it on resume without merging anything twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.supervisor._inprocess import finish, logged, start
from tests.supervisor.conftest import clean_env, git
from tests.waiting import wait_until, wait_until_sync

AGENT = """---
name: {name}
description: builds {name}
tools: [bash, read_file, write_file, edit_file, list_files]
scope: [{scope}]
---
You build {name}.
"""

PLAN = """# Shop

## Phase 1: Build
- [ ] Write the page @front
      verify: {front_verify}
- [ ] Write the server @back
      verify: {back_verify}
"""


def _repo(
    workspace: Path,
    front_scope: str = "web",
    back_verify: str = "test -e src/server.py",
) -> Path:
    agents = workspace / ".cockpit" / "agents"
    agents.mkdir(parents=True)
    (agents / "front.md").write_text(AGENT.format(name="front", scope=front_scope))
    (agents / "back.md").write_text(AGENT.format(name="back", scope="src"))
    (workspace / "plan.md").write_text(
        PLAN.format(front_verify="test -e web/a.html", back_verify=back_verify)
    )
    git(workspace, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qam", "plan")
    return workspace


DISJOINT = """
agents:
  front:
    - calls:
        - write_file: {path: web/a.html, content: "<p>a</p>\\n"}
        - update_task: {task: "Write the page", status: done}
    - text: "Done."
  back:
    - calls:
        - write_file: {path: src/server.py, content: "PORT = 80\\n"}
        - update_task: {task: "Write the server", status: done}
    - text: "Done."
"""


async def test_a_finished_phase_is_merged_by_itself_and_the_checkout_is_untouched(
    workspace: Path,
) -> None:
    repo = _repo(workspace)
    head = git(repo, "rev-parse", "HEAD").strip()
    prepared = await start(repo, DISJOINT, ["front", "back"], shared_tree=False)
    session = prepared.session
    try:
        await prepared.supervisor.wait()
        await wait_until(lambda: bool(logged(prepared, "merge.finished")), "the phase's ceremony")
    finally:
        await finish(prepared)
    integration = f"cockpit/{session}/integration"
    assert git(repo, "show", f"{integration}:web/a.html") == "<p>a</p>\n"
    assert git(repo, "show", f"{integration}:src/server.py") == "PORT = 80\n"
    committed = {e["agent"] for e in logged(prepared, "merge.committed")}
    assert committed == {"front", "back"}  # each verified task's work, on its own branch
    assert [e["agent"] for e in logged(prepared, "merge.advanced")] == ["front", "back"]
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert not (repo / "web").exists() and not (repo / "src" / "server.py").exists()


SAME_LINES = """
agents:
  front:
    - calls:
        - edit_file: {path: src/app.py, old: "'hello'", new: "'front'"}
        - write_file: {path: web/a.html, content: "<p>a</p>\\n"}
        - update_task: {task: "Write the page", status: done}
    - text: "Done."
  back:
    - calls:
        - edit_file: {path: src/app.py, old: "'hello'", new: "'back'"}
        - write_file: {path: src/server.py, content: "PORT = 80\\n"}
        - update_task: {task: "Write the server", status: done}
    - text: "Done."
"""


async def test_the_same_lines_show_on_the_radar_and_the_second_branch_is_skipped_and_told(
    workspace: Path,
) -> None:
    repo = _repo(workspace, front_scope="web, src/app.py")
    prepared = await start(repo, SAME_LINES, ["front", "back"], shared_tree=False)
    try:
        await prepared.supervisor.wait()
        await wait_until(lambda: bool(logged(prepared, "merge.finished")), "the phase's ceremony")
        await wait_until(
            lambda: any(
                e["agent"] == "back" and e["data"].get("by") == "merge ceremony"
                for e in logged(prepared, "human.message")
            ),
            "the note to back",
        )
    finally:
        await finish(prepared)
    kinds = [e["kind"] for e in logged(prepared)]
    radar = [e["data"] for e in logged(prepared, "radar.overlap") if e["data"].get("conflict")]
    assert radar and radar[0]["paths"] == ["src/app.py"]
    seen = [
        f"{e['kind']} {e['agent']} {str(e['data'])[:160]}"
        for e in logged(prepared)
        if e["kind"].startswith(("radar", "merge", "task"))
    ]
    assert kinds.index("radar.overlap") < kinds.index("merge.started"), seen  # seen before
    [conflict] = logged(prepared, "merge.conflict")
    assert conflict["agent"] == "back" and conflict["data"]["paths"] == ["src/app.py"]
    [note] = [e for e in logged(prepared, "human.message") if e["agent"] == "back"]
    assert "src/app.py" in note["data"]["text"] and "rebase" in note["data"]["text"].lower()
    assert [e["agent"] for e in logged(prepared, "merge.advanced")] == ["front"]


HOLD = """
agents:
  front:
    - calls:
        - write_file: {path: web/a.html, content: "<p>a</p>\\n"}
        - update_task: {task: "Write the page", status: done}
    - text: "Done."
  back:
    - calls:
        - write_file: {path: src/server.py, content: "PORT = 80\\n"}
        - update_task: {task: "Write the server", status: done}
    - text: "Done."
"""


def test_a_session_killed_mid_ceremony_finishes_it_on_resume(workspace: Path) -> None:
    flag = workspace.parent / "go"
    # In the agent's worktree (on its branch) the verify passes at once; in the ceremony's
    # throwaway worktree (a detached HEAD) the second merge's check waits for the flag.
    hold = (
        '[ "$(git rev-parse --abbrev-ref HEAD)" != HEAD ] || '
        f"until test -e {flag}; do sleep 0.05; done; test -e src/server.py"
    )
    repo = _repo(workspace, back_verify=hold)
    script = workspace.parent / "script.yaml"
    script.write_text(HOLD)
    run = [sys.executable, "-m", "cockpit", "run", "--headless", "--no-sandbox"]
    proc = subprocess.Popen(
        [*run, "--agents", "front,back", "--script", str(script)],
        cwd=repo,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    logs = repo / ".cockpit" / "sessions"
    try:
        wait_until_sync(
            lambda: any('"kind":"merge.advanced"' in p.read_text() for p in logs.glob("*.jsonl")),
            "front's merge to advance",
            timeout=60,
        )
        wait_until_sync(lambda: _checking(repo), "back's held check to be running", timeout=60)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    [log] = list(logs.glob("*.jsonl"))
    text = log.read_text()
    assert text.count('"kind":"merge.advanced"') == 1 and '"kind":"merge.finished"' not in text
    flag.touch()
    resumed = subprocess.run(
        [sys.executable, "-m", "cockpit", "resume", "--headless", "--no-sandbox", str(log)],
        cwd=repo,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode in (0, 1), resumed.stderr[-2000:]
    wait_until_sync(lambda: '"kind":"merge.finished"' in log.read_text(), "the ceremony's end")
    session = log.stem
    integration = f"cockpit/{session}/integration"
    base = git(repo, "rev-parse", f"refs/cockpit/{session}/base").strip()
    merges = git(repo, "rev-list", "--merges", f"{base}..{integration}").split()
    assert len(merges) == 2, "a branch was merged twice, or not at all"
    assert git(repo, "show", f"{integration}:src/server.py") == "PORT = 80\n"
    assert git(repo, "show", f"{integration}:web/a.html") == "<p>a</p>\n"
    audit = subprocess.run(
        [sys.executable, "-m", "cockpit", "audit", str(log)],
        cwd=repo,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert audit.returncode == 0, audit.stdout[-2000:]


def _checking(repo: Path) -> bool:
    """A throwaway check worktree is registered: the ceremony is inside a check."""
    listing = git(repo, "worktree", "list", "--porcelain")
    return "cockpit-check-" in listing
