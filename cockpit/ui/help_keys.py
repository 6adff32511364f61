"""What the live screen's help page lists: every key as mapped, and the session's notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cockpit.ui.settings import ALWAYS_QUIT, PROMPT_KEYS, SCREEN_KEYS, key_label

Keys = list[tuple[str, str]]


def session_help(
    keymap: Mapping[str, str], notices: Sequence[str], session: str
) -> tuple[Keys, list[str], Keys]:
    """The screen's keys, the notes (launch warnings first), and the prompt's keys."""
    keys = [
        (key_label(keymap.get(name, default)), what)
        for name, (default, what) in SCREEN_KEYS.items()
    ]
    keys += [
        ("tab", "select the next pane"),
        ("↑ ↓ home end", "scroll the selected pane (home: its first line kept)"),
        ("ctrl+c", "copy the selected text (drag with the mouse to select)"),
        (key_label(ALWAYS_QUIT), "quit, whatever the keys are mapped to"),
    ]
    prompt = [
        (key_label(keymap.get(name, default)), what)
        for name, (default, what) in PROMPT_KEYS.items()
    ]
    notes = [
        *(f"⚠ {notice}" for notice in notices),
        f"Session {session}",
        "Keys are remapped in .cockpit/config.yaml",
    ]
    return keys, notes, prompt
