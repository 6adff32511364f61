"""Test-wide settings: property tests judge behaviour, not the speed of a busy machine."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings

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
