"""`cockpit agents [--json]`: every agent this workspace can run, where it comes from, what
it may do, and every agent file that was skipped, with the reason.

Everything read from a file is printed with its control characters shown (`safe_text`), and
the JSON is ASCII: an agent file cannot put escape codes on the user's terminal. Registering
the command imports nothing heavy (`cockpit --help` stays fast); reading agents does.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.config.workspace import Workspace
from cockpit.errors import UsageError

if TYPE_CHECKING:
    from cockpit.agent.catalog import AgentCatalog
    from cockpit.agent.definition import AgentDefinition

_ORIGIN_LABEL = {"built-in": "built-in", "claude": "Claude Code", "cockpit": "cockpit"}


def register(sub: Any) -> None:
    """Add `cockpit agents` to the `cockpit` parser."""
    agents = sub.add_parser(
        "agents",
        help="list the agents, their models, tools and write scope, and skipped agent files",
        description="Every agent this workspace can run (built-in, .claude/agents/, "
        ".cockpit/agents/) and every agent file that was skipped, with the reason.",
    )
    agents.add_argument("--json", action="store_true", help="print one JSON object")
    agents.add_argument("--model", help="the session's model, as `cockpit --model` takes it")
    agents.add_argument("--cwd", metavar="DIR", help="a directory inside the workspace")
    agents.set_defaults(handler=agents_command)


def agents_command(args: argparse.Namespace) -> int:
    from cockpit.agent.catalog import load_agents
    from cockpit.agent.models import session_model

    start = Path(args.cwd or ".")
    if not start.is_dir():
        raise UsageError(f"--cwd {args.cwd}: no such directory")
    model = session_model(args.model, os.environ)
    catalog = load_agents(Workspace.discover(start), default_model=model)
    report = catalog_report(catalog, model)
    if args.json:
        print(json.dumps(report))
    else:
        print("\n".join(render(report)))
    return 0


def catalog_report(catalog: AgentCatalog, model: str) -> dict[str, Any]:
    """The catalog as plain data: agents by name, then the skipped files."""
    from cockpit.agent.models import is_known

    return {
        "session_model": {"model": model, "priced": is_known(model)},
        "agents": [_agent(catalog, d) for d in sorted(catalog.values(), key=lambda d: d.name)],
        "skipped": [
            {
                "path": catalog.shown(s.path),
                "line": s.line,
                "reason": s.reason,
                "silent": s.silent,
            }
            for s in catalog.skipped
        ],
    }


def render(report: dict[str, Any]) -> list[str]:
    """The report for a terminal: one block per agent, then the skipped files."""
    from cockpit.agent.models import ENV_MODEL
    from cockpit.safe_text import visible

    session = report["session_model"]
    lines = [
        f"session model: {_model(session['model'], session['priced'])} "
        f"(--model, else ${ENV_MODEL}, else sonnet)"
    ]
    for agent in report["agents"]:
        lines += ["", f"{agent['name']}  {_model(agent['model'], agent['priced'])}"]
        lines.append(f"  from     {agent['source']} ({agent['origin']})")
        shell = " (bash: read-only commands)" if agent["read_only_shell"] else ""
        lines.append(f"  tools    {', '.join(agent['tools'])}{shell}")
        lines.append(f"  writes   {agent['writes']}")
        if agent["dropped_tools"]:
            lines.append(f"  dropped  {', '.join(agent['dropped_tools'])}")
        lines.extend(f"  warning  line {w['line']}: {w['message']}" for w in agent["warnings"])
    lines += ["", "skipped agent files:" if report["skipped"] else "skipped agent files: none"]
    lines.extend(f"  {s['path']}:{s['line']}: {s['reason']}" for s in report["skipped"])
    return [visible(line) for line in lines]


def _agent(catalog: AgentCatalog, defn: AgentDefinition) -> dict[str, Any]:
    from cockpit.agent.models import is_known

    return {
        "name": defn.name,
        "source": catalog.shown(defn.source),
        "origin": _ORIGIN_LABEL[str(defn.origin)],
        "model": defn.model,
        "priced": is_known(defn.model),
        "tools": list(defn.tools),
        "read_only_shell": defn.read_only_shell and "bash" in defn.tools,
        "writes": defn.describe_scope(),
        "scope": list(defn.scope),
        "dropped_tools": list(defn.dropped_tools),
        "replaces": catalog.shown(defn.replaces) if defn.replaces else None,
        "widens": list(defn.widens),
        "warnings": [{"line": w.line, "message": w.message} for w in defn.warnings],
    }


def _model(model: str, priced: bool) -> str:
    return model if priced else f"{model} (no price: not a model cockpit knows)"
