"""Desktop notifications by terminal escape sequence: OSC 9 and OSC 777.

OSC 9 (``ESC ] 9 ; text BEL``) is understood by iTerm2, kitty, WezTerm, Windows Terminal,
ConEmu and Ghostty; OSC 777 (``ESC ] 777 ; notify ; title ; body BEL``) by foot, rxvt-unicode
and VTE terminals (GNOME Terminal, Tilix). Terminals that know neither ignore both. Inside
tmux the sequence is wrapped for passthrough (it needs ``set -g allow-passthrough on``).
"""

from __future__ import annotations

from collections.abc import Mapping

from cockpit.safe_text import visible


def choose(setting: str, env: Mapping[str, str]) -> str:
    """The notification kind to use: ``osc9``, ``osc777``, ``bell`` or ``off``."""
    if setting != "auto":
        return setting
    term = env.get("TERM", "")
    if env.get("VTE_VERSION") or term.startswith(("foot", "rxvt")):
        return "osc777"
    return "osc9"


def sequence(kind: str, title: str, body: str, *, tmux: bool = False) -> str:
    """The escape sequence that shows ``title``/``body`` (empty for ``bell``/``off``)."""
    title, body = _safe(title), _safe(body)
    if kind == "osc9":
        seq = f"\x1b]9;{title}: {body}\x07"
    elif kind == "osc777":
        seq = f"\x1b]777;notify;{title};{body}\x07"
    else:
        return ""
    if tmux:
        seq = "\x1bPtmux;" + seq.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return seq


def _safe(text: str) -> str:
    """Control characters shown as escapes (raw, one would end the sequence early: BEL,
    ESC, the C1 string terminator) and no ``;``."""
    flat = visible(text).replace(";", " ").strip()
    return flat if len(flat) <= 200 else flat[:199] + "…"
