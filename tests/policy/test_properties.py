"""Properties that must hold for any input: no crash, garbage is tier 3, and wrapping a
command in a list, pipeline, subshell, substitution, shell -c, timeout or env never makes it
look safer."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.policy.model import ShellAction, severity
from cockpit.policy.shell.analysis import parse
from tests.policy.conftest import Sandbox, make_sandbox
from tests.policy.test_corpus import CASES

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    return make_sandbox(tmp_path_factory.mktemp("props"))


def tier_of(box: Sandbox, command: str) -> int:
    decision = box.policy.classify(ShellAction(command, box.root))
    assert not any("could not classify" in r for r in decision.reasons), decision.reasons
    return severity(decision.tier)


# -- never raises, garbage is tier 3 -----------------------------------------------------------


@SETTINGS
@given(st.text(max_size=200))
def test_any_text_is_classified_and_parse_errors_are_tier_3(box: Sandbox, text: str) -> None:
    level = tier_of(box, text)
    tree = parse(text.encode("utf-8", "surrogatepass"))
    if tree.root_node.has_error:
        assert level >= 3, text


@SETTINGS
@given(st.binary(max_size=120))
def test_any_bytes_are_classified(box: Sandbox, data: bytes) -> None:
    tier_of(box, data.decode("utf-8", "replace"))


SHELL_SOUP = st.text(alphabet=st.sampled_from(list("ab rm-f;|&()$`'\"\\<>{}*~\n#=!")), max_size=40)


@SETTINGS
@given(SHELL_SOUP)
def test_shell_metacharacter_soup_never_breaks_the_classifier(box: Sandbox, text: str) -> None:
    tier_of(box, text)


# -- wrapping never lowers the tier -------------------------------------------------------------

# Atoms are plain commands: wrapping a keyword, an assignment or a `cd` in `timeout` changes
# what bash runs, not just how it is checked.
_NOT_AN_ATOM = re.compile(
    r"^\s*(?:[A-Za-z_][A-Za-z0-9_]*=|[({!#\[]|(?:if|then|else|fi|for|while|until|do|done|case|"
    r"esac|select|function|in)\b|f\(\))|\bcd\b|\bpushd\b|\bpopd\b|\n|#|[^&]&[^&]|&$"
)

ATOMS = sorted({c.values[1] for c in CASES if c.values[1] and not _NOT_AN_ATOM.search(c.values[1])})

PROGRAMS = [
    "ls",
    "cat",
    "rm",
    "git",
    "curl",
    "sudo",
    "python",
    "echo",
    "sed",
    "find",
    "npm",
    "bash",
    "eval",
    "xargs",
    "dd",
    "chmod",
    "tee",
    "grep",
    "unknowntool",
]
ARGS = [
    "-rf",
    "-i",
    "x",
    "README.md",
    "/etc/hosts",
    "~/.ssh/id_rsa",
    "push",
    "--force",
    "-c",
    "'rm -rf x'",
    "$x",
    "$(ls)",
    "install",
    "-g",
    "-delete",
    "-exec",
    "{}",
    ";",
    "status",
    "> out.txt",
    "2>&1",
    "|",
    "&&",
    ">>",
    "~",
    "/",
]

generated = st.builds(
    lambda program, args: " ".join([program, *args]),
    st.sampled_from(PROGRAMS),
    st.lists(st.sampled_from(ARGS), max_size=5),
)
atoms = st.one_of(st.sampled_from(ATOMS), generated)

SAFE = "ls -la"
WRAPPERS: dict[str, Callable[[str], str]] = {
    "A; B": lambda a: f"{a}; {SAFE}",
    "B; A": lambda a: f"{SAFE}; {a}",
    "A && B": lambda a: f"{a} && {SAFE}",
    "B && A": lambda a: f"{SAFE} && {a}",
    "A | B": lambda a: f"{a} | {SAFE}",
    "B | A": lambda a: f"{SAFE} | {a}",
    "(A)": lambda a: f"( {a} )",  # spaced: `((` would be arithmetic
    "$(A)": lambda a: f"echo $( {a} )",  # the space: `$((` would be arithmetic
    "bash -c 'A'": lambda a: f"bash -c {shlex.quote(a)}",
    "timeout 5 A": lambda a: f"timeout 5 {a}",
    "env X=1 A": lambda a: f"env X=1 {a}",
}


def test_atoms_cover_every_tier() -> None:
    assert len(ATOMS) > 200


@SETTINGS
@given(atoms, st.sampled_from(sorted(WRAPPERS)))
def test_wrapping_never_lowers_the_tier(box: Sandbox, atom: str, wrapper: str) -> None:
    wrapped = WRAPPERS[wrapper](atom)
    assert tier_of(box, wrapped) >= tier_of(box, atom), (atom, wrapped)


TIER3 = sorted(
    {c.values[1] for c in CASES if c.values[0] in (3, "deny") and c.values[1] in set(ATOMS)}
)


@SETTINGS
@given(st.sampled_from(TIER3), st.lists(st.sampled_from(sorted(WRAPPERS)), min_size=1, max_size=4))
def test_tier_3_stays_tier_3_under_nested_wrappings(
    box: Sandbox, atom: str, wrappers: list[str]
) -> None:
    assert tier_of(box, atom) >= 3
    command = atom
    for wrapper in wrappers:
        command = WRAPPERS[wrapper](command)
    assert tier_of(box, command) >= 3, command


def test_tier_3_atoms_exist(box: Sandbox) -> None:
    assert len(TIER3) >= 10
    assert all(tier_of(box, a) >= 3 for a in TIER3)


def test_deeply_nested_shells_fail_closed(box: Sandbox) -> None:
    command = "ls"
    for _ in range(12):
        command = f"bash -c {shlex.quote(command)}"
    assert tier_of(box, command) == 3


def test_huge_nesting_does_not_crash(box: Sandbox) -> None:
    assert tier_of(box, "(" * 400 + "ls" + ")" * 400) >= 3
    assert tier_of(box, "echo " + "$(" * 300 + "ls" + ")" * 300) >= 1


def test_sandbox_is_outside_real_home(box: Sandbox) -> None:
    assert box.home != Path.home()


# tree-sitter-bash#337: `{` followed by a 4-byte UTF-8 character crashed the process.
CRASHERS = ["{\U00031860", "{\U0010b010\x11I", "a{\U000f0000", "echo {x} \U0001f389", "{\U0001f8c1"]


def test_inputs_that_crash_tree_sitter_bash_are_parsed_safely(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from cockpit.policy.engine import Policy\n"
        "from cockpit.policy.model import ShellAction\n"
        "policy = Policy.load(Path(sys.argv[1]))\n"
        "for command in json.loads(sys.argv[2]):\n"
        "    for _ in range(50):\n"
        "        decision = policy.classify(ShellAction(command, Path(sys.argv[1])))\n"
        "    print(decision.tier)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), json.dumps(CRASHERS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.split()) == len(CRASHERS)


def test_masking_keeps_the_real_characters_in_words(box: Sandbox) -> None:
    decision = box.policy.classify(ShellAction("echo {ok} \U0001f389 > party.txt", box.root))
    assert decision.tier == 1
    assert decision.reasons[0] == "creates party.txt: echo {ok} \U0001f389 > party.txt"
