"""The user's own cockpit folder, outside every workspace: the log key and anchors live there.

Its own module, with nothing but the standard library, because the log (which must not load
configuration parsing) and the policy (which must not load the log) both need to know it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/cockpit`` (when absolute), else ``~/.config/cockpit``."""
    env = os.environ if env is None else env
    xdg = env.get("XDG_CONFIG_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "cockpit"
    home = env.get("HOME") or os.path.expanduser("~")
    return Path(home) / ".config" / "cockpit"
