"""Every agent a workspace can run, gathered from its folders; never fatal for one bad file.

Where they come from, later overriding earlier by `name`: the built-ins (`agents/`), the
workspace's Claude Code subagents (`.claude/agents/`, subfolders too, as Claude Code scans
them), then its cockpit agents (`.cockpit/agents/*.md`). cockpit's own folder wins over
`.claude/` because a file written for cockpit is the more specific intent when a repository
has both. An override is a warning; one that widens a built-in (a `reviewer.md` that may
write) says what it gains. Two files of one name in one folder: the first by path wins.

A file that cannot be used is skipped with `file:line: reason`, told once at the start of a
session (`notices`) and logged; every other agent still runs. A markdown file that is no
agent at all (`README.md`) is passed over without a word in `.claude/agents/`, as Claude Code
does, but still listed by `cockpit agents`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cockpit.agent.claude_code import load_claude_agent
from cockpit.agent.definition import (
    ALWAYS_GRANTED,
    EVERYWHERE,
    AgentDefinition,
    AgentOrigin,
    AgentWarning,
    NotAnAgent,
    load_agent_file,
)
from cockpit.agent.models import ENV_MODEL, is_known, unknown_model_note
from cockpit.agent.project_rules import project_rules_notices
from cockpit.config.workspace import Workspace, builtin_dir
from cockpit.config.yaml_source import SourceError
from cockpit.safe_text import visible


@dataclass(frozen=True)
class SkippedFile:
    """An agent file that was not loaded, and why."""

    path: Path
    line: int
    reason: str
    silent: bool = False
    """Not an agent file at all (Claude Code passes over it without a word)."""


class AgentCatalog(Mapping[str, AgentDefinition]):
    """The agents by name, the files skipped on the way, and what to tell the user."""

    def __init__(
        self, root: Path, agents: dict[str, AgentDefinition], skipped: list[SkippedFile]
    ) -> None:
        self.root = root
        self.agents = agents
        self.skipped = skipped

    def __getitem__(self, name: str) -> AgentDefinition:
        return self.agents[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.agents)

    def __len__(self) -> int:
        return len(self.agents)

    def shown(self, path: Path) -> str:
        """`path` as a user reads it: relative to the workspace, or `agents/x.md` for a
        built-in."""
        for base in (self.root, builtin_dir("agents").parent):
            if path.is_relative_to(base):
                return path.relative_to(base).as_posix()
        return str(path)

    def notices(self, names: Iterable[str] | None = None) -> list[str]:
        """One terminal-safe line per skipped file and per warning of the agents `names`
        (all when None); an override that widens a built-in is told whoever runs."""
        wanted = set(self.agents if names is None else names)
        lines = [
            f"{self.shown(s.path)}:{s.line}: skipped: {s.reason}"
            for s in self.skipped
            if not s.silent
        ]
        for name, defn in self.agents.items():
            told = defn.warnings if name in wanted else defn.warnings[:1] if defn.widens else ()
            lines.extend(f"{self.shown(defn.source)}:{w.line}: {w.message}" for w in told)
        return [visible(line) for line in lines]

    def skipped_records(self) -> list[dict[str, Any]]:
        """The skipped files worth telling, for the session log (`session.started`)."""
        return [
            {"path": self.shown(s.path), "line": s.line, "reason": s.reason}
            for s in self.skipped
            if not s.silent
        ]


def load_agents(workspace: Workspace, *, default_model: str | None = None) -> AgentCatalog:
    """Every agent the workspace can run (see the module docstring for precedence)."""
    root = workspace.root
    sources = (
        (builtin_dir("agents"), AgentOrigin.BUILTIN),
        (root / ".claude" / "agents", AgentOrigin.CLAUDE),
        (workspace.agents_dir, AgentOrigin.COCKPIT),
    )
    catalog = AgentCatalog(root, {}, [])
    agents, skipped = catalog.agents, catalog.skipped
    inside = root.resolve()
    for folder, origin in sources:
        seen: dict[str, Path] = {}
        workspace_file = origin is not AgentOrigin.BUILTIN
        if workspace_file and folder.is_dir() and not folder.resolve().is_relative_to(inside):
            skipped.append(SkippedFile(folder, 1, _outside(folder)))
            continue
        for path in agent_files(folder, recursive=origin is AgentOrigin.CLAUDE):
            if workspace_file and not path.resolve().is_relative_to(inside):
                # A cloned repository's link must not make an agent of any file on the disk.
                skipped.append(SkippedFile(path, 1, _outside(path)))
                continue
            try:
                defn = _load(path, origin, default_model)
            except NotAnAgent as exc:
                silent = origin is AgentOrigin.CLAUDE
                reason = f"not an agent file ({exc.reason})" if silent else exc.reason + exc.hint
                skipped.append(SkippedFile(path, 1, reason, silent))
                continue
            except SourceError as exc:
                skipped.append(SkippedFile(path, exc.line, exc.reason))
                continue
            if defn.name in seen:
                reason = (
                    f"agent {defn.name!r} is already defined in {catalog.shown(seen[defn.name])}"
                )
                skipped.append(SkippedFile(path, 1, reason))
                continue
            seen[defn.name] = path
            prior = agents.get(defn.name)
            agents[defn.name] = defn if prior is None else _overriding(defn, prior, catalog)
    return catalog


def startup_notices(catalog: AgentCatalog, names: Iterable[str], model: str) -> list[str]:
    """What a session tells once as it starts: skipped agent files, its agents' warnings, a
    session model cockpit does not know, project rules not read or cut."""
    notices = catalog.notices(names)
    if not is_known(model):
        notices.append(visible(f"--model / {ENV_MODEL}: {unknown_model_note(model)}"))
    notices.extend(visible(line) for line in project_rules_notices(catalog.root))
    return notices


def agent_files(folder: Path, *, recursive: bool) -> list[Path]:
    """The `.md` files of `folder` (and of its subfolders when `recursive`), by path;
    hidden files and folders left out, symlinked folders not followed (no loops)."""
    if not folder.is_dir():
        return []
    found: list[Path] = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
        found.extend(Path(top) / f for f in files if f.endswith(".md") and not f.startswith("."))
    return sorted(found, key=lambda p: p.relative_to(folder).parts)


def _outside(path: Path) -> str:
    return f"links outside the workspace (to {path.resolve()}): not read"


def _load(path: Path, origin: AgentOrigin, default_model: str | None) -> AgentDefinition:
    if origin is AgentOrigin.CLAUDE:
        return load_claude_agent(path, default_model=default_model)
    return load_agent_file(path, origin=origin, default_model=default_model)


def _overriding(
    defn: AgentDefinition, prior: AgentDefinition, catalog: AgentCatalog
) -> AgentDefinition:
    """`defn` marked as replacing `prior`, with what it may do that `prior` may not."""
    widens = _widening(defn, prior)
    if not widens and prior.origin is AgentOrigin.BUILTIN and defn.origin is AgentOrigin.COCKPIT:
        # The workspace's own builder in place of the built-in one (a team `cockpit init`
        # wrote): `cockpit agents` says so; one that may do more is told at each start.
        return replace(defn, replaces=prior.source)
    what = "the built-in" if prior.origin is AgentOrigin.BUILTIN else "the"
    message = f"{defn.name!r} replaces {what} agent of that name ({catalog.shown(prior.source)})"
    if widens:
        message += "; it WIDENS it: " + "; ".join(widens)
    warning = AgentWarning(1, message)
    return replace(defn, replaces=prior.source, widens=widens, warnings=(warning, *defn.warnings))


def _widening(defn: AgentDefinition, prior: AgentDefinition) -> tuple[str, ...]:
    gained = [t for t in defn.tools if t not in prior.tools and t not in ALWAYS_GRANTED]
    widens = [f"gains {', '.join(gained)}"] if gained else []
    if _wider_scope(defn.scope, prior.scope):
        widens.append(f"may write {defn.describe_scope()}, not {prior.describe_scope()}")
    return tuple(widens)


def _wider_scope(scope: tuple[str, ...], prior: tuple[str, ...]) -> bool:
    if scope == prior or not scope:
        return False
    if prior == EVERYWHERE:
        return False
    return scope == EVERYWHERE or not set(scope) <= set(prior)
