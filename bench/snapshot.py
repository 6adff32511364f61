"""Tier-2 snapshots on a large repository: 20,000 tracked files and a 200 MB untracked file
(quick: 2,000 and 20 MB).

Measured in the same run, on the same repository (medians):
- `git status --porcelain`, and a bare `git add -A` into a fresh index (the baselines);
- before: the way snapshots were taken until now (a copy of the real index, `git add
  --all`, `write-tree`: the untracked file is hashed again every time);
- cockpit's first snapshot of a session (a new session each time) and the next ones (one
  session, a one-line edit before each). Goals: first < 1.5x the bare `git add -A`, the
  next ones < 3x `git status --porcelain`;
- end to end, in a real in-process session (scripted builder, the real policy, log and
  safeguard): from `tool.requested` to `tool.finished` of a tier-2 `edit_file` (snapshot
  first) against a tier-1 `write_file` of a new file; what tier 2 adds is the difference.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from cockpit.config.workspace import Workspace
from cockpit.safeguard.snapshots import Safeguard
from cockpit.session.chain import read_events
from cockpit.supervisor.launch import LaunchOptions, prepare_new

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@localhost",
}
PER_DIR = 100


def source(n: int) -> str:
    return f"src/d{n // PER_DIR:03d}/f{n:05d}.py"


def make_repo(root: Path, files: int, untracked_mb: int) -> None:
    """``files`` committed files in folders of 100, then one untracked file of random bytes."""
    for n in range(files):
        path = root / source(n)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"VALUE_{n} = {n}\n")
    (root / "plan.md").write_text("# Plan\n\n## Phase 1\n- [ ] Keep editing @builder\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a large repository")
    with (root / "dataset.bin").open("wb") as f:
        for _ in range(untracked_mb):
            f.write(os.urandom(1 << 20))


def git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, env=env or GIT_ENV
    )
    if out.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def fresh_add(root: Path, copy_real_index: bool) -> float:
    """`git add -A` into a new index file (empty, or a copy of the real one as snapshots
    were taken before: then `write-tree` too). Seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**GIT_ENV, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        if copy_real_index:
            shutil.copyfile(root / ".git" / "index", env["GIT_INDEX_FILE"])

        def add() -> None:
            git(root, "add", "-A", env=env)
            if copy_real_index:
                git(root, "write-tree", env=env)

        return timed(add)


def edit(root: Path, n: int, i: int) -> None:
    with (root / source(n)).open("a") as f:
        f.write(f"EDIT_{i} = {i}\n")


def end_to_end(root: Path, rounds: int) -> dict[str, list[float]]:
    """Seconds from `tool.requested` to `tool.finished`, by tier, in a real session."""
    turns = [f"    - calls: [{{edit_file: {_edit_input(0, 'warm')}}}]\n"]  # the first snapshot
    for i in range(rounds):
        new_file = f"{{path: generated/g{i}.py, content: 'G = {i}'}}"
        turns.append(f"    - calls: [{{write_file: {new_file}}}]\n")
        turns.append(f"    - calls: [{{edit_file: {_edit_input(i + 1, i)}}}]\n")
    script = root.parent / "script.yaml"
    script.write_text("agents:\n  builder:\n" + "".join(turns))
    prepared = prepare_new(
        LaunchOptions(
            workspace=Workspace(root),
            agents=["builder"],
            script=script,
            session_dir=root.parent / "sessions",
            env={"PATH": os.environ.get("PATH", ""), "HOME": str(root.parent)},
        )
    )

    async def session() -> None:
        sup = prepared.supervisor
        await sup.start(prepared.setups, prepared.kickoff, started=prepared.started)
        await sup.wait()
        await sup.end("bench over")

    asyncio.run(session())
    prepared.log.close()
    requested: dict[str, datetime] = {}
    tiers: dict[str, int] = {}
    took: dict[str, list[float]] = {"tier1": [], "tier2_first": [], "tier2": []}
    for event in read_events(prepared.log.path):
        if event.call is None:
            continue
        when = datetime.fromisoformat(event.ts)
        if event.kind == "tool.requested":
            requested[event.call] = when
        elif event.kind == "policy.decided":
            tiers[event.call] = int(event.data["tier"])
        elif event.kind == "tool.finished":
            seconds = (when - requested[event.call]).total_seconds()
            tier = tiers[event.call]
            key = "tier1" if tier == 1 else ("tier2" if took["tier2_first"] else "tier2_first")
            if tier not in (1, 2):
                raise RuntimeError(f"call {event.call} was tier {tier}, not 1 or 2")
            took[key].append(seconds)
    return took


def _edit_input(n: int, tag: object) -> str:
    return f"{{path: {source(n)}, old: 'VALUE_{n} = {n}', new: 'VALUE_{n} = {n}  # {tag}'}}"


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def run(quick: bool = False) -> dict[str, Any]:
    files, megabytes, repeat = (2_000, 20, 5) if quick else (20_000, 200, 7)
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-snapshot-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        make_repo(root, files, megabytes)
        fresh_add(root, copy_real_index=False)  # warm-up: objects written, caches filled
        status = statistics.median(
            timed(lambda: git(root, "status", "--porcelain")) for _ in range(repeat)
        )
        bare = statistics.median(fresh_add(root, copy_real_index=False) for _ in range(repeat))
        before = statistics.median(fresh_add(root, copy_real_index=True) for _ in range(repeat))
        first = statistics.median(
            timed(lambda i=i: Safeguard(root, f"bench-first-{i}").snapshot("first"))
            for i in range(repeat)
        )
        guard = Safeguard(root, "bench-next")
        guard.snapshot("session start")
        nexts = []
        for i in range(repeat * 3):
            edit(root, i, i)
            nexts.append(timed(lambda i=i: guard.snapshot(f"after edit {i}")))
        later = statistics.median(nexts)
        e2e = end_to_end(root, repeat)
    tier1, tier2 = statistics.median(e2e["tier1"]), statistics.median(e2e["tier2"])
    return {
        "tracked_files": files,
        "untracked_mb": megabytes,
        "git_status_porcelain_ms": _ms(status),
        "bare_git_add_fresh_index_ms": _ms(bare),
        "before_snapshot_ms": _ms(before),
        "first_snapshot_ms": _ms(first),
        "next_snapshot_ms": {
            "p50": _ms(later),
            "max": _ms(max(nexts)),
        },
        "ratio_first_vs_bare_add": round(first / bare, 2),
        "goal_first": 1.5,
        "ratio_next_vs_status": round(later / status, 2),
        "goal_next": 3.0,
        "goal_met": first / bare < 1.5 and later / status < 3.0,
        "goals_are_for": "20,000 files and 200 MB" + (" (this was --quick)" if quick else ""),
        "end_to_end_ms": {
            "tier1_write_file": _ms(tier1),
            "tier2_edit_file_first": _ms(e2e["tier2_first"][0]),
            "tier2_edit_file": _ms(tier2),
            "tier2_adds": _ms(tier2 - tier1),
        },
    }
