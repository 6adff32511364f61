"""Test-wide settings: each test's own config dir, property tests that judge behaviour
rather than the speed of a busy machine, and the tier markers.

Tiers (run one with ``pytest -m pure``, ``-m pilot``, ``-m snapshot``, ``-m e2e``) are read
from each test's code by ``tests/tiers.py``: ``e2e`` drives a real terminal (tmux or a pty),
``snapshot`` uses ``snap_compare``, ``pilot`` runs the app with Pilot (names ``run_test``),
``pure`` names no way of starting a process (nor a helper of ``tests/`` that does); the rest
(real git repos, the CLI in a subprocess, agent sessions) carries no tier marker. A ``pure``
test that starts a subprocess after all fails, naming the command, so the rule stays true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.tiers import tier

settings.register_profile(
    "cockpit",
    deadline=None,  # CI machines are small and shared: a slow example is not a failure
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("cockpit")


def pytest_configure(config: pytest.Config) -> None:
    """Before any fixture (session-scoped ones too): this run's own user config dir, so
    nothing a test starts reads or writes the real ~/.config/cockpit (log key, anchors)."""
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="cockpit-test-config-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ.get("XDG_CONFIG_HOME", ""), ignore_errors=True)


@pytest.fixture(autouse=True)
def _own_log_key(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own user config dir (log key, anchors), inherited by the
    subprocesses it starts: no test reads or writes the real ~/.config/cockpit, and two
    tests never share an anchor for the same session id."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.Function) and (name := tier(item)) is not None:
            item.add_marker(name)


@pytest.fixture(autouse=True)
def _pure_starts_no_process(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """A test the rule calls ``pure`` fails if it starts a process all the same."""
    if request.node.get_closest_marker("pure") is None:
        yield
        return
    started: list[str] = []
    real = subprocess.Popen._execute_child  # type: ignore[attr-defined]

    def recording(self: subprocess.Popen[Any], args: Any, *rest: Any) -> Any:
        started.append(str(args))
        return real(self, args, *rest)

    monkeypatch.setattr(subprocess.Popen, "_execute_child", recording)
    yield
    if started:
        pytest.fail(f"marked pure by tests/tiers.py but started a process: {started[0]}")
