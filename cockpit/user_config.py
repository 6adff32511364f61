"""Where cockpit keeps what is the user's, not a workspace's: the log key and its anchors.

Its own module so that the policy (which treats the folder as a credential) finds it
without loading the session machinery: `cockpit check` stays light."""

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
