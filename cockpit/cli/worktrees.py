"""`cockpit worktrees [--json]`, `worktrees clean [--yes]`, `worktrees discard SESSION/AGENT
[--yes]`: the agents' worktrees, what each holds that is not merged, and removing them
without losing work.

A removal asks first: on a terminal it prompts, a script passes ``--yes``, and without
either it is refused. Everything git or an agent named (paths, commit subjects) is printed
with its control characters shown.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.errors import UsageError
from cockpit.safe_text import visible

if TYPE_CHECKING:
    from cockpit.worktrees.state import WorktreeState


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "worktrees",
        help="the agents' worktrees and their unmerged work; `clean`, `discard`",
        description="List each agent's worktree (branch cockpit/<session>/<agent>) with its "
        "unmerged commits and dirty files; `clean` removes only what is merged and clean; "
        "`discard` removes unmerged work after a confirmation that names it.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--cwd", metavar="DIR", help="a directory inside the repository")
    parser.set_defaults(handler=list_command)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    clean = actions.add_parser("clean", help="remove the worktrees that are merged and clean")
    clean.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    clean.set_defaults(handler=clean_command)
    discard = actions.add_parser(
        "discard", help="remove one agent's worktree and branch, unmerged work included"
    )
    discard.add_argument("target", metavar="SESSION/AGENT")
    discard.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    discard.set_defaults(handler=discard_command)


def _top(args: argparse.Namespace) -> tuple[Path, Path | None]:
    from cockpit.config.workspace import Workspace
    from cockpit.worktrees.state import repository_top

    start = Path(getattr(args, "cwd", None) or ".")
    if not start.is_dir():
        raise UsageError(f"--cwd {args.cwd}: no such directory")
    root = Workspace.discover(start).root
    return root, repository_top(root)


def list_command(args: argparse.Namespace) -> int:
    from cockpit.worktrees.state import states

    root, top = _top(args)
    found = [] if top is None else states(top, root)
    if args.json:
        report = {
            "repository": None if top is None else str(top),
            "shared_tree": None if top is not None else "not a git repository",
            "worktrees": [state.to_json() for state in found],
        }
        print(json.dumps(report, ensure_ascii=True))
    elif top is None:
        print(f"no worktrees: {visible(str(root))} is not a git repository (agents share it)")
    elif not found:
        print(f"no agent worktrees in {visible(str(top))}")
    for state in [] if args.json else found:
        print(_line(state, root))
    return 0


def _line(state: WorktreeState, root: Path) -> str:
    if state.in_use_by is not None:
        verdict = f"in use by {state.in_use_by}"
    else:
        verdict = "safe to clean" if state.safe_to_remove else "keep"
    where = _shown_path(state.path, root) + ("" if state.exists else " (vanished)")
    unmerged = len(state.unmerged)
    dirty = len(state.dirty)
    return visible(
        f"{state.label}  head {state.head[:10]}  "
        f"{unmerged} unmerged commit{'s' * (unmerged != 1)}, "
        f"{dirty} dirty file{'s' * (dirty != 1)}  {verdict}  {where}"
    )


def _shown_path(path: str, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return path


def clean_command(args: argparse.Namespace) -> int:
    from cockpit.worktrees.removal import clean
    from cockpit.worktrees.state import states

    root, top = _top(args)
    if top is None:
        print(f"nothing to clean: {visible(str(root))} is not a git repository")
        return 0
    found = states(top, root)
    safe = [s for s in found if s.safe_to_remove]
    for state in found:
        if not state.safe_to_remove:
            print(visible(f"kept {state.label}: {'; '.join(state.blockers)}"))
    if not safe:
        print("nothing is safe to remove")
        return 0
    names = ", ".join(s.label for s in safe)
    _confirm(args.yes, f"remove {len(safe)} merged and clean worktree(s): {names}")
    result = clean(top, root, only={s.label for s in safe})
    for state in result.removed:
        print(visible(f"removed {state.label}: worktree and branch {state.branch}"))
    for state in result.kept:  # it changed since it was shown
        print(visible(f"kept {state.label}: {'; '.join(state.blockers)}"))
    return 0


def discard_command(args: argparse.Namespace) -> int:
    from cockpit.worktrees.layout import AgentTree
    from cockpit.worktrees.removal import discard
    from cockpit.worktrees.state import find

    root, top = _top(args)
    if top is None:
        raise UsageError(f"{visible(str(root))} is not a git repository: no worktree to discard")
    tree = AgentTree.parse(args.target)
    seen = find(top, tree, root)
    print(visible(f"discard {tree.label}: branch {seen.branch}, worktree {seen.path}"))
    for commit in seen.unmerged:
        print(visible(f"  unmerged commit {commit.short}"))
    for kind, paths in (
        ("staged", seen.staged),
        ("unstaged", seen.unstaged),
        ("untracked", seen.untracked),
    ):
        for path in paths:
            print(visible(f"  {kind} file {path}"))
    if not seen.unmerged and not seen.dirty:
        print("  nothing unmerged, nothing dirty")
    lost = f"{len(seen.unmerged)} unmerged commit(s) and {len(seen.dirty)} dirty file(s)"
    _confirm(args.yes, f"discard {lost} of {tree.label} for good")
    discard(top, tree, seen, root)
    print(visible(f"discarded {tree.label}: worktree and branch {seen.branch} removed"))
    return 0


def _confirm(yes: bool, question: str) -> None:
    """Go on with ``--yes``, or after a "y" typed on a terminal; refuse otherwise."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(f"not done: {question}? needs --yes (no terminal to ask on)")
    try:
        answer = input(f"{question}? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise UsageError("not done: nothing removed")
