"""The plan module is core: it runs headless and never pulls in the UI toolkit."""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = [
    "cockpit.plan",
    "cockpit.plan.model",
    "cockpit.plan.parse",
    "cockpit.plan.document",
    "cockpit.plan.diff",
    "cockpit.plan.update",
    "cockpit.plan.watch",
]


@pytest.mark.parametrize("module", MODULES)
def test_module_does_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; assert 'textual' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)
