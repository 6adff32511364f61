"""sed and awk: their scripts are read rather than trusted. A sed `e` command or `s///e`,
an awk `system()` or pipe, run other programs; `w` and `print >` write files."""

from __future__ import annotations

import re

from cockpit.policy.programs.knowledge import Ctx, Handler, Invocation, names, parse_args
from cockpit.policy.shell.words import Word

# -- sed ------------------------------------------------------------------------------------


class SedScript:
    """What a sed script does besides editing its stream."""

    __slots__ = ("executes", "reads", "unknown", "writes")

    def __init__(self) -> None:
        self.executes = False
        self.unknown = False
        self.writes: list[str] = []
        self.reads: list[str] = []


def scan_sed(script: str) -> SedScript:
    out = SedScript()
    s = script
    n = len(s)
    i = 0

    def rest_of_line(j: int) -> tuple[str, int]:
        end = s.find("\n", j)
        end = n if end < 0 else end
        return s[j:end].strip(), end

    def delimited(j: int, delim: str) -> int:
        while j < n and s[j] != delim:
            j += 2 if s[j] == "\\" else 1
        return j + 1

    while i < n:
        ch = s[i]
        if ch in " \t\n;}{!":
            i += 1
            continue
        # addresses
        for _ in range(2):
            if i < n and (s[i].isdigit() or s[i] in "$+~"):
                i += 1
                while i < n and (s[i].isdigit() or s[i] == "~"):
                    i += 1
            elif i < n and s[i] == "/":
                i = delimited(i + 1, "/")
                while i < n and s[i] in "IM":
                    i += 1
            elif i + 1 < n and s[i] == "\\":
                i = delimited(i + 2, s[i + 1])
            while i < n and s[i] in " \t":
                i += 1
            if i < n and s[i] == ",":
                i += 1
                while i < n and s[i] in " \t":
                    i += 1
                continue
            break
        while i < n and s[i] in " \t!":
            i += 1
        if i >= n:
            break
        cmd = s[i]
        i += 1
        if cmd in "{};":
            continue
        if cmd == "#":
            _, i = rest_of_line(i)
        elif cmd in "aic":
            while True:
                end = s.find("\n", i)
                if end < 0 or end == 0 or s[end - 1] != "\\":
                    i = n if end < 0 else end
                    break
                i = end + 1
        elif cmd in ":btTv":
            while i < n and s[i] not in "\n;":
                i += 1
        elif cmd in "rRwW":
            name, i = rest_of_line(i)
            (out.reads if cmd in "rR" else out.writes).append(name)
        elif cmd == "e":
            out.executes = True
            _, i = rest_of_line(i)
        elif cmd in "qQlL":
            while i < n and (s[i].isdigit() or s[i] in " \t"):
                i += 1
        elif cmd in "=dDgGhHnNpPxzF":
            continue
        elif cmd in "sy":
            if i >= n or s[i] in "\n\\":
                out.unknown = True
                return out
            delim = s[i]
            i = delimited(i + 1, delim)
            i = delimited(i, delim)
            if cmd == "s":
                while i < n and s[i] in "gpiImMe0123456789w":
                    flag = s[i]
                    i += 1
                    if flag == "e":
                        out.executes = True
                    elif flag == "w":
                        name, i = rest_of_line(i)
                        out.writes.append(name)
                        break
        else:
            out.unknown = True
            return out
    return out


def _sed(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "efl", ("expression", "file", "line-length"))
    in_place = "i" in args.short or any(name.startswith("in-place") for name in args.long)
    sandbox = "sandbox" in args.long
    scripts = args.all_values("-e", "--expression")
    files = list(args.positionals)
    for script_file in args.all_values("-f", "--file"):
        ctx.read(script_file)
        if not sandbox:
            ctx.flag("run-code", f"runs the sed script {script_file.raw}")
    if not scripts and not args.all_values("-f", "--file"):
        scripts = files[:1]
        files = files[1:]
    for script in scripts:
        if script.dynamic:
            ctx.flag("dynamic-command", "sed script computed at run time")
            continue
        found = scan_sed(script.text)
        if found.unknown:
            ctx.flag("dynamic-command", "sed script cockpit cannot read")
        if sandbox:
            continue
        if found.executes:
            ctx.flag("sed-exec", "sed script runs shell commands (e)")
        for name in found.writes:
            ctx.write(Word(name, name, tilde=name.startswith("~")))
        for name in found.reads:
            ctx.read(Word(name, name, tilde=name.startswith("~")))
    for word in files:
        ctx.read(word)
        if in_place:
            ctx.write(word)
    if not in_place:
        ctx.flag("read-only", "filters text")


# -- awk ------------------------------------------------------------------------------------

_AWK_STRING = re.compile(r'"(?:\\.|[^"\\])*"')
_REGEX_OK_BEFORE = set("(,~!{};&|=<>?:+-*%^\n")


def _awk_strip(program: str) -> tuple[str, list[str]]:
    """Replace string literals with `\0N\0` and drop regex literals."""
    strings: list[str] = []

    def keep(m: re.Match[str]) -> str:
        strings.append(m.group(0)[1:-1])
        return f"\0{len(strings) - 1}\0"

    text = _AWK_STRING.sub(keep, program)
    out: list[str] = []
    last = ""
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "/" and (last == "" or last in _REGEX_OK_BEFORE):
            j = i + 1
            while j < n and text[j] not in "/\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            last = "r"
            continue
        out.append(ch)
        if not ch.isspace():
            last = ch
        i += 1
    return "".join(out), strings


_AWK_PRINT_REDIRECT = re.compile(r"\bprintf?\b[^;{}\n]*?(>>?|\|)\s*(\0(\d+)\0)?")
_AWK_GETLINE_FILE = re.compile(r"\bgetline\b[^;{}\n]*?<\s*(\0(\d+)\0)?")


def _awk(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "fvFE", names("file assign field-separator exec include load"))
    programs = args.all_values("-f", "--file", "-E", "--exec", "-i", "--include")
    positionals = list(args.positionals)
    for program_file in programs:
        ctx.read(program_file)
        ctx.flag("run-code", f"runs the awk program {program_file.raw}")
    if not programs:
        if not positionals:
            return
        program = positionals.pop(0)
        if program.dynamic:
            ctx.flag("dynamic-command", "awk program computed at run time")
        else:
            _awk_program(program.text, ctx)
    for word in positionals:
        if "=" in word.text and not word.text.startswith(("/", ".")):
            continue  # `var=value` operands are assignments, not files
        ctx.read(word)
    ctx.flag("read-only", "filters text")


def _awk_program(program: str, ctx: Ctx) -> None:
    text, strings = _awk_strip(program)
    if re.search(r"\bsystem\s*\(", text) or "|&" in text or re.search(r"(?<!\|)\|(?!\|)", text):
        ctx.flag("awk-exec", "awk program runs shell commands")
    for m in _AWK_PRINT_REDIRECT.finditer(text):
        if m.group(1) == "|":
            continue
        if m.group(3) is None:
            ctx.flag("dynamic-write", "awk program writes to a file named at run time")
        else:
            name = strings[int(m.group(3))]
            ctx.write(Word(name, name))
    for m in _AWK_GETLINE_FILE.finditer(text):
        if m.group(2) is None:
            ctx.flag("dynamic-read", "awk program reads a file named at run time")
        else:
            name = strings[int(m.group(2))]
            ctx.read(Word(name, name))


HANDLERS: dict[str, Handler] = {
    "sed": _sed,
    "gsed": _sed,
    "awk": _awk,
    "gawk": _awk,
    "mawk": _awk,
    "nawk": _awk,
}
