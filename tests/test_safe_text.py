"""The one function every surface shows untrusted text through."""

from __future__ import annotations

import json

import pytest

from cockpit.safe_text import describe_hidden, visible, visible_json, visible_lines
from tests.hostile import HOSTILE, SPOOF, assert_shown


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_hostile_string_is_shown_not_obeyed(name: str) -> None:
    payload = HOSTILE[name]
    assert_shown(visible(payload), [payload], lines=False)
    assert "\n" not in visible(payload)  # one line: a table cell, a header, a prompt line
    many = visible_lines(f"before\n{payload}\nafter")
    assert many.split("\n")[0] == "before" and many.split("\n")[-1] == "after"
    assert not [c for c in many if c != "\n" and visible(c) != c]


def test_the_spoof_reads_as_what_bash_runs() -> None:
    assert visible(SPOOF) == (
        "rm -rf build #\\x1b]0;pwned\\x07\\x1b[2K\\x1b[1A\\x1b[2Kgit status (read-only)"
    )
    assert describe_hidden(SPOOF) == "\\x1b at column 15, and 4 more"


def test_lines_keep_newlines_expand_tabs_and_drop_only_colours_when_asked() -> None:
    assert visible_lines("a\tb\r\nc") == "a   b\nc"
    assert visible_lines("\x1b[32mok\x1b[0m", colours=True) == "ok"
    assert visible_lines("\x1b[32mok\x1b[0m") == "\\x1b[32mok\\x1b[0m"
    # only plain colour codes go: a title change inside output still shows
    assert visible_lines("\x1b]0;t\x07\x1b[2J", colours=True) == "\\x1b]0;t\\x07\\x1b[2J"
    # a carriage return that would overwrite the line is shown, not obeyed
    assert visible_lines("rm -rf /\rls", colours=True) == "rm -rf /\\rls"


def test_a_script_with_newlines_and_tabs_is_not_hidden_text() -> None:
    assert describe_hidden("for f in *; do\n\techo $f\ndone") is None
    assert describe_hidden("ls\n\x07") == "\\x07 at line 2, column 1"
    assert describe_hidden("a\tb", layout=False) == "\\t at column 2"


def test_json_stays_the_same_value_and_prints_safely() -> None:
    value = {"command": "\x1b]52;c;eA==\x07 \u202e \U000e0041 é"}
    shown = visible_json(json.dumps(value, ensure_ascii=False))
    assert json.loads(shown) == value
    assert "é" in shown and "\x1b" not in shown and "\u202e" not in shown
    assert "\U000e0041" not in shown
