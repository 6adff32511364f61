"""The key table: every binding id of every screen, its default key and what it does.

Written once, here: the screens build their `BINDINGS` from it (`cockpit.ui.keys`) and
`cockpit.config.settings` checks a ``keys:`` remap against it. Keys are named as Textual
names them (``question_mark``, ``ctrl+n``); `normal_key` turns a typed ``?`` into that
name without importing Textual (tests/ui/test_textual_internals.py holds the two equal).
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping

SCREEN_KEYS: Mapping[str, tuple[str, str]] = {
    "next_waiting": ("w", "jump to the next agent that needs you (reopens its prompt)"),
    "pause": ("p", "pause the selected agent at its next step, or resume it"),
    "message": ("m", "send the selected agent a message (read at its next turn)"),
    "zoom": ("z", "zoom the selected pane (again: back to all panes)"),
    "details": ("enter", "the selected agent's last calls in full (left/right: earlier, later)"),
    "diff": ("d", "what the selected agent changed since the session started"),
    "grants": ("g", "the session's grants (allowed for this session), to revoke one"),
    "merge": (
        "M",
        "the merge ceremony: finished, verified branches onto the integration branch; "
        "then bring it into your branch if you say y",
    ),
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
    "diff": ("d", "the selected agent's branch as it is now, against the session's base"),
    "zoom": ("z", "zoom the selected pane (again: back to all panes)"),
    "plan": ("t", "show or hide the plan view"),
    "help": ("question_mark", "this help"),
    "quit": ("q", "quit the replay"),
}
"""The replay screen's binding ids (``zoom``, ``plan``, ``details``, ``diff``, ``help`` and
``quit`` are shared with the session screen, so one remap serves both)."""

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


DIALOG_KEYS: Mapping[str, tuple[str, str]] = {
    "force_quit": (ALWAYS_QUIT, "quit, whatever the keymap says"),
    "prompt.scroll_up": ("up", "scroll the request up"),
    "prompt.scroll_down": ("down", "scroll the request down"),
    "prompt.page_up": ("pageup", "a page up"),
    "prompt.page_down": ("pagedown", "a page down"),
    "message.cancel": ("escape", "close the message without sending it"),
    "help.close": ("escape,q,question_mark", "close the help"),
    "log.close": ("escape,l", "back to the agents"),
    "grants.close": ("escape,q", "close the grants"),
    "grants.revoke": ("r,delete", "revoke the selected grant"),
    "changes.close": ("escape,enter,q", "close the changes"),
    "merge.bring_in": ("y", "bring the integration branch into your branch (tier 3)"),
    "merge.leave": ("n,escape", "leave your branch as it is"),
    "details.close": ("escape,enter,q", "close the details"),
    "details.earlier": ("left", "the call before"),
    "details.later": ("right", "the call after"),
}
"""Keys of the dialogs and the quit that always works: not remappable, kept here so every
screen's keys are written in one place."""

_RENAMED = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}
"""Textual's short names for some characters (its ``KEY_NAME_REPLACEMENTS``)."""


def _character_key(char: str) -> str:
    if char.isalnum():
        return char
    try:
        name = unicodedata.name(char).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return char
    return _RENAMED.get(name, name)


def normal_key(key: str) -> str:
    """A key as Textual names it: ``?`` is ``question_mark``, ``ctrl+x`` stays."""
    key = key.strip()
    return _character_key(key) if len(key) == 1 else key


_TYPED = {
    **{_character_key(c): c for c in string.printable if not c.isspace()},
    **{"up": "↑", "down": "↓", "left": "←", "right": "→", "backspace": "⌫", "enter": "⏎"},
}
"""Key name -> the character shown for it (``question_mark`` -> ``?``), as Textual's
footer shows it."""


def key_label(keys: str) -> str:
    """Keys as people type them: ``?`` not ``question_mark``, ``+ =`` for two keys."""
    labels = []
    for key in keys.split(","):
        *modifiers, name = key.strip().split("+")
        shown = _TYPED.get(name, name)
        labels.append("+".join([*modifiers, {"escape": "esc"}.get(shown, shown)]))
    return " ".join(labels)
