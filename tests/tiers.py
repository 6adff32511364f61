"""Which tier a test belongs to, read from its code: the rule ``tests/conftest.py`` applies.

The test function, the fixtures it uses, and (transitively) every function and class of
``tests/`` and ``bench/`` that they name are scanned for the names they use; the first match wins:

- ``e2e``: uses the ``tmux`` fixture or names ``pty`` / ``openpty``: a real terminal.
- ``snapshot``: uses the ``snap_compare`` fixture.
- ``pilot``: names ``run_test``: it runs the Textual app with Pilot.
- ``pure``: names none of ``SUBPROCESS_NAMES`` (no subprocess, no git repo, no agent
  session, no tool run): it runs in-process only. A guard in ``tests/conftest.py`` fails a
  ``pure`` test that starts a subprocess after all, so the rule cannot drift silently.
- anything else has no tier marker (an integration test with real subprocesses).
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Iterator

import pytest

TERMINAL_NAMES = frozenset({"pty", "openpty"})
# What starts a process: the standard APIs, and cockpit's own parts that run one
# (git for snapshots and workspaces, bash for tools, the agent session, the CLI).
SUBPROCESS_NAMES = frozenset(
    {
        "subprocess",
        "Popen",
        "create_subprocess_exec",
        "create_subprocess_shell",
        "fork",
        "git",
        "Repo",
        "Toolbox",  # runs bash
        "prepare_new",  # a session: its supervisor snapshots with git and runs tools
        "prepare_resume",
        "begin_new",  # the sandbox probe of a session about to start
        "Supervisor",
    }
)


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _ours(obj: object) -> bool:
    if isinstance(obj, types.ModuleType):
        module = obj.__name__
    else:
        module = getattr(obj, "__module__", "") or ""
    return module.split(".")[0] in {"tests", "bench"}


def _test_wide(function: object) -> bool:
    """The autouse machinery of ``tests/conftest.py`` (config dir, the pure guard)."""
    return getattr(function, "__module__", "") == "tests.conftest"


def _functions(obj: object) -> Iterator[types.FunctionType]:
    handle = getattr(obj, "hypothesis", None)  # a @given test: its own code is inside
    obj = getattr(handle, "inner_test", obj)
    obj = inspect.unwrap(obj) if callable(obj) else obj
    if isinstance(obj, types.ModuleType):  # a module of ours named whole: all of its code
        for value in vars(obj).values():
            if getattr(value, "__module__", None) == obj.__name__:
                yield from _functions(value)
    elif isinstance(obj, types.FunctionType):
        yield obj
    elif isinstance(obj, type):
        for value in vars(obj).values():
            if isinstance(value, staticmethod | classmethod):
                value = value.__func__
            if isinstance(value, types.FunctionType):
                yield value


def names_used(roots: list[object]) -> set[str]:
    """Every name the given functions use, following the test code they name."""
    found: set[str] = set()
    seen: set[int] = set()
    todo = [f for root in roots for f in _functions(root)]
    while todo:
        function = todo.pop()
        if id(function) in seen:
            continue
        seen.add(id(function))
        module_globals = function.__globals__
        for code in _code_objects(function.__code__):
            for name in code.co_names:
                found.add(name)
                target = module_globals.get(name)
                if target is not None and _ours(target):
                    todo.extend(_functions(target))
    return found


def tier(item: pytest.Function) -> str | None:
    """The tier marker for one collected test (None: an integration test)."""
    fixtures = set(item.fixturenames)
    roots: list[object] = [item.function]
    info = getattr(item, "_fixtureinfo", None)
    if info is not None:
        for definitions in info.name2fixturedefs.values():
            roots.extend(d.func for d in definitions if _ours(d.func) and not _test_wide(d.func))
    names = names_used(roots) | fixtures
    if "tmux" in fixtures or names & TERMINAL_NAMES:
        return "e2e"
    if "snap_compare" in fixtures:
        return "snapshot"
    if "run_test" in names:
        return "pilot"
    if names & SUBPROCESS_NAMES:
        return None
    return "pure"
