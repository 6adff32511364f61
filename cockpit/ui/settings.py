"""The screen's settings, from the ``keys:`` and ``screen:`` sections of .cockpit/config.yaml.

```yaml
keys:                  # binding id: key (or "key1,key2"); see `cockpit --help` / `?`
  zoom: z
  next_waiting: w
screen:
  notifications: auto  # auto | osc9 | osc777 | bell | off
  scrollback: 5000     # lines kept per agent pane
```

Built once by `open_screen` and passed to the app; nothing is read at import time. Other
top-level sections belong to other parts of cockpit and are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.agent._yaml import YamlSource
from cockpit.errors import ConfigError

KEYS: Mapping[str, tuple[str, str]] = {
    "zoom": ("z", "zoom the selected pane (again: back to all panes)"),
    "pause": ("p", "pause the selected agent at its next step, or resume it"),
    "message": ("m", "send the selected agent a message (read at its next turn)"),
    "next_waiting": ("w", "jump to the next agent that needs you (reopens its prompt)"),
    "plan": ("t", "show or hide the plan view"),
    "log": ("l", "the session log, live"),
    "help": ("question_mark", "this help"),
    "quit": ("q", "stop the agents and quit (the session stays resumable)"),
    "approve": ("y", "prompt: approve"),
    "deny": ("n", "prompt: deny, with an optional reason"),
    "allow_session": ("a", "prompt: allow for this session"),
    "deny_now": ("escape", "prompt: deny"),
    "later": ("h", "prompt: decide later"),
}
"""Every remappable binding id: its default key and what it does."""

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
"""The replay screen's binding ids (``zoom``, ``plan``, ``help`` and ``quit`` are shared
with the session screen, so one remap serves both)."""

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
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return ScreenConfig()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}:1: cannot read: {exc}") from exc
    src = YamlSource(path)
    root = src.parse(text)
    if root is None:
        return ScreenConfig()
    top = src.mapping(root, "config.yaml")
    keymap: dict[str, str] = {}
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
            keymap[name] = ",".join(part.strip() for part in value.split(",") if part.strip())
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
