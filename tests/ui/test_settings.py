"""The screen's settings from .cockpit/config.yaml: keys, notifications, scrollback."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.errors import ConfigError
from cockpit.ui.settings import (
    KEYS,
    SCREENS,
    ScreenConfig,
    key_label,
    load_screen_config,
    normal_key,
)


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


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        # zoom on q would silently take the quit key away
        ("keys:\n  pause: x\n  zoom: q\n", 3, "`q` is the key of both `quit` and `zoom`"),
        ("keys:\n  approve: n\n", 2, "`approve` cannot take `n`: a key people press to"),
        # a swap passes the collision check, but Escape must never approve
        ("keys:\n  approve: escape\n  deny_now: y\n", 2, "`approve` cannot take `esc`"),
        ("keys:\n  allow_session: enter\n", 2, "`allow_session` cannot take `⏎`"),
        ("keys:\n  later: x\n  approve: h\n", 3, "`approve` cannot take `h`"),
        ("keys:\n  zoom: f\n", 2, "`f` is the key of both `follow` and `zoom` on the replay"),
        ("keys:\n  help: w\n", 2, "`w` is the key of both `next_waiting` and `help`"),
        ("keys:\n  zoom: ctrl+q\n", 2, "`zoom` cannot take `ctrl+q`: it always quits"),
        ("keys:\n  log: tab\n", 2, "`log` cannot take `tab`"),
        ("keys:\n  zoom: '?'\n", 2, "`?` is the key of both `help` and `zoom`"),
    ],
)
def test_a_key_bound_twice_is_refused_with_its_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_screen_config(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert words in str(caught.value)


def test_keys_may_swap_and_quit_may_move(tmp_path: Path) -> None:
    config = load_screen_config(write(tmp_path, "keys:\n  zoom: q\n  quit: z\n"))
    assert config.keymap == {"zoom": "q", "quit": "z"}


def test_the_default_keys_do_not_collide() -> None:
    for _screen, (bindings, kept) in SCREENS.items():
        keys = [key for default, _ in bindings.values() for key in default.split(",")]
        assert len(keys) == len(set(keys))
        assert not set(keys) & kept


@pytest.mark.parametrize(
    ("keys", "label"),
    [
        ("question_mark", "?"),
        ("plus,equals_sign", "+ ="),
        ("full_stop", "."),
        ("ctrl+n", "ctrl+n"),
        ("escape", "esc"),
        ("space", "space"),
        ("left_square_bracket", "["),
        ("home,g", "home g"),
    ],
)
def test_keys_are_shown_as_people_type_them(keys: str, label: str) -> None:
    assert key_label(keys) == label


@pytest.mark.parametrize(("typed", "name"), [("?", "question_mark"), ("+", "plus"), ("z", "z")])
def test_a_key_typed_as_a_character_is_known_by_its_binding_name(typed: str, name: str) -> None:
    """Pins the Textual helper `normal_key` relies on (`textual.keys._character_to_key`)."""
    assert normal_key(typed) == name
