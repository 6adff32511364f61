"""The screens' keys, from the one key table (`cockpit.config.keys`), and the screen's
settings (`cockpit.config.settings`, read by the CLI and passed to the app).

Every `BINDINGS` list is built with `binding`, so a key's default is written only in the
table and a ``keys:`` remap reaches every screen that shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.binding import Binding

from cockpit.config.keys import (
    ALWAYS_QUIT,
    DIALOG_KEYS,
    KEYS,
    PROMPT_KEYS,
    REPLAY_KEYS,
    SCREEN_KEYS,
    key_label,
    normal_key,
)
from cockpit.config.settings import NOTIFICATIONS, ScreenSettings

ScreenConfig = ScreenSettings
"""The screen's part of the settings (its name in the UI)."""

__all__ = [
    "ALWAYS_QUIT",
    "DIALOG_KEYS",
    "KEYS",
    "NOTIFICATIONS",
    "PROMPT_KEYS",
    "REPLAY_KEYS",
    "SCREEN_KEYS",
    "ScreenConfig",
    "binding",
    "key_label",
    "normal_key",
]


def binding(
    table: Mapping[str, tuple[str, str]],
    binding_id: str,
    action: str,
    description: str,
    **options: Any,
) -> Binding:
    """The binding ``binding_id`` of ``table`` with its default key (the app applies the
    ``keys:`` remap to it by id)."""
    return Binding(table[binding_id][0], action, description, id=binding_id, **options)
