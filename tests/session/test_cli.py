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
    assert "Exit 0 when valid, 1 otherwise" in " ".join(audit_help.out.split())
    show_help = cockpit("log", "show", "--help")
    assert show_help.code == 0
    assert "--follow" in show_help.out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
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
    for name in ("cockpit.cli", "cockpit.config", "cockpit.errors", "cockpit.session.log"):
        assert name in CORE
    assert not any(name.startswith("cockpit.ui") for name in CORE)


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_import_textual(module: str) -> None:
    run = python(
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))\n"
    )
    assert run.code == 0, run.err
    assert run.out.strip() == "[]", f"{module} imports textual"
