"""The screen's settings from .cockpit/config.yaml: keys, notifications, scrollback."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.errors import ConfigError
from cockpit.ui.settings import KEYS, ScreenConfig, load_screen_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_or_empty_file_gives_defaults(tmp_path: Path) -> None:
    assert load_screen_config(tmp_path / "nope.yaml") == ScreenConfig()
    assert load_screen_config(write(tmp_path, "")) == ScreenConfig()


def test_keys_and_screen_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "approval_timeout_s: 30   # someone else's\n"
        "keys:\n  zoom: x\n  next_waiting: 'ctrl+n, W'\n  log: 7\n  help: '?'\n"
        "screen:\n  notifications: off\n  scrollback: 200\n",
    )
    config = load_screen_config(path)
    # Keys as people type them (`?`) are stored by the names Textual's bindings use.
    assert config.keymap == {
        "zoom": "x",
        "next_waiting": "ctrl+n,W",
        "log": "7",
        "help": "question_mark",
    }
    assert config.notifications == "off"
    assert config.scrollback == 200


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("keys:\n  zoom: z\n  fly: f\n", 3, "no binding `fly`"),
        ("keys:\n  zoom: ''\n", 2, "must be a key"),
        ("screen:\n  notifications: loud\n", 2, "notifications is one of"),
        ("screen:\n  scrollback: 5\n", 2, "scrollback"),
        ("screen:\n  colour: red\n", 2, "unknown setting `colour`"),
        ("keys: [z]\n", 1, "keys must be a mapping"),
    ],
)
def test_mistakes_name_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_screen_config(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert words in str(caught.value)


def test_every_binding_has_a_default_key_and_a_description() -> None:
    assert all(key and what for key, what in KEYS.values())
