"""The screen's settings, from the ``keys:`` and ``screen:`` sections of .cockpit/config.yaml.

```yaml
keys:                  # binding id: key (or "key1,key2"), as typed: `?`, `+`, `ctrl+n`
  zoom: z
  next_waiting: w
screen:
  notifications: auto  # auto | osc9 | osc777 | bell | off
  scrollback: 5000     # lines kept per agent pane
```

A key given to two bindings of one screen is refused (Textual would silently drop one of
them: `zoom: q` would take quit away), as is a key a screen keeps for itself; `ctrl+q`
always quits. Built once by `open_screen` and passed to the app; nothing is read at import
time. Other top-level sections belong to other parts of cockpit and are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from textual.keys import _character_to_key, format_key

from cockpit.config.workspace import read_config
from cockpit.config.yaml_source import YamlSource

SCREEN_KEYS: Mapping[str, tuple[str, str]] = {
    "next_waiting": ("w", "jump to the next agent that needs you (reopens its prompt)"),
    "pause": ("p", "pause the selected agent at its next step, or resume it"),
    "message": ("m", "send the selected agent a message (read at its next turn)"),
    "zoom": ("z", "zoom the selected pane (again: back to all panes)"),
    "details": ("enter", "the selected agent's last calls in full (left/right: earlier, later)"),
    "diff": ("d", "what the selected agent changed since the session started"),
    "grants": ("g", "the session's grants (allowed for this session), to revoke one"),
    "plan": ("t", "show or hide the plan view"),
    "log": ("l", "the session log, live"),
    "help": ("question_mark", "this help"),
    "quit": ("q", "stop the agents and quit (the session stays resumable)"),
}
"""The session screen's binding ids: the default key and what it does."""

PROMPT_KEYS: Mapping[str, tuple[str, str]] = {
    "approve": ("y", "approve: the command runs"),
    "deny": ("n", "deny, with an optional reason the agent sees (Enter sends)"),
    "allow_session": ("a", "allow this exact program for the session (shown first), and approve"),
    "deny_now": ("escape", "deny"),
    "later": ("h", "decide later (the next-needing-me key brings it back)"),
}
"""The tier-3 prompt's binding ids."""

KEYS: Mapping[str, tuple[str, str]] = {**SCREEN_KEYS, **PROMPT_KEYS}
"""Every remappable binding id of a session: its default key and what it does."""

REPLAY_KEYS: Mapping[str, tuple[str, str]] = {
    "play": ("space", "play or pause"),
    "faster": ("plus,equals_sign", "faster (x0.25 .. x16)"),
    "slower": ("minus", "slower"),
    "step": ("full_stop", "one event forward (pauses)"),
    "step_back": ("comma", "one event back (pauses)"),
    "next_marker": ("right_square_bracket", "next approval, denial or error"),
    "prev_marker": ("left_square_bracket", "previous approval, denial or error"),
    **{f"seek_{n}": (str(n), f"seek to {n * 10} % of the session") for n in range(10)},
    "start": ("home,g", "the start of the session"),
    "end": ("end,G", "the end of the session"),
    "follow": ("f", "follow a session still being written (jumps to its end and plays)"),
    "details": ("enter", "everything about the current event: command, reasons, output"),
    "zoom": ("z", "zoom the selected pane (again: back to all panes)"),
    "plan": ("t", "show or hide the plan view"),
    "help": ("question_mark", "this help"),
    "quit": ("q", "quit the replay"),
}
"""The replay screen's binding ids (``zoom``, ``plan``, ``details``, ``help`` and ``quit``
are shared with the session screen, so one remap serves both)."""

ALWAYS_QUIT = "ctrl+q"
"""Quits whatever the keymap says (and is no other binding's key)."""

SCREENS: Mapping[str, tuple[Mapping[str, tuple[str, str]], frozenset[str]]] = {
    "the session screen": (
        SCREEN_KEYS,
        frozenset(
            [
                "tab",
                "shift+tab",
                "ctrl+c",
                "ctrl+q",
                "up",
                "down",
                "left",
                "right",
                "pageup",
                "pagedown",
                "home",
                "end",
            ]
        ),
    ),
    "the tier-3 prompt": (
        PROMPT_KEYS,
        frozenset(["tab", "shift+tab", "enter", "ctrl+q", "up", "down", "pageup", "pagedown"]),
    ),
    "the replay screen": (REPLAY_KEYS, frozenset(["tab", "shift+tab", "ctrl+c", "ctrl+q"])),
}
"""Where keys must not collide: each screen's bindings, and the keys it keeps for itself
(moving between panes, scrolling, copying, the quit that always works)."""


APPROVING = ("approve", "allow_session")
NEVER_APPROVES = frozenset(["escape", "enter", "space", "n", "q", "backspace", "delete"])
"""Keys a person presses to get rid of a prompt (or that deny by default): a config file
(a cloned repository's, say) may never make one of them approve."""


def normal_key(key: str) -> str:
    """A key as Textual names it: ``?`` is ``question_mark``, ``ctrl+x`` stays."""
    key = key.strip()
    return _character_to_key(key) if len(key) == 1 else key


def key_label(keys: str) -> str:
    """Keys as people type them: ``?`` not ``question_mark``, ``+ =`` for two keys."""
    labels = []
    for key in keys.split(","):
        *modifiers, name = key.strip().split("+")
        char = format_key(name)
        shown = char if len(char) == 1 and char.isprintable() and not char.isspace() else name
        labels.append("+".join([*modifiers, {"escape": "esc"}.get(shown, shown)]))
    return " ".join(labels)


NOTIFICATIONS = ("auto", "osc9", "osc777", "bell", "off")


@dataclass(frozen=True)
class ScreenConfig:
    """What the screen takes from the user's configuration."""

    keymap: Mapping[str, str] = field(default_factory=dict)
    """Binding id -> key(s), overriding the defaults in `KEYS`."""
    notifications: str = "auto"
    """How a tier-3 prompt is announced beyond the screen: see `NOTIFICATIONS`."""
    scrollback: int = 5000
    """Transcript lines kept per agent."""
    grace_s: float = 0.5
    """Seconds after a prompt appears during which no key counts."""


def load_screen_config(path: Path) -> ScreenConfig:
    """Read ``path`` (a missing file gives the defaults).

    Raises:
        ConfigError: the file is malformed; the message names the file and line.
    """
    src, top = read_config(path)
    keymap: dict[str, str] = {}
    lines: dict[str, yaml.Node] = {}
    if "keys" in top:
        for name, (key_node, value_node) in src.mapping(top["keys"][1], "keys").items():
            if name not in KEYS and name not in REPLAY_KEYS:
                known = ", ".join({**KEYS, **REPLAY_KEYS})
                raise src.error(key_node, f"keys: no binding `{name}` (bindings: {known})")
            value = src.value(value_node)
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str) or not value.strip():
                raise src.error(value_node, f"keys: `{name}` must be a key such as `z` or `ctrl+z`")
            keys = [normal_key(part) for part in value.split(",") if part.strip()]
            if not keys:
                raise src.error(value_node, f"keys: `{name}` must be a key such as `z` or `ctrl+z`")
            keymap[name], lines[name] = ",".join(keys), value_node
        _refuse_collisions(src, keymap, lines)
    notifications, scrollback = "auto", 5000
    if "screen" in top:
        for name, (key_node, value_node) in src.mapping(top["screen"][1], "screen").items():
            value = src.value(value_node)
            if name == "notifications":
                if value is False:
                    value = "off"
                if value not in NOTIFICATIONS:
                    raise src.error(
                        value_node, f"screen: notifications is one of {', '.join(NOTIFICATIONS)}"
                    )
                notifications = str(value)
            elif name == "scrollback":
                if isinstance(value, bool) or not isinstance(value, int) or value < 100:
                    raise src.error(value_node, "screen: scrollback is a number of lines, ≥ 100")
                scrollback = value
            else:
                raise src.error(
                    key_node, f"screen: unknown setting `{name}` (notifications, scrollback)"
                )
    return ScreenConfig(keymap=keymap, notifications=notifications, scrollback=scrollback)


def _refuse_collisions(
    src: YamlSource, keymap: Mapping[str, str], lines: Mapping[str, yaml.Node]
) -> None:
    """A key bound twice on one screen would silently lose one of its bindings (a remapped
    ``zoom: q`` would hide quit): refuse it, naming the line of the remap.

    Raises:
        ConfigError: two bindings of one screen share a key, or a binding takes a key the
            screen keeps for itself.
    """
    dismissing = NEVER_APPROVES | {
        key for name in ("deny", "deny_now", "later") for key in PROMPT_KEYS[name][0].split(",")
    }
    for name in APPROVING:
        for key in keymap.get(name, "").split(","):
            if key in dismissing:
                raise src.error(
                    lines[name],
                    f"keys: `{name}` cannot take `{key_label(key)}`: a key people press to "
                    "dismiss or deny a prompt never approves",
                )
    for screen, (bindings, kept) in SCREENS.items():
        owner: dict[str, str] = {}  # key -> binding id
        # Remapped bindings last, so a collision is reported on a line of the file.
        for name in sorted(bindings, key=lambda name: name in keymap):
            for key in keymap.get(name, bindings[name][0]).split(","):
                if key in kept and not (key == ALWAYS_QUIT and name == "quit"):
                    why = "it always quits" if key == ALWAYS_QUIT else f"{screen} keeps it"
                    raise src.error(
                        lines[name], f"keys: `{name}` cannot take `{key_label(key)}`: {why}"
                    )
                other = owner.get(key)
                if other is not None and other != name:  # ``name`` is remapped: defaults differ
                    raise src.error(
                        lines[name],
                        f"keys: `{key_label(key)}` is the key of both `{other}` and `{name}` "
                        f"on {screen}: give one of them another key",
                    )
                owner[key] = name
