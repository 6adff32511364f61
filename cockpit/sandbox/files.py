"""PLACEHOLDER until i13-walls merges."""

from __future__ import annotations

from pathlib import Path

from cockpit.errors import CockpitError
from cockpit.sandbox.boundary import BlockedBy


class WallError(CockpitError):
    def __init__(self, message: str, blocked_by: BlockedBy, path: Path) -> None:
        super().__init__(message)
        self.blocked_by = blocked_by
        self.path = path
