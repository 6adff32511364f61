"""The merge ceremony on a large repository: 20,000 tracked files, 8 agent branches each
touching its own files (quick: 2,000 files).

Measured in the same run, rounds interleaved (the engine, then the bare commands, on a
fresh integration branch each time), medians:
- the engine: `run_ceremony` with a check that does nothing (checks are excluded: they
  are the project's own commands) and a record that keeps nothing;
- bare git: for each branch `git merge-tree --write-tree`, `git commit-tree`, `git
  update-ref NEW OLD`, the least any ceremony must run.
Goal: the engine within 1.5x the bare commands. Also reported: the scope check of one
branch (committed paths against the base) and a radar scan of the 8 heads.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from cockpit.merge.ceremony import Candidate, CheckResult, Queued, run_ceremony
from cockpit.merge.names import agent_branch, integration_branch
from cockpit.merge.radar import AgentHead, Radar
from cockpit.merge.scope_check import check_scope
from cockpit.policy.scope import WriteScope
from cockpit.session.kinds import EventBody

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@localhost",
}
PER_DIR = 100
BRANCHES = 8
SESSION = "bench"


def git(root: Path, *args: str, env: dict[str, str] | None = None, stdin: str = "") -> str:
    out = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        env=env or GIT_ENV,
        input=stdin,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


def make_repo(root: Path, files: int) -> str:
    for n in range(files):
        path = root / f"src/d{n // PER_DIR:03d}/f{n:05d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"VALUE_{n} = {n}\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a large repository")
    return git(root, "rev-parse", "HEAD").strip()


def make_branch(root: Path, base: str, agent: str, n: int) -> str:
    """A commit on ``cockpit/bench/<agent>`` adding files under ``agent/`` and editing one
    file of its own, made with plumbing (no checkout of 20,000 files)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**GIT_ENV, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        git(root, "read-tree", base, env=env)
        for i in range(5):
            blob = git(root, "hash-object", "-w", "--stdin", stdin=f"{agent} {i}\n").strip()
            git(
                root,
                "update-index",
                "--add",
                "--cacheinfo",
                f"100644,{blob},{agent}/f{i}.py",
                env=env,
            )
        edited = f"src/d{n:03d}/f{n * PER_DIR:05d}.py"
        blob = git(root, "hash-object", "-w", "--stdin", stdin=f"EDITED_BY = '{agent}'\n").strip()
        git(root, "update-index", "--cacheinfo", f"100644,{blob},{edited}", env=env)
        tree = git(root, "write-tree", env=env).strip()
    commit = git(root, "commit-tree", tree, "-p", base, "-m", f"{agent}'s work").strip()
    git(root, "update-ref", f"refs/heads/{agent_branch(SESSION, agent)}", commit)
    return commit


async def _no_check(candidate: Candidate) -> CheckResult:
    return CheckResult(True, 0, "")


def _keep_nothing(body: EventBody) -> None:
    return None


def engine(root: Path, base: str, agents: list[str], round_: int) -> float:
    queue = [Queued(a, agent_branch(SESSION, a)) for a in agents]
    target = f"{integration_branch(SESSION)}-{round_}"
    start = time.perf_counter()
    result = asyncio.run(run_ceremony(root, base, target, queue, _no_check, _keep_nothing))
    took = time.perf_counter() - start
    if len(result.merged) != len(agents):
        raise RuntimeError(f"the engine merged {len(result.merged)} of {len(agents)}")
    return took


def bare(root: Path, base: str, agents: list[str], round_: int) -> float:
    ref = f"refs/heads/bare-{round_}"
    start = time.perf_counter()
    git(root, "update-ref", ref, base, "0" * 40)
    current = base
    for agent in agents:
        branch = agent_branch(SESSION, agent)
        tree = git(root, "merge-tree", "--write-tree", current, branch).split()[0]
        commit = git(root, "commit-tree", tree, "-p", current, "-p", branch, "-m", "merge").strip()
        git(root, "update-ref", ref, commit, current)
        current = commit
    return time.perf_counter() - start


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def run(quick: bool = False) -> dict[str, Any]:
    files, rounds = (2_000, 3) if quick else (20_000, 7)
    agents = [f"agent{n}" for n in range(BRANCHES)]
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-merge-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        base = make_repo(root, files)
        heads = [make_branch(root, base, a, n) for n, a in enumerate(agents)]
        engine(root, base, agents, -1)  # warm-up: objects and caches
        bare(root, base, agents, -1)
        engine_runs, bare_runs = [], []
        for r in range(rounds):
            engine_runs.append(engine(root, base, agents, r))
            bare_runs.append(bare(root, base, agents, r))
        scope = WriteScope(agents[0], "bench", (f"{agents[0]}", "src"))
        start = time.perf_counter()
        asyncio.run(check_scope(root, base, agent_branch(SESSION, agents[0]), heads[0], scope))
        scope_s = time.perf_counter() - start
        radar = Radar(root, base)
        start = time.perf_counter()
        overlaps = asyncio.run(
            radar.scan([AgentHead(a, h) for a, h in zip(agents, heads, strict=True)])
        )
        radar_s = time.perf_counter() - start
    ours, theirs = statistics.median(engine_runs), statistics.median(bare_runs)
    return {
        "tracked_files": files,
        "branches": BRANCHES,
        "rounds": rounds,
        "engine_ceremony_ms": _ms(ours),
        "bare_merge_tree_commit_tree_update_ref_ms": _ms(theirs),
        "ratio_engine_vs_bare": round(ours / theirs, 2),
        "goal": 1.5,
        "goal_met": ours / theirs <= 1.5,
        "goal_is_for": "20,000 files" + (" (this was --quick)" if quick else ""),
        "scope_check_one_branch_ms": _ms(scope_s),
        "radar_scan_8_heads_ms": _ms(radar_s),
        "radar_overlaps": len(overlaps),
    }
