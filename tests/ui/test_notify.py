"""Desktop notifications: which escape sequence, and that nothing can break out of it."""

from __future__ import annotations

import pytest

from cockpit.ui import notify


@pytest.mark.parametrize(
    ("env", "kind"),
    [
        ({"TERM": "xterm-kitty"}, "osc9"),
        ({"TERM": "xterm-256color", "VTE_VERSION": "7600"}, "osc777"),
        ({"TERM": "foot"}, "osc777"),
        ({"TERM": "rxvt-unicode-256color"}, "osc777"),
        ({}, "osc9"),
    ],
)
def test_auto_picks_what_the_terminal_understands(env: dict[str, str], kind: str) -> None:
    assert notify.choose("auto", env) == kind
    assert notify.choose("off", env) == "off"


def test_sequences() -> None:
    assert (
        notify.sequence("osc9", "cockpit", "builder waits") == "\x1b]9;cockpit: builder waits\x07"
    )
    assert notify.sequence("osc777", "cockpit", "builder waits") == (
        "\x1b]777;notify;cockpit;builder waits\x07"
    )
    assert notify.sequence("bell", "a", "b") == ""
    assert notify.sequence("off", "a", "b") == ""


def test_a_command_cannot_end_the_sequence_early() -> None:
    seq = notify.sequence("osc777", "t;x", "rm -rf /\x07\x1b]0;pwned\x07; echo")
    assert seq.count("\x07") == 1 and seq.endswith("\x07")
    assert seq.count("\x1b") == 1
    assert seq.count(";") == 3  # 777;notify;title;body


def test_a_c1_terminator_or_a_bidi_override_is_shown_in_the_notification() -> None:
    seq = notify.sequence("osc9", "cockpit", "rm -rf /\x9c\x1b]52;c;eA==\x07 \u202eexe")
    assert seq == "\x1b]9;cockpit: rm -rf /\\x9c\\x1b]52 c eA==\\x07 \\u202eexe\x07"


def test_inside_tmux_the_sequence_is_wrapped_for_passthrough() -> None:
    seq = notify.sequence("osc9", "a", "b", tmux=True)
    assert seq == "\x1bPtmux;\x1b\x1b]9;a: b\x07\x1b\\"
