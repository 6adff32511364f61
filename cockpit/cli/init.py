"""`cockpit init [--team NAME] [--force] [--list]`: a team written into the workspace, for the
user to edit: its agent files (`.cockpit/agents/`), the rules every one of them reads
(`.cockpit/rules/base.md`, which each agent's system prompt carries), a `plan.md` template in
the team's order, and its `orchestration:` settings merged into `.cockpit/config.yaml`.

The teams are data (`teams/<name>/` beside `agents/` and `rules/`). Writing is all or
nothing: a file that exists is named and nothing is written unless `--force`. `plan.md` is
the human's: an existing one is kept even with `--force`. Needs no git and no API key.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit.config.workspace import Workspace, builtin_dir, cockpit_command, read_config
from cockpit.errors import ConfigError, UsageError

DEFAULT_TEAM = "trio"
SECTION = "orchestration"


@dataclass(frozen=True)
class Planned:
    """One file `init` writes: where, what, and whether it replaces something."""

    path: Path
    text: str
    replaces: bool
    what: str


def register(sub: Any) -> None:
    """Add `cockpit init` to the `cockpit` parser."""
    p = sub.add_parser(
        "init",
        help="write a team into .cockpit/: agents, shared rules, a plan.md template",
        description="Write a team (agent files, the rules they share, a plan.md template and "
        "its orchestration settings) into this workspace, for you to edit.",
    )
    p.add_argument("--team", default=DEFAULT_TEAM, help=f"the team (default: {DEFAULT_TEAM})")
    p.add_argument("--force", action="store_true", help="overwrite the team's existing files")
    p.add_argument("--list", action="store_true", help="list the teams, one line each")
    p.set_defaults(handler=init_command)


def init_command(args: argparse.Namespace) -> int:
    if args.list:
        for name in team_names():
            print(f"{name:<14}{team_summary(name)}")
        return 0
    team = team_dir(args.team)
    workspace = Workspace.discover(Path.cwd())
    planned, kept = plan_files(team, workspace)
    clashes = [p for p in planned if p.replaces]
    if clashes and not args.force:
        for p in clashes:
            print(f"cockpit: {_shown(workspace, p.path)} {p.what}", file=sys.stderr)
        print(
            f"cockpit: nothing written; `{cockpit_command()} init --team {args.team} --force` "
            "overwrites them",
            file=sys.stderr,
        )
        return 1
    for p in planned:
        _write(p, workspace)
        verb = "replaced" if p.replaces else "wrote"
        print(f"{verb} {_shown(workspace, p.path)}")
    for path in kept:
        print(
            f"kept {_shown(workspace, path)} (it exists; the team's template: {team / 'plan.md'})"
        )
    agents = sorted(p.stem for p in (team / "agents").glob("*.md"))
    print(f"\nteam {args.team}: {', '.join(agents)}; the lead is {_lead(team)}.")
    print(
        f"Next: edit plan.md for your goal, then run `{cockpit_command()}` "
        f"(or `{cockpit_command()} run --headless`)."
    )
    return 0


def team_names() -> list[str]:
    """The built-in teams, by name."""
    root = builtin_dir("teams")
    return sorted(d.name for d in root.iterdir() if (d / "agents").is_dir())


def team_summary(name: str) -> str:
    """The team's one line: the first comment of its `config.yaml` (`# name: what it is`)."""
    first = (builtin_dir("teams") / name / "config.yaml").read_text("utf-8").splitlines()[0]
    return first.lstrip("# ").removeprefix(f"{name}:").strip()


def team_dir(name: str) -> Path:
    """The team's data folder; an unknown name is a `UsageError` naming the choices."""
    names = team_names()
    if name not in names:
        raise UsageError(f"no team named {name!r} (teams: {', '.join(names)})")
    return builtin_dir("teams") / name


def plan_files(team: Path, workspace: Workspace) -> tuple[list[Planned], list[Path]]:
    """What `init` would write for `team`, and the existing `plan.md` it keeps."""
    planned = [
        _planned(workspace.agents_dir / src.name, src.read_text("utf-8"), "exists")
        for src in sorted((team / "agents").glob("*.md"))
    ]
    planned.append(
        _planned(workspace.rules_dir / "base.md", (team / "rules.md").read_text("utf-8"), "exists")
    )
    planned.append(merged_config(workspace.config_file, (team / "config.yaml").read_text("utf-8")))
    plan = workspace.root / "plan.md"
    if plan.exists():
        return planned, [plan]
    planned.append(Planned(plan, (team / "plan.md").read_text("utf-8"), False, ""))
    return planned, []


def merged_config(path: Path, fragment: str) -> Planned:
    """`config.yaml` with the team's `orchestration:` section: the fragment alone when there
    is no file, appended when the file has no such section, in place of the old section
    otherwise (a replacement, refused without `--force`). The rest is kept byte for byte.

    Raises:
        ConfigError: the existing file is not YAML (the message names file:line).
    """
    if not path.exists():
        return Planned(path, fragment, False, "")
    _src, sections = read_config(path)
    text = path.read_text(encoding="utf-8-sig")
    if SECTION not in sections:
        joint = "" if not text or text.endswith("\n") else "\n"
        return Planned(path, text + joint + fragment, False, "")
    key, value = sections[SECTION]
    lines = text.splitlines(keepends=True)
    start = key.start_mark.line
    end = value.end_mark.line + (0 if value.end_mark.column == 0 else 1)
    body = [line for line in fragment.splitlines(keepends=True) if not line.startswith("#")]
    merged = "".join(lines[:start] + body + lines[end:])
    return Planned(path, merged, True, f"already has an `{SECTION}:` section (line {start + 1})")


def _lead(team: Path) -> str:
    """The agent blocked tasks go to first, as the team's config fragment names it."""
    import yaml

    settings = yaml.safe_load((team / "config.yaml").read_text("utf-8"))
    return str(settings[SECTION].get("lead") or "you")


def _write(p: Planned, workspace: Workspace) -> None:
    """Write one file; a symlink in its place is replaced, never written through."""
    try:
        p.path.parent.mkdir(parents=True, exist_ok=True)
        if p.replaces:
            p.path.unlink()
        p.path.write_text(p.text, encoding="utf-8")
    except OSError as exc:
        shown = _shown(workspace, p.path)
        raise ConfigError(f"{shown}: cannot write: {exc.strerror or exc}") from exc


def _planned(path: Path, text: str, what: str) -> Planned:
    return Planned(path, text, path.exists() or path.is_symlink(), what)


def _shown(workspace: Workspace, path: Path) -> str:
    return (
        os.path.relpath(path, workspace.root) if path.is_relative_to(workspace.root) else str(path)
    )
