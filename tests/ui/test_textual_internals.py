"""The private parts of Textual that cockpit's screen relies on are still there, as used.

Textual is pinned to one series (pyproject.toml); when the pin moves, these fail first and
name the cockpit module to fix, instead of a transcript that silently stops scrolling or a
bell that never rings.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import inspect
import pkgutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from rich.segment import Segment
from textual import keys
from textual._compositor import Compositor
from textual.app import App
from textual.driver import Driver
from textual.reactive import Reactive
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

import cockpit.ui
from cockpit.ui.screen import CockpitScreen
from cockpit.ui.transcript import Transcript, offset_style

ROOT = Path(__file__).resolve().parents[2]

# (the cockpit module that needs it, the Textual function, the parameters cockpit uses)
PRIVATE_CALLS: list[tuple[str, Callable[..., object], list[str]]] = [
    ("cockpit.ui.transcript", ScrollView._scroll_update, ["self", "virtual_size"]),
    ("cockpit.ui.settings", keys._character_to_key, ["character"]),
    ("cockpit.ui.transcript", Strip.apply_offsets, ["self", "x", "y"]),
    ("cockpit.ui.inbox", Driver.write, ["self", "data"]),
]
# Hooks cockpit's Transcript overrides: Textual must still call them, with these parameters.
OVERRIDDEN: list[tuple[str, list[str]]] = [
    ("render_lines", ["self", "crop"]),
    ("render_line", ["self", "y"]),
    ("get_selection", ["self", "selection"]),
    ("selection_updated", ["self", "selection"]),
    ("notify_style_update", ["self"]),
]


def parameters(function: Callable[..., object]) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_installed_textual_is_the_pinned_series() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (wanted,) = [r for r in map(Requirement, project["dependencies"]) if r.name == "textual"]
    assert any(spec.operator == "<" for spec in wanted.specifier), f"{wanted} has no ceiling"
    installed = importlib.metadata.version("textual")
    assert wanted.specifier.contains(installed), f"textual {installed} is not {wanted}"


@pytest.mark.parametrize(("needed_by", "function", "expected"), PRIVATE_CALLS)
def test_a_private_call_keeps_its_signature(
    needed_by: str, function: Callable[..., object], expected: list[str]
) -> None:
    assert parameters(function) == expected, f"{needed_by} calls {function.__qualname__}"


@pytest.mark.parametrize(("hook", "expected"), OVERRIDDEN)
def test_an_overridden_hook_keeps_its_signature(hook: str, expected: list[str]) -> None:
    textual_hook = getattr(Widget, hook)
    assert parameters(textual_hook) == expected, f"cockpit.ui.transcript overrides {hook}"
    assert parameters(getattr(Transcript, hook)) == expected


def test_the_compositor_draws_a_widget_through_render_lines() -> None:
    # Transcript draws padding, background and line filters in its own render_lines: the
    # compositor must call it, not a newer path around it.
    assert "widget.render_lines(" in inspect.getsource(Compositor)
    assert "self._scroll_update(" in inspect.getsource(ScrollView)


def test_offsets_are_the_meta_textual_reads_for_a_mouse_selection() -> None:
    # cockpit.ui.transcript caches the style apply_offsets would make; they must agree.
    strip = Strip([Segment("ab")]).apply_offsets(3, 7)
    first = next(iter(strip))
    assert first.style is not None and first.style.meta == offset_style(3, 7).meta


def test_the_screen_focus_cockpit_redefines_is_still_a_reactive() -> None:
    # cockpit.ui.screen redefines Screen.focused without its repaint: same name, same kind.
    assert isinstance(vars(Screen)["focused"], Reactive)
    assert isinstance(vars(CockpitScreen)["focused"], Reactive)


def test_the_app_keeps_its_driver_where_the_bell_looks_for_it() -> None:
    # cockpit.ui.inbox writes the desktop notification's escape sequence to app._driver.
    app = App[None]()
    assert "_driver" in vars(app) and app._driver is None  # set once the app runs
    assert callable(getattr(Driver, "write", None))


def written_private_names(cls: type) -> set[str]:
    """The ``self._x`` a cockpit class assigns, and the ``_x`` methods it defines."""
    tree = ast.parse(inspect.getsource(cls))
    stored = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Store)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    }
    textual_base = textual_base_of(cls)
    made_by_textual = set(vars(type("Probe", (textual_base,), {})))  # metaclass bookkeeping
    reactives = {name for name, value in vars(cls).items() if isinstance(value, Reactive)}
    bookkeeping = {f"_default_{name}" for name in reactives}  # what Reactive adds for itself
    defined = set(vars(cls)) - made_by_textual - bookkeeping
    return {n for n in stored | defined if n.startswith("_") and not n.startswith("__")}


def textual_base_of(cls: type) -> type:
    return next(b for b in cls.__mro__[1:] if b.__module__.startswith("textual."))


def cockpit_textual_classes() -> list[type]:
    found = []
    for info in pkgutil.iter_modules(cockpit.ui.__path__):
        module = importlib.import_module(f"cockpit.ui.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and any(b.__module__.startswith("textual.") for b in value.__mro__[1:])
            ):
                found.append(value)
    return found


@pytest.mark.parametrize("cls", cockpit_textual_classes(), ids=lambda c: c.__qualname__)
def test_cockpit_uses_no_private_name_its_textual_base_has(cls: type) -> None:
    # A name cockpit gives its own state (Transcript's _cache, _rows...) that a new Textual
    # also uses would overwrite Textual's (or be overwritten) with no error at all.
    base = textual_base_of(cls)
    textual_names = set(dir(base)) | set(vars(base()))
    clashes = written_private_names(cls) & textual_names
    assert not clashes, f"{cls.__module__}.{cls.__qualname__} shadows Textual's {clashes}"
