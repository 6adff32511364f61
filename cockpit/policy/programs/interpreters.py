"""Language runtimes and build tools: running project code is tier 2, inline code too, and
code read from a pipe or a process substitution is checked where it comes from."""

from __future__ import annotations

from cockpit.policy.programs.knowledge import Ctx, Handler, Invocation, flagged, names, parse_args
from cockpit.policy.programs.packages import pip
from cockpit.policy.shell.words import Word


def _interpreter(
    inline: str,
    inline_long: tuple[str, ...] = (),
    values: str = "",
    long_values: tuple[str, ...] = (),
    in_place: str = "",
) -> Handler:
    """A language runtime: `inline` lists the short options whose value is code."""

    long_names = tuple(o.lstrip("-") for o in inline_long + long_values)

    def handle(inv: Invocation, ctx: Ctx) -> None:
        args = parse_args(inv.args, inline + values, long_names, stop_at_positional=True)
        code = next(
            (
                w
                for opt, w in args.values
                if (len(opt) == 2 and opt[1] in inline) or opt in inline_long
            ),
            None,
        )
        if code is not None:
            ctx.flag("inline-code", f"runs inline {inv.name} code")
            files = args.positionals
        elif args.positionals:
            script = args.positionals[0]
            if script.text == "-":
                ctx.stdin_code(inv.name, shell=False)
            else:
                ctx.code_file(script, f"runs the program {script.raw}")
            files = args.positionals[1:]
        else:
            ctx.stdin_code(inv.name, shell=False)
            files = ()
        if in_place and any(args.has("-" + letter) for letter in in_place):
            for word in files:
                if not word.text.startswith("-"):
                    ctx.write(word)

    return handle


def _python(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "cmWX", (), stop_at_positional=True)
    module = args.value("-m")
    if args.value("-c") is not None:
        ctx.flag("inline-code", "runs inline Python code")
    elif module is not None:
        rest = list(args.positionals)
        if module.text == "pip":
            pip(inv._replace(argv=(Word("pip", "pip"), *rest), name="pip", args=tuple(rest)), ctx)
        elif module.text in ("http.server", "SimpleHTTPServer", "smtpd"):
            ctx.flag("run-code", f"starts a network server (python -m {module.raw})")
        else:
            ctx.flag("run-code", f"runs the Python module {module.raw}")
    elif args.positionals:
        script = args.positionals[0]
        if script.text == "-":
            ctx.stdin_code("python", shell=False)
        else:
            ctx.code_file(script, f"runs the program {script.raw}")
    elif args.has("-V", "--version", "-h", "--help"):
        ctx.flag("read-only", "prints the Python version")
    else:
        ctx.stdin_code("python", shell=False)


def _deno(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, stop_at_positional=True)
    sub = args.positionals[0].text if args.positionals else ""
    if sub in ("eval", "repl"):
        ctx.flag("inline-code", f"runs inline code (deno {sub})")
    elif sub in ("install", "upgrade", "uninstall"):
        ctx.flag("global-install", f"deno {sub} changes installed tools")
    else:
        ctx.flag("run-code", "runs a Deno program")


def _make(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args,
        "CfIjlWo",
        names("directory file makefile include-dir jobs load-average what-if old-file"),
    )
    makefiles = args.all_values("-f", "--file", "--makefile")
    # tree-sitter-bash drops the `-` of `make -f - <<EOF`: an -f with no value is that shape
    if any(w.text in ("-", "/dev/stdin", "/proc/self/fd/0", "/dev/fd/0") for w in makefiles) or (
        not makefiles and args.has("-f", "--file", "--makefile")
    ):
        ctx.stdin_code("make", shell=False)  # `make -f -`: a Makefile given inline
        return
    for word in makefiles:
        ctx.read(word)
    if args.has(
        "-n", "--dry-run", "--just-print", "--recon", "-q", "--question", "-p", "--print-data-base"
    ) and not args.has("-f"):
        ctx.flag("run-code", "make evaluates the Makefile even in a dry run")
    else:
        ctx.flag("run-code", "runs project build steps (make)")


_EDITOR_COMMANDS = {
    "vim": ("c", ("cmd",), "S", "vim commands (`:!` runs shell commands)"),
    "emacs": ("f", ("eval", "load", "funcall", "script"), "l", "Emacs Lisp"),
    "gdb": ("", ("ex", "iex", "x", "ix", "eval-command", "command"), "x", "gdb commands"),
}


def _editor(family: str) -> Handler:
    """Editors and debuggers that take commands on the command line (`vim -es -c '!id'`,
    `emacs --batch --eval`, `gdb -batch -ex 'shell id'`): inline code like `python -c`."""
    short, long, files, language = _EDITOR_COMMANDS[family]

    def handle(inv: Invocation, ctx: Ctx) -> None:
        words = inv.args
        for i, word in enumerate(words):
            text = word.text
            option = text.lstrip("-").partition("=")[0]
            dashes = len(text) - len(text.lstrip("-"))
            given = (
                (text.startswith("+") and family == "vim")
                or (dashes == 1 and len(option) == 1 and option in short + files)
                or (dashes >= 1 and option in long)
            )
            if given:
                if dashes == 1 and option in files and i + 1 < len(words):
                    ctx.code_file(words[i + 1], f"runs {language} from {words[i + 1].raw}")
                else:
                    ctx.flag("inline-code", f"runs inline {language}")
                return
        ctx.flag("run-code", f"runs {inv.name} (its startup files can run commands)")

    return handle


HANDLERS: dict[str, Handler] = {
    "python": _python,
    "pypy": _python,
    "node": _interpreter("ep", ("--eval", "--print"), "r", ("require", "import", "loader")),
    "nodejs": _interpreter("ep", ("--eval", "--print"), "r", ("require",)),
    "deno": _deno,
    "ruby": _interpreter("e", (), "rICEx", (), in_place="i"),
    "perl": _interpreter("eE", (), "IMmx", (), in_place="i"),
    "php": _interpreter("rBRFE", (), "cdfz", ()),
    "lua": _interpreter("e", (), "l", ()),
    "luajit": _interpreter("e", (), "lb", ()),
    "Rscript": _interpreter("e", (), "", ()),
    "julia": _interpreter("eE", ("--eval", "--print"), "", ()),
    "osascript": _interpreter("e", (), "l", ()),
    "tclsh": _interpreter("", (), "", ()),
    "groovy": _interpreter("e", (), "", ()),
    "java": flagged("run-code", "runs a Java program"),
    "dotnet": flagged("run-code", "runs .NET tooling"),
    "vim": _editor("vim"),
    "vi": _editor("vim"),
    "nvim": _editor("vim"),
    "ex": _editor("vim"),
    "gvim": _editor("vim"),
    "emacs": _editor("emacs"),
    "gdb": _editor("gdb"),
    "make": _make,
    "gmake": _make,
    "pytest": flagged("run-code", "runs the test suite"),
    "tox": flagged("run-code", "runs the test suite"),
    "nox": flagged("run-code", "runs the test suite"),
    "mypy": flagged("run-code", "type-checks the project (plugins run code)"),
    "ruff": flagged("run-code", "lints or formats the project"),
}
