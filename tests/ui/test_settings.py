"""The screen's settings from .cockpit/config.yaml: keys, notifications, scrollback."""

from __future__ import annotations

import importlib
import pkgutil
import string
from pathlib import Path

import pytest

from cockpit.config.keys import KEYS, SCREENS, key_label, normal_key
from cockpit.config.settings import ScreenSettings as ScreenConfig
from cockpit.config.settings import load_settings
from cockpit.errors import ConfigError


def load_screen_config(path: Path) -> ScreenConfig:
    return load_settings(path).screen


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


def test_the_model_limits_come_with_the_screen_settings(tmp_path: Path) -> None:
    """One read of config.yaml gives every setting: the screen's and the model's."""
    settings = load_settings(
        write(tmp_path, "screen:\n  scrollback: 300\nmodel:\n  idle_timeout: 12\n  retries: 0\n")
    )
    assert settings.screen.scrollback == 300
    assert (settings.model.idle_timeout_s, settings.model.retries) == (12, 0)
    assert settings.model.turn_timeout_s == 900.0  # what is not given keeps its default


@pytest.mark.parametrize("char", [c for c in string.printable if not c.isspace()])
def test_key_names_match_textuals(char: str) -> None:
    """The config names keys without importing Textual: the names must be Textual's, or a
    remapped key would bind nothing (this fails when Textual renames a key)."""
    from textual.keys import _character_to_key

    assert normal_key(char) == _character_to_key(char)
    assert key_label(normal_key(char)) == char


def _screen_classes() -> list[type[object]]:
    from textual.app import App
    from textual.screen import Screen

    import cockpit.ui

    classes = []
    for info in pkgutil.iter_modules(cockpit.ui.__path__):
        module = importlib.import_module(f"cockpit.ui.{info.name}")
        classes += [
            c
            for c in vars(module).values()
            if isinstance(c, type)
            and issubclass(c, App | Screen)
            and c.__module__ == module.__name__
            and "BINDINGS" in vars(c)
        ]
    return classes


def test_every_binding_of_every_screen_comes_from_the_key_table() -> None:
    """A key's default is written once: each binding carries an id of the table and the
    table's key, so a remap by id reaches it and the help shows what really works."""
    from textual.binding import Binding

    from cockpit.config.keys import DIALOG_KEYS, REPLAY_KEYS

    table = {**DIALOG_KEYS, **REPLAY_KEYS, **KEYS}
    classes = _screen_classes()
    assert len(classes) >= 10
    for cls in classes:
        for b in vars(cls)["BINDINGS"]:
            assert isinstance(b, Binding), (cls, b)
            assert b.id in table, f"{cls.__name__}: {b.key} -> {b.action} has no table id"
            defaults = {**DIALOG_KEYS, **REPLAY_KEYS} if "Replay" in cls.__name__ else table
            assert b.key == defaults[b.id][0], (cls.__name__, b.id)
