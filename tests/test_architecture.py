"""The shape of the code, read from its source: what lives where.

The import contracts in pyproject.toml (`lint-imports`, run by `make lint`) keep the layers and
forbid cycles; these tests keep what a contract cannot see: kind strings written outside the
events module, printing and argument parsing outside the entry layer, and imports by string.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import cockpit
from cockpit.session.kinds import REGISTRY

PACKAGE = Path(cockpit.__file__).parent
EVENTS_MODULES = {"session/events.py", "session/kinds.py"}


def modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        yield name, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def strings(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_event_kinds_are_written_only_in_the_events_module() -> None:
    kinds = set(REGISTRY)
    found = [
        f"cockpit/{name}:{line}: {text!r}"
        for name, tree in modules()
        if name not in EVENTS_MODULES
        for line, text in strings(tree)
        if text in kinds
    ]
    assert not found, "an event kind written as a string outside the events module:\n" + "\n".join(
        found
    )


def calls(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node.lineno, ast.unparse(node.func)


TERMINAL_CALLS = {"print", "input", "sys.stdout.write", "sys.stderr.write", "getpass.getpass"}


def test_only_the_entry_layer_parses_arguments_or_talks_to_the_terminal() -> None:
    found: list[str] = []
    for name, tree in modules():
        if name.startswith("cli/") or name == "__main__.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if "argparse" in names or getattr(node, "module", None) == "argparse":
                    found.append(f"cockpit/{name}:{node.lineno}: imports argparse")
        found += [
            f"cockpit/{name}:{line}: calls {func}"
            for line, func in calls(tree)
            if func in TERMINAL_CALLS
        ]
    assert not found, "\n".join(found)


def test_no_cockpit_module_is_imported_by_its_name_as_a_string() -> None:
    found = [
        f"cockpit/{name}:{line}: {func}"
        for name, tree in modules()
        for line, func in calls(tree)
        if func in {"importlib.import_module", "import_module", "__import__"}
    ]
    assert not found, "import statements are what the import contracts see:\n" + "\n".join(found)


PACKAGES = sorted(p.parent.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("__init__.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_opens_with_a_map_of_its_modules(package: str) -> None:
    folder = PACKAGE / package
    doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))) or ""
    members = sorted(
        p.stem if p.is_file() else p.name
        for p in folder.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    )
    missing = [m for m in members if m not in doc]
    assert not missing, f"cockpit/{package}/__init__.py does not name: {', '.join(missing)}"
