"""Four agents' worktrees on a repository of 20,000 files (quick: 500), through cockpit
against bare `git worktree add` x4.

Each round gives 4 agents a worktree both ways, in turn (which one goes first alternates),
on the same repository; the worktrees are removed between rounds, untimed. Cockpit's side
is what a session start does: `isolation()` (the base ref, the integration branch, the
`info/exclude` line) and `attach()` per agent (git's list, `worktree add`, the lock, the
`.worktreeinclude` copy: one ignored config file among 200 ignored ones), and the agent's
policy rooted in its worktree. Medians of the
rounds. Goal: at most 1.3x.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from cockpit.policy.engine import Policy
from cockpit.worktrees.agents import AgentWorktrees, isolation

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@localhost",
}
AGENTS = ("builder", "tester", "docs", "fixer")
PER_DIR = 100


def git(root: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, env=GIT_ENV
    )
    if out.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


def make_repo(root: Path, files: int) -> None:
    """``files`` committed files in folders of 100, ignored build outputs, a local config
    `.worktreeinclude` names, and a `.env` it must not copy."""
    for n in range(files):
        path = root / f"src/d{n // PER_DIR:03d}/f{n:05d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"VALUE_{n} = {n}\n")
    (root / ".gitignore").write_text("build/\nlocal.cfg\n.env\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a large repository")
    for n in range(200):
        out = root / f"build/o{n:03d}.bin"
        out.parent.mkdir(exist_ok=True)
        out.write_bytes(b"x" * 64)
    (root / "local.cfg").write_text("db = localhost\n")
    (root / ".env").write_text("TOKEN=secret\n")
    (root / ".worktreeinclude").write_text("local.cfg\n.env\n")


def bare(root: Path, work: Path, round_no: int) -> float:
    start = time.perf_counter()
    for agent in AGENTS:
        branch = f"bare/{round_no}/{agent}"
        git(root, "worktree", "add", "--quiet", "-b", branch, str(work / branch), "HEAD")
    return time.perf_counter() - start


def cockpit(root: Path, round_no: int, policy: Policy) -> float:
    start = time.perf_counter()
    trees = isolation(root, f"bench-{round_no}")
    if not isinstance(trees, AgentWorktrees):
        raise RuntimeError(f"no worktrees: {trees.reason}")
    made = [trees.attach(agent) for agent in AGENTS]
    for tree in made:  # each agent's policy, rooted in its worktree (as a session does)
        policy.rooted(tree.path, rules_from=root)
    took = time.perf_counter() - start
    if any(
        not (tree.path / "local.cfg").is_file() or (tree.path / ".env").exists() for tree in made
    ):
        raise RuntimeError(".worktreeinclude was not applied as it should be")
    return took


def reattach(root: Path, round_no: int) -> float:
    """Resume: the same 4 agents attached again (what cockpit adds around `worktree add`,
    without it)."""
    start = time.perf_counter()
    trees = isolation(root, f"bench-{round_no}")
    if not isinstance(trees, AgentWorktrees):
        raise RuntimeError(f"no worktrees: {trees.reason}")
    if not all(trees.attach(agent).reused for agent in AGENTS):
        raise RuntimeError("a worktree was not re-attached")
    return time.perf_counter() - start


def remove_all(root: Path) -> None:
    """Every linked worktree and every branch the round made (untimed)."""
    for line in git(root, "worktree", "list", "--porcelain").splitlines():
        path = line.removeprefix("worktree ")
        if line.startswith("worktree ") and Path(path) != root:
            git(root, "worktree", "remove", "-f", "-f", path)
    for ref in git(
        root,
        "for-each-ref",
        "--format=%(refname)",
        "refs/heads/bare",
        "refs/heads/cockpit",
        "refs/cockpit",
    ).split():
        git(root, "update-ref", "-d", ref)
    os.sync()  # the deleted trees' write-back lands now, not in the next timed call


def run(quick: bool = False) -> dict[str, Any]:
    files, rounds = (500, 3) if quick else (20_000, 3)
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-worktrees-") as tmp:
        root = Path(tmp) / "repo"
        work = Path(tmp) / "bare"
        root.mkdir()
        make_repo(root, files)
        root = root.resolve()
        bare(root, work, -1)  # warm-up: the page cache holds the objects
        policy = Policy.load(root)  # the session's own, loaded before its agents start
        remove_all(root)
        ours: list[float] = []
        theirs: list[float] = []
        resumed: list[float] = []
        for n in range(rounds):
            if n % 2:
                ours.append(cockpit(root, n, policy))
                theirs.append(bare(root, work, n))
            else:
                theirs.append(bare(root, work, n))
                ours.append(cockpit(root, n, policy))
            resumed.append(reattach(root, n))
            remove_all(root)
    mine, base = statistics.median(ours), statistics.median(theirs)
    return {
        "tracked_files": files,
        "agents": len(AGENTS),
        "rounds": rounds,
        "bare_worktree_add_x4_ms": round(base * 1000, 1),
        "cockpit_worktrees_x4_ms": round(mine * 1000, 1),
        "cockpit_reattach_x4_ms": round(statistics.median(resumed) * 1000, 1),
        "ratio": round(mine / base, 3),
        "goal": 1.3,
        "goal_met": mine / base <= 1.3,
        "goal_is_for": "20,000 files" + (" (this was --quick)" if quick else ""),
    }
