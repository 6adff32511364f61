"""The classifier's holes from issue 13, closed: expansions that run code hidden in a value,
reading a process's environment, running downloaded packages, inline code named as such,
and symbolic links made in the same command. Where bash is the proof, bash runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.policy.engine import Policy
from cockpit.policy.model import ShellAction, Tier
from tests.policy.conftest import Sandbox, make_sandbox


def decide(sandbox: Sandbox, command: str) -> tuple[Tier, list[str], list[str]]:
    decision = sandbox.policy.classify(ShellAction(command, sandbox.root))
    return decision.tier, list(decision.reasons), [r.id for r in decision.rules]


# -- expansions that run code -------------------------------------------------------------

# Each runs `touch ran` although no command in it shows `touch` outside a quoted value.
HIDDEN_CODE = [
    "x='$(touch ran)'; echo ${x@P}",
    "x='$(touch ran)'; echo \"${x@P}\"",
    "x='a[$(touch ran)]'; echo ${!x}",
    "x='a[$(touch ran)]'; echo $((x))",
    "x='a[$(touch ran)]'; echo $(( $x + 1 ))",
    "x='a[$(touch ran)]'; ((x)) || true",
    "x='a[$(touch ran)]'; let y=x",
    "x='a[$(touch ran)]'; y=(1); echo ${y[x]}",
    "x='a[$(touch ran)]'; [[ $x -eq 0 ]] || true",
    "x='a[$(touch ran)]'; for ((i=x; i<0; )); do :; done",
    "x='a[$(touch ran)]'; [[ -v $x ]] || true",
    "x='a[$(touch ran)]'; printf -v \"$x\" hi",
    "x='a[$(touch ran)]'; read -r \"$x\" <<< hi",
    "x='a[$(touch ran)]'; declare \"$x=1\"",
    "x='a[$(touch ran)]'; declare -n r=$x; echo $r",
    "echo 'a[$(touch ran)]' > v; read -r x < v; echo $((x))",
    ": ${x:='a[$(touch ran)]'}; echo $((x))",
]


@pytest.mark.parametrize("command", HIDDEN_CODE)
def test_expansions_that_run_hidden_code_ask_the_human(
    sandbox: Sandbox, tmp_path: Path, command: str
) -> None:
    subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, check=False)
    assert (tmp_path / "ran").exists(), "bash did not run the hidden code: the case is moot"
    tier, reasons, rules = decide(sandbox, command)
    assert tier is Tier.ASK, reasons
    assert "builtin:code-expansion" in rules
    assert any("runs code" in r or "running any $(...)" in r for r in reasons), reasons


@pytest.mark.parametrize(
    ("command", "named"),
    [
        ("echo ${x@P}", "${x@P} expands the value as a prompt"),
        ("echo ${!x}", "${!x} is indirect expansion"),
        ("x='a[1]'; echo $((x))", "$((x)) evaluates x as arithmetic"),
        ('read -r "$v"', "variable name computed at run time"),
    ],
)
def test_the_reason_names_the_expansion(sandbox: Sandbox, command: str, named: str) -> None:
    _, reasons, _ = decide(sandbox, command)
    assert any(named in r for r in reasons), reasons


@pytest.mark.parametrize(
    "command",
    [
        "echo ${x@Q} ${x@U} ${#x} ${x:-d} ${x%%.*}",
        "echo ${!arr[@]} ${!pre*} ${!pre@}",
        "for i in 1 2 3; do echo $((i+1)); done",
        "for i in {1..5}; do echo $((i*2)); done",
        "i=0; while [ $i -lt 3 ]; do i=$((i+1)); done",
        "n=5; for ((i=0; i<n; i++)); do echo $i; done",
        "x=hello; echo ${x:1:2}",
        'read -r line < list.txt; echo "$line"',
        "printf -v out '%s' hi; echo \"$out\"",
        "echo $((1+2))",
    ],
)
def test_everyday_expansions_stay_tier_1(sandbox: Sandbox, command: str) -> None:
    tier, reasons, rules = decide(sandbox, command)
    assert "builtin:code-expansion" not in rules, reasons
    assert tier is Tier.RUN, reasons


# -- a process's environment --------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "cat /proc/$PPID/environ",
        "cat /proc/self/environ",
        "cat /proc/1/environ",
        "strings /proc/self/environ",
        "xxd /proc/self/environ",
        "tr '\\0' '\\n' < /proc/self/environ",
        "head -c 100 /proc/$(pgrep cockpit)/environ",
        "cat /proc/*/environ",
        "cd /proc/self && cat environ",
        "grep -r KEY /proc/self/",
        "cat /proc/self/task/*/environ",
    ],
)
def test_reading_a_process_environment_asks_the_human(sandbox: Sandbox, command: str) -> None:
    tier, reasons, rules = decide(sandbox, command)
    assert tier is Tier.ASK, reasons
    assert "builtin:read-environ" in rules
    assert any("environment" in r for r in reasons), reasons


@pytest.mark.parametrize(
    "command",
    [
        "ps e",
        "ps eww",
        "ps auxe",
        "ps axeww",
        "ps -e -o pid,environ",
        "ps -oenviron",
        "ps o environ",
        "ps --format=pid,environ",
    ],
)
def test_ps_printing_environments_asks_the_human(sandbox: Sandbox, command: str) -> None:
    tier, reasons, rules = decide(sandbox, command)
    assert tier is Tier.ASK, reasons
    assert rules == ["builtin:read-environ"]


def test_ps_e_shows_a_secret_from_another_process_and_asks(sandbox: Sandbox) -> None:
    """The BSD `e` is the leak, `-e` is not: checked against the real ps."""
    child = subprocess.Popen(
        ["sleep", "30"], env={"PATH": "/usr/bin:/bin", "COCKPIT_TEST_SECRET": "s3cret"}
    )
    try:
        bsd = subprocess.run(["ps", "eww", str(child.pid)], capture_output=True, text=True)
        dash = subprocess.run(["ps", "-e", "-o", "pid,args"], capture_output=True, text=True)
    finally:
        child.kill()
        child.wait()
    assert "COCKPIT_TEST_SECRET=s3cret" in bsd.stdout
    assert "s3cret" not in dash.stdout
    assert decide(sandbox, f"ps eww {child.pid}")[0] is Tier.ASK
    assert decide(sandbox, "ps -e -o pid,args")[0] is Tier.RUN


@pytest.mark.parametrize(
    "command",
    [
        "ps",
        "ps aux",
        "ps -ef",
        "ps -e -o pid,user,cmd",
        "ps o user",
        "ps -C python",
        "cat /proc/self/status",
    ],
)
def test_listing_processes_stays_tier_1(sandbox: Sandbox, command: str) -> None:
    tier, reasons, _ = decide(sandbox, command)
    assert tier is Tier.RUN, reasons


# -- downloaded packages ------------------------------------------------------------------

RUNNERS = [
    "npx cowsay hi",
    "pnpx cowsay hi",
    "bunx cowsay hi",
    "uvx ruff check",
    "pipx run black .",
    "pnpm dlx create-vite app",
    "yarn dlx cowsay hi",
    "npm exec -- cowsay hi",
    "npm x cowsay",
    "bun x cowsay",
    "uv tool run ruff check",
    "npx -p typescript tsc",
    "npx prettier@3 --write .",
]


@pytest.mark.parametrize("command", RUNNERS)
def test_every_way_of_running_a_downloaded_package_is_one_tier(
    sandbox: Sandbox, command: str
) -> None:
    tier, reasons, rules = decide(sandbox, command)
    assert (tier, rules) == (Tier.ASK, ["builtin:fetch-exec"]), reasons
    assert "downloads" in reasons[0] and "runs it" in reasons[0]


def test_the_projects_own_program_through_npx_is_project_code(tmp_path: Path) -> None:
    box = make_sandbox(tmp_path)
    (box.root / "node_modules/.bin").mkdir(parents=True)
    (box.root / "node_modules/.bin/prettier").write_text("#!/bin/sh\n")
    policy = Policy.load(box.root, home=box.home, temp_dir=tmp_path / "tmp")
    for command in ("npx prettier --write .", "bunx prettier", "npm exec -- prettier"):
        decision = policy.classify(ShellAction(command, box.root))
        assert decision.tier is Tier.SNAPSHOT, command
        assert "runs the project's own prettier" in decision.reasons[0]
    # a version or another package still downloads; pnpm dlx and uvx never look locally
    for command in (
        "npx prettier@3",
        "npx -p prettier prettier",
        "pnpm dlx prettier",
        "uvx prettier",
    ):
        assert policy.classify(ShellAction(command, box.root)).tier is Tier.ASK, command


# -- inline code --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("node --eval 1", "runs inline node code"),
        ("bun -e 1", "runs inline JavaScript code"),
        ("make -f - <<EOF\nall:\n\techo hi\nEOF", "runs inline make code"),
        ("vim -es -c '!id'", "runs inline vim commands"),
        ("vim +'!id' x", "runs inline vim commands"),
        ("emacs --batch --eval '(shell-command \"id\")'", "runs inline Emacs Lisp"),
        ("gdb -batch -ex 'shell id'", "runs inline gdb commands"),
    ],
)
def test_inline_code_is_tier_2_and_named(sandbox: Sandbox, command: str, reason: str) -> None:
    tier, reasons, rules = decide(sandbox, command)
    assert tier is Tier.SNAPSHOT, reasons
    assert "builtin:inline-code" in rules
    assert any(reason in r for r in reasons), reasons


def test_a_makefile_from_a_pipe_asks_like_python_from_a_pipe(sandbox: Sandbox) -> None:
    for command in ("echo 'all:;id' | make -f -", "echo 'import os' | python3"):
        tier, reasons, _ = decide(sandbox, command)
        assert tier is Tier.ASK and "reads from a pipe" in reasons[0], command


# -- symbolic links made in the same command ----------------------------------------------


@pytest.mark.parametrize(
    ("command", "where"),
    [
        ("ln -s /etc/passwd x && echo hi > x", "/etc/passwd, outside the workspace"),
        ("ln -s ~/.aws/credentials c; cat c", "~/.aws/credentials, outside the workspace"),
        ("ln -s $HOME/.ssh k && cat k/id_rsa", "~/.ssh, outside the workspace"),
        ("ln -s ../../etc e", "outside the workspace"),
        ("cd src && ln -s ../../home h", "outside the workspace"),
        ("ln -s .git/hooks h && echo x > h/pre-commit", ".git/hooks (git-internals)"),
        ("ln -s .cockpit/rules r", ".cockpit/rules (harness-files)"),
        ("ln -sf plan.md p", "plan.md (the human's plan)"),
        ('ln -s "$X" y', "a path known only at run time"),
        ("cp -s /etc/passwd x && echo hi > x", "/etc/passwd, outside the workspace"),
    ],
)
def test_a_symlink_leading_out_or_onto_a_guarded_path_asks(
    sandbox: Sandbox, command: str, where: str
) -> None:
    tier, reasons, rules = decide(sandbox, command)
    assert tier is Tier.ASK, reasons
    assert "builtin:symlink-escape" in rules
    assert any(where in r for r in reasons), reasons


def test_the_issue_s_symlink_write_lands_outside_and_now_asks(tmp_path: Path) -> None:
    """What the rule stops: bash writes through the link the same command made."""
    box = make_sandbox(tmp_path)
    outside = tmp_path / "outside.txt"
    command = f"ln -s {outside} x && echo hi > x"
    assert box.policy.classify(ShellAction(command, box.root)).tier is Tier.ASK
    subprocess.run(["bash", "-c", command], cwd=box.root, check=True)
    assert outside.read_text() == "hi\n"


@pytest.mark.parametrize(
    "command",
    [
        "ln -s src/app.py a",
        "ln -s -t src ../README.md",
        "cd src && ln -s app.py main.py",
        "ln list.txt l",
    ],
)
def test_links_within_the_workspace_stay_tier_1(sandbox: Sandbox, command: str) -> None:
    tier, reasons, _ = decide(sandbox, command)
    assert tier is Tier.RUN, reasons


def test_the_new_checks_are_listed_by_cockpit_rules(sandbox: Sandbox) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "cockpit", "rules"],
        cwd=sandbox.root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for check in ("code-expansion", "read-environ", "symlink-escape", "fetch-exec"):
        assert f"builtin:{check}" in out
