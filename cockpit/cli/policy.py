"""`cockpit check`, `cockpit rules` and `cockpit rollback`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from cockpit.config.workspace import Workspace
from cockpit.errors import SafeguardError, UsageError
from cockpit.policy.engine import Policy
from cockpit.policy.model import Decision, ShellAction, Tier
from cockpit.safe_text import visible, visible_json
from cockpit.safeguard.snapshots import Safeguard

if TYPE_CHECKING:
    from cockpit.sandbox.boundary import Limits


def register(sub: Any) -> None:
    """Add the policy subcommands to the `cockpit` parser."""
    check = sub.add_parser(
        "check",
        help="classify a shell command: tier, reasons and matched rules",
        description="Classify a shell command without running it. Quote the command, or put "
        "it after `--`: cockpit check -- rm -rf build",
    )
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument(
        "--sandbox",
        action="store_true",
        help="also show the sandbox the command would run in: network, paths, limits, bwrap argv",
    )
    check.add_argument("--cwd", metavar="DIR", help="the directory the command would run in")
    check.add_argument(
        "--stdin-jsonl",
        action="store_true",
        help='read {"command": ..., "cwd": ...} lines on stdin, write one JSON line each',
    )
    check.add_argument("command", nargs="*", help="the command to classify")
    check.set_defaults(handler=check_command)

    rules = sub.add_parser("rules", help="list the effective policy rules and their sources")
    rules.add_argument("--json", action="store_true", help="print JSON")
    rules.add_argument("--cwd", metavar="DIR", help="a directory inside the workspace")
    rules.set_defaults(handler=rules_command)

    rollback = sub.add_parser("rollback", help="restore the working tree to a tier-2 snapshot")
    rollback.add_argument(
        "ref",
        nargs="?",
        metavar="REF",
        help="refs/cockpit/snapshots/<session>/<n> or <session>/<n>",
    )
    rollback.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rollback.add_argument("--list", action="store_true", help="list the snapshots")
    rollback.add_argument("--cwd", metavar="DIR", help="a directory inside the workspace")
    rollback.set_defaults(handler=rollback_command)


def _workspace(args: argparse.Namespace) -> tuple[Workspace, Path]:
    start = Path(args.cwd or ".")
    if not start.is_dir():
        raise UsageError(f"--cwd {args.cwd}: no such directory")
    return Workspace.discover(start), start.resolve()


# -- check ------------------------------------------------------------------------------------


def check_command(args: argparse.Namespace) -> int:
    workspace, cwd = _workspace(args)
    policy = Policy.load(workspace.root)
    if args.stdin_jsonl:
        if args.command:
            raise UsageError("give either COMMAND or --stdin-jsonl, not both")
        stream_jsonl(policy, cwd, sys.stdin, sys.stdout)
        return 0
    if not args.command:
        raise UsageError("check needs a COMMAND (or --stdin-jsonl)")
    command = " ".join(args.command)
    decision = policy.classify(ShellAction(command, cwd))
    found: dict[str, Any] = {"command": command, **decision.to_dict()}
    if args.sandbox:
        from cockpit.config.settings import load_settings
        from cockpit.sandbox.boundary import Limits

        configured = load_settings(workspace.config_file, screen=False).sandbox
        limits = Limits.configured(configured)
        found["sandbox"] = sandbox_view(policy, decision, command, cwd, limits)
    if args.json:
        print(visible_json(json.dumps(found, ensure_ascii=False)))
    else:
        print(render_decision(decision))
        if args.sandbox:
            print(render_sandbox(found["sandbox"]))
    return 0


MASK_PLACEHOLDER = Path("<mask>")
SESSION_TMP = Path("<session-tmp>")
"""Stands for the session's own /tmp folder, made by its first command."""
"""Stands for the per-run folder of mode-000 masks, which only exists while a command runs."""


def sandbox_view(
    policy: Policy, decision: Decision, command: str, cwd: Path, limits: Limits | None = None
) -> dict[str, Any]:
    """The boundary `command` would run in, as data: nothing runs, so it works without bwrap.

    A tier 3 command is shown as it would run once approved (with the network its
    decision allows); a deny never runs and gets no boundary.
    """
    from cockpit.sandbox.bwrap import bwrap_args
    from cockpit.sandbox.paths import workspace_boundary

    runs = {
        Tier.RUN: "at once",
        Tier.SNAPSHOT: "after a snapshot",
        Tier.ASK: "after your approval",
        Tier.DENY: "never",
    }[decision.tier]
    view: dict[str, Any] = {"runs": runs, "network": decision.network}
    if decision.tier is Tier.DENY:
        view["network_why"] = "a rule denies the command: it never runs"
        return view
    view["network_why"] = _network_why(policy, decision)
    root = Path(policy.paths.root_lexical)
    boundary = workspace_boundary(root, os.environ, network=decision.network, limits=limits)
    plan = [root / "plan.md"] if (root / "plan.md").is_file() else []
    # as a session runs it: its own /tmp, and the human's plan.md read-only
    boundary = dataclasses.replace(
        boundary, tmp=SESSION_TMP, read_only=(*boundary.read_only, *plan)
    )
    bwrap = shutil.which("bwrap") or "bwrap"
    argv = bwrap_args(boundary, ["bash", "-c", command], cwd, MASK_PLACEHOLDER, bwrap)
    limits = boundary.limits
    view.update(
        writable=[str(p) for p in (boundary.workspace, *boundary.writable)],
        read_only=[str(p) for p in boundary.read_only],
        masked=[str(p) for p in boundary.masked],
        limits={
            "processes": limits.processes,
            "memory_bytes": limits.memory_bytes,
            "output_bytes": limits.output_bytes,
            "timeout_s": limits.timeout_s,
        },
        bwrap=argv,
    )
    return view


def _network_why(policy: Policy, decision: Decision) -> str:
    if not decision.network:
        return "no check or rule behind this decision allows the network"
    allowing = {c.ref.id for c in policy.checks.values() if c.network}
    allowing.update(r.id for r in policy.rules if r.network)
    ids = [r.id for r in decision.rules if r.id in allowing or r.id.startswith("grant:")]
    given = ", ".join(dict.fromkeys(ids))
    if decision.tier is Tier.ASK:
        return f"after your approval ({given})"
    return f"{given} allows it for this command"


def _listed(label: str, paths: list[str], empty: str) -> list[str]:
    shown = paths or [empty]
    return [visible(f"  {label if k == 0 else '':<10} {p}") for k, p in enumerate(shown)]


def render_sandbox(view: dict[str, Any]) -> str:
    """The boundary as `cockpit check --sandbox` prints it, each string made visible."""
    network = "on" if view["network"] else "off"
    lines = ["sandbox:", f"  {'runs:':<10} {view['runs']}"]
    lines.append(visible(f"  {'network:':<10} {network}: {view['network_why']}"))
    if "bwrap" not in view:
        return "\n".join(lines)
    lines += _listed(
        "writable:", [*view["writable"], "/tmp (the session's own, empty at its start)"], ""
    )
    everything = "/ (all of it, but the writable roots)"
    lines += _listed("read-only:", [everything, *view["read_only"]], "")
    lines += _listed("masked:", view["masked"], "nothing on this machine")
    limits = view["limits"]
    lines.append(
        f"  {'limits:':<10} {limits['processes']} processes, "
        f"{limits['memory_bytes'] // 1024**2} MiB memory, "
        f"{limits['output_bytes'] // 1024**2} MiB output, {limits['timeout_s']:g} s"
    )
    lines.append(visible(f"  {'bwrap:':<10} {shlex.join(view['bwrap'])}"))
    return "\n".join(lines)


def render_decision(decision: Decision) -> str:
    """The decision as `cockpit check` prints it: a reason quotes the command, a rule id
    and source come from rule files, so each is shown with its control characters visible."""
    lines = [f"tier {decision.tier}"]
    lines.extend(f"  reason: {visible(reason)}" for reason in decision.reasons)
    lines.extend(
        f"  rule:   {visible(rule.id)} ({visible(rule.source)})" for rule in decision.rules
    )
    return "\n".join(lines)


def stream_jsonl(policy: Policy, base: Path, source: TextIO, out: TextIO) -> None:
    """One JSON line out per line in; a bad line gets an error object and the stream goes on."""
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as exc:
            _emit(out, {"line": number, "error": f"invalid JSON: {exc.msg}"})
            continue
        if not isinstance(request, dict) or not isinstance(request.get("command"), str):
            _emit(out, {"line": number, "error": 'expected an object with a "command" string'})
            continue
        cwd_value = request.get("cwd")
        if cwd_value is not None and not isinstance(cwd_value, str):
            _emit(
                out,
                {"line": number, "command": request["command"], "error": '"cwd" must be a string'},
            )
            continue
        cwd = base / cwd_value if cwd_value else base
        decision = policy.classify(ShellAction(request["command"], cwd))
        _emit(out, {"command": request["command"], **decision.to_dict()})


def _emit(out: TextIO, obj: dict[str, Any]) -> None:
    out.write(visible_json(json.dumps(obj, ensure_ascii=False)) + "\n")
    out.flush()


# -- rules ------------------------------------------------------------------------------------


def rules_command(args: argparse.Namespace) -> int:
    workspace, _ = _workspace(args)
    policy = Policy.load(workspace.root)
    checks = [
        {
            "id": c.ref.id,
            "tier": c.tier.wire,
            "network": c.network,
            "source": c.source,
            "justification": c.justification,
        }
        for c in policy.checks.values()
    ]
    rules = [
        {
            "id": r.id,
            "tier": r.tier.wire,
            "network": r.network,
            "source": r.source,
            "kind": r.kind,
            "match": r.describe(),
            "justification": r.justification,
        }
        for r in policy.rules
    ]
    project = _project_rules(workspace.root)
    if args.json:
        listing = {"files": list(policy.files), "checks": checks, "rules": rules}
        print(visible_json(json.dumps({**listing, "project_rules": project}, ensure_ascii=False)))
        return 0
    print(visible("files: " + ", ".join(policy.files)))
    print("\nbuilt-in checks:")
    width = max(len(str(c["id"])) for c in checks)
    for c in checks:
        print(
            visible(
                f"  {c['id']:<{width}}  {c['tier']!s:<4}  {c['source']:<24}  {c['justification']}"
                + _network_mark(c)
            )
        )
    print("\nrules:")
    width = max((len(str(r["id"])) for r in rules), default=4)
    for r in rules:
        print(
            visible(
                f"  {r['id']:<{width}}  {r['tier']!s:<4}  {r['source']:<24}  {r['justification']}"
                + _network_mark(r)
            )
        )
        print(visible(f"  {'':<{width}}        {r['match']}"))
    print("\nproject rules (every agent reads them after the shared base rules):")
    if not project:
        print("  none: no AGENTS.md or CLAUDE.md at the repository root")
    for p in project:
        given = "given to agents" if p["included"] else "not given"
        note = f"; {p['note']}" if p["note"] else ""
        print(visible(f"  {p['file']:<10}  {p['bytes']:>8,} bytes  {given}{note}"))
    return 0


def _network_mark(entry: dict[str, Any]) -> str:
    return " (gets the network)" if entry["network"] else ""


def _project_rules(root: Path) -> list[dict[str, Any]]:
    # The repository's AGENTS.md / CLAUDE.md: agent prompt rules, listed with the policy's.
    from cockpit.agent.project_rules import read_project_rules

    return [
        {
            "file": r.name,
            "bytes": r.size,
            "included": r.included,
            "included_bytes": len(r.text.encode("utf-8")),
            "cut": r.cut,
            "note": r.note,
        }
        for r in read_project_rules(root)
    ]


# -- rollback ---------------------------------------------------------------------------------


def rollback_command(args: argparse.Namespace) -> int:
    workspace, _ = _workspace(args)
    safeguard = Safeguard(workspace.root, "manual", warn=_stderr)
    if args.list:
        if safeguard.repo is None:
            return 1
        snaps = safeguard.all_snapshots()
        if not snaps:
            print("no snapshots")
        for snap in snaps:
            print(visible(f"{snap.ref}  {snap.commit[:12]}  {snap.reason}"))
        return 0
    if not args.ref:
        raise UsageError("rollback needs a REF (see `cockpit rollback --list`)")
    if safeguard.repo is None:
        raise SafeguardError(f"{workspace.root} is not a git repository: nothing to roll back")
    target, restored, removed = safeguard.plan(args.ref)
    if not restored and not removed:
        print(visible(f"the working tree already matches {target.ref}"))
        return 0
    print(visible(f"roll back to {target.ref} ({target.commit[:12]}: {target.reason})"))
    for name in restored:
        print(f"  restore {visible(name)}")  # a file name may hold anything
    for name in removed:
        print(f"  remove  {visible(name)}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(
                "refusing to roll back without confirmation: run it in a terminal or pass --yes"
            )
        answer = input("Roll back? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("cancelled")
            return 1
    result = safeguard.rollback(args.ref)
    print(f"restored {len(result.restored)} file(s), removed {len(result.removed)}")
    if result.safety is not None:
        print(visible(f"undo with: cockpit rollback {result.safety.ref}"))
    return 0


def _stderr(message: str) -> None:
    print(f"cockpit: {visible(message)}", file=sys.stderr)
