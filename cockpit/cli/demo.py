"""`cockpit demo`: a whole supervised session, offline, in two minutes, without an API key.

It copies a small project (``sessions/demo/project``: textstats, with a failing test and
a plan.md) into a fresh temporary git repository and runs a scripted planner, builder and
reviewer on it (``sessions/demo/script.yaml``). They hit every tier: reads and new files
run at once, edits and test runs are snapshotted first, and four critical actions wait
for you (approve the planner's plan.md edit and the next two, deny the force-push). At the
end it prints where the log is and how to replay it. Textual is imported only when the screen opens.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from cockpit.config.workspace import Workspace, builtin_dir, cockpit_command
from cockpit.errors import ConfigError, UsageError
from cockpit.session.status import AgentStatus

if TYPE_CHECKING:
    from cockpit.supervisor.headless import OnIdle
    from cockpit.supervisor.launch import LaunchOptions, Prepared

GOAL = (
    "Word counts are wrong for text with runs of spaces, newlines or tabs: fix them, "
    "and add a command line with JSON output."
)
STREAM_CHARS = 3  # characters per streamed chunk...
STREAM_DELAY_S = 0.012  # ...and the pause between chunks, at speed 1
_SCALED = ("delay_s", "chunk_delay_s", "wait_s")


def demo_dir() -> Path:
    return builtin_dir("sessions") / "demo"


def make_workspace(target: Path) -> Path:
    """Copy the demo project into ``target`` (a new folder) and commit it to a new repo."""
    if target.exists() and any(target.iterdir()):
        raise UsageError(f"{target} is not empty; give --dir a new folder")
    shutil.copytree(demo_dir() / "project", target, dirs_exist_ok=True)
    git = ["git", "-C", str(target)]
    for command in (
        ["init", "-q"],
        ["symbolic-ref", "HEAD", "refs/heads/main"],
        ["config", "user.name", "cockpit demo"],
        ["config", "user.email", "demo@cockpit.invalid"],
        ["config", "commit.gpgsign", "false"],
        ["add", "-A"],
        ["commit", "-q", "-m", "textstats 0.3.0"],
    ):
        done = subprocess.run([*git, *command], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise UsageError(f"git {command[0]} failed in {target}: {done.stderr.strip()}")
    return target


def write_script(target: Path, speed: float) -> Path:
    """The demo script with every pause scaled by ``speed`` and long texts streamed."""
    source = demo_dir() / "script.yaml"
    try:
        script = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{source}:1: cannot read the demo script: {exc}") from exc
    for turns in script["agents"].values():
        for turn in turns:
            _scale(turn, speed)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(script, sort_keys=False, allow_unicode=True), "utf-8")
    return target


def _scale(turn: dict[str, Any], speed: float) -> None:
    if turn.get("text") and "chunk_chars" not in turn:
        turn["chunk_chars"] = STREAM_CHARS
        turn["chunk_delay_s"] = STREAM_DELAY_S
    for key in _SCALED:
        if key in turn:
            turn[key] = round(float(turn[key]) * speed, 4)
    retry = turn.get("retry")
    if isinstance(retry, dict) and "wait_s" in retry:
        retry["wait_s"] = round(float(retry["wait_s"]) * speed, 4)


def demo_options(
    root: Path, speed: float, *, screen: bool = True, no_sandbox: bool = False
) -> LaunchOptions:
    from cockpit.config.settings import load_settings
    from cockpit.supervisor.launch import LaunchOptions

    script = write_script(root / ".cockpit" / "demo-script.yaml", speed)
    workspace = Workspace(root)
    settings = load_settings(workspace.config_file, screen=screen)
    return LaunchOptions(
        workspace=workspace, goal=GOAL, script=script, settings=settings, no_sandbox=no_sandbox
    )


REVIEWER_ANSWER = "The builder has committed the --json flag: please review it now."
"""What the headless demo tells its reviewer, playing the human's part (logged as the
demo's message, not the human's): the reviewer blocks until it is told phase 2 is in."""


def _run(args: argparse.Namespace) -> int:
    from cockpit.supervisor.launch import prepare_new

    if not args.speed > 0:
        raise UsageError("--speed must be more than 0")
    if args.dir:
        root = make_workspace(Path(args.dir).resolve())
    else:
        root = make_workspace(Path(tempfile.mkdtemp(prefix="cockpit-demo-")) / "textstats")
    options = demo_options(root, args.speed, screen=not args.headless, no_sandbox=args.no_sandbox)
    print(f"cockpit demo: workspace {root}", file=sys.stderr)
    if args.headless:
        from cockpit.cli.headless import run_on_terminal

        ask = sys.stdin.isatty()
        prepared = prepare_new(dataclasses.replace(options, headless_deny=not ask))
        code = asyncio.run(
            run_on_terminal(prepared, ask=ask, on_idle=_answer_the_reviewer(prepared))
        )
    else:
        from cockpit.cli.screen import print_farewell, run_screen

        prepared = prepare_new(dataclasses.replace(options, keep_alive=True))
        result = run_screen(prepared, options.settings.screen)
        print_farewell(prepared, result)
        code = result.exit_code
    for line in farewell(root, prepared.log.path, made_here=args.dir is None):
        print(f"cockpit demo: {line}", file=sys.stderr)
    return code


def _answer_the_reviewer(prepared: Prepared) -> OnIdle:
    """Headless, nobody can message the reviewer when it blocks for phase 2: once every
    agent has stopped, the demo does, once, in the human's place and under its own name."""
    answered = False

    async def on_idle(statuses: dict[str, AgentStatus]) -> bool:
        nonlocal answered
        if answered or statuses.get("reviewer") != AgentStatus.BLOCKED:
            return False
        answered = True
        await prepared.supervisor.message("reviewer", REVIEWER_ANSWER, by="demo")
        return True

    return on_idle


def farewell(root: Path, log: Path, *, made_here: bool) -> list[str]:
    """Where the demo's workspace and log are, and commands that work pasted into the
    user's shell, wherever it is (a log path, not a session id, names the workspace)."""
    cockpit = cockpit_command()
    quoted = shlex.quote(str(log))
    lines = [
        f"the session log is {log}",
        f"replay it:  {cockpit} replay {quoted}",
        f"audit it:   {cockpit} audit {quoted}",
        f"resume it:  {cockpit} resume {quoted}",
    ]
    if made_here:
        lines.append(
            f"the demo workspace stays in {root} for those; remove it with: "
            f"rm -rf {shlex.quote(str(root.parent))}"
        )
    else:
        lines.append(f"the demo workspace is {root}")
    return lines


def register(sub: Any) -> None:
    demo = sub.add_parser(
        "demo",
        help="an offline session with scripted agents: no API key needed",
        description=(
            "Run a scripted planner, builder and reviewer on a small project in a new "
            "temporary git repository. Four critical actions will ask for you: approve "
            "the first three with y (the planner's edit of plan.md among them), deny the "
            "force-push with n."
        ),
    )
    demo.add_argument("--headless", action="store_true", help="no screen: print log lines")
    demo.add_argument("--dir", help="create the demo workspace here (a new folder)")
    demo.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run the demo's commands without the bubblewrap sandbox",
    )
    demo.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="scale every scripted pause (0.2 runs five times faster)",
    )
    demo.set_defaults(handler=_run)
