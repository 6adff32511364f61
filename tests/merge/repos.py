"""Real git repositories for the merge tests: a base commit, agents' branches made in their
own worktrees, and a fingerprint of the user's checkout to prove it was never touched."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.merge.ceremony import Candidate, Check, CheckResult
from cockpit.merge.checkout import throwaway_worktree
from cockpit.merge.names import agent_branch
from cockpit.session.kinds import EventBody

SESSION = "s1"
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "agent",
    "GIT_AUTHOR_EMAIL": "agent@localhost",
    "GIT_COMMITTER_NAME": "agent",
    "GIT_COMMITTER_EMAIL": "agent@localhost",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=ENV, check=False
    )
    assert out.returncode == 0, f"git {' '.join(args)}: {out.stderr}"
    return out.stdout


def make_repo(root: Path, files: dict[str, str]) -> str:
    """A repository at ``root`` with one commit of ``files``; its SHA."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return git(root, "rev-parse", "HEAD").strip()


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def agent_worktree(repo: Path, agent: str, base: str) -> Path:
    """The agent's worktree on ``cockpit/<session>/<agent>``, outside the repository."""
    tree = repo.parent / f"wt-{agent}"
    git(repo, "worktree", "add", "-q", "-b", agent_branch(SESSION, agent), str(tree), base)
    return tree


def commit_in(tree: Path, files: dict[str, str], message: str = "work") -> str:
    write(tree, files)
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", message)
    return git(tree, "rev-parse", "HEAD").strip()


def checkout_fingerprint(repo: Path) -> dict[str, str]:
    """What the user sees of their checkout: HEAD, its branch, the index, every file."""
    files = {
        str(p.relative_to(repo)): p.read_text()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }
    return {
        "head": git(repo, "rev-parse", "HEAD"),
        "branch": git(repo, "symbolic-ref", "HEAD"),
        "index": git(repo, "ls-files", "--stage"),
        "status": git(repo, "status", "--porcelain=v1", "--untracked-files=all"),
        **{f"file:{k}": v for k, v in files.items()},
    }


@dataclass
class Recorder:
    """The ``record`` the engine calls: every step's body, in order."""

    bodies: list[EventBody] = field(default_factory=list)

    def __call__(self, body: EventBody) -> None:
        self.bodies.append(body)

    def kinds(self) -> list[str]:
        return [b.kind for b in self.bodies]

    def of(self, cls: type[EventBody]) -> list[EventBody]:
        return [b for b in self.bodies if isinstance(b, cls)]


def command_check(repo: Path, script: str) -> Check:
    """A real check: ``sh -c script`` in a throwaway worktree of the merge commit."""

    async def check(candidate: Candidate) -> CheckResult:
        async with throwaway_worktree(repo, candidate.commit) as tree:
            out = subprocess.run(
                ["sh", "-c", script], cwd=tree, capture_output=True, text=True, check=False
            )
        return CheckResult(out.returncode == 0, out.returncode, out.stdout + out.stderr)

    return check


async def passes(candidate: Candidate) -> CheckResult:
    """No check at all: every merge passes."""
    return CheckResult(True, 0, "")


def merge_parents(repo: Path, ref: str) -> list[str]:
    """The second parent of every merge on ``ref``'s first-parent line, oldest first."""
    out = git(repo, "rev-list", "--first-parent", "--merges", "--reverse", "--parents", ref)
    return [line.split()[2] for line in out.splitlines()]
