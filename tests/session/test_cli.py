"""The `cockpit` command's basics, and core modules that never pull in Textual."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import pytest

import cockpit as cockpit_package
from tests.session._util import cockpit, one_line, python


def test_version() -> None:
    run = cockpit("--version")
    assert run.code == 0
    assert run.out.strip() == f"cockpit {cockpit_package.__version__}"


def test_help_lists_the_log_commands() -> None:
    run = cockpit("--help")
    assert run.code == 0
    assert "Traceback" not in run.err
    for word in ("audit", "log", "--version"):
        assert word in run.out
    audit_help = cockpit("audit", "--help")
    assert audit_help.code == 0
    said = " ".join(audit_help.out.split())
    assert "Exit 0 when valid, 1 when invalid or a violation is found, 3 when" in said
    show_help = cockpit("log", "show", "--help")
    assert show_help.code == 0
    assert "--follow" in show_help.out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["log", "frobnicate"], "invalid choice: 'frobnicate'"),
        (["audit"], "the following arguments are required: LOG"),
        (["log"], "the following arguments are required: COMMAND"),
        (["log", "show"], "the following arguments are required: LOG"),
        (["audit", "x.jsonl", "--jsn"], "unrecognized arguments: --jsn"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], words: str) -> None:
    run = cockpit(*args)
    assert run.code == 2
    assert run.out == ""
    line = one_line(run)
    assert line.startswith("cockpit")
    assert words in line


def _core_modules() -> list[str]:
    """Every module under cockpit/ except the UI, found without importing anything (importing
    a package to walk it, as pkgutil.walk_packages does, would import cockpit.ui)."""
    found: list[str] = []

    def walk(path: list[str], prefix: str) -> None:
        for info in pkgutil.iter_modules(path, prefix):
            if info.name == "cockpit.ui" or info.name.endswith(".__main__"):
                continue  # the UI may use Textual; __main__ runs the CLI when imported
            found.append(info.name)
            if info.ispkg:
                walk([str(Path(path[0]) / info.name.rsplit(".", 1)[-1])], info.name + ".")

    walk(list(cockpit_package.__path__), "cockpit.")
    return sorted(found)


CORE = _core_modules()


def test_the_core_modules_are_found() -> None:
    for name in (
        "cockpit.cli.main",
        "cockpit.config.workspace",
        "cockpit.errors",
        "cockpit.session.log",
    ):
        assert name in CORE
    assert not any(name.startswith("cockpit.ui") for name in CORE)


HYGIENE = """
import importlib, sys
offenders = []
for name in sys.argv[1:]:
    importlib.import_module(name)
    if "textual" in sys.modules:
        offenders.append(name)
        for m in [m for m in sys.modules if m == "textual" or m.startswith("textual.")]:
            del sys.modules[m]
print(" ".join(offenders) or "none")
"""


def test_core_modules_do_not_import_textual() -> None:
    """One fresh interpreter imports the core modules one by one; any import after which
    `textual` is loaded is named (a module that imports an offender is named too)."""
    run = python(HYGIENE, *CORE)
    assert run.code == 0, run.err
    assert run.out.strip() == "none"


def test_hygiene_check_names_an_offender(tmp_path: Path) -> None:
    """The check above can fail: a module importing textual is caught."""
    (tmp_path / "uses_textual.py").write_text("import textual\n")
    run = python(
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n" + HYGIENE, "json", "uses_textual"
    )
    assert run.out.strip() == "uses_textual"
