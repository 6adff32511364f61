"""Programs that run other programs: they are transparent, so the inner command is what
counts (`timeout 5 rm -rf x` is `rm -rf x`), and shells and `eval` are parsed again."""

from __future__ import annotations

from cockpit.policy.programs.knowledge import Ctx, Handler, Invocation, names, parse_args
from cockpit.policy.shell.analysis import split_simple
from cockpit.policy.shell.words import Word, literal

SHELLS = frozenset(names("sh bash zsh dash ksh mksh ash yash posh"))
FOREIGN_SHELLS = frozenset(names("fish csh tcsh nu xonsh elvish pwsh powershell"))
PRIVILEGE = frozenset(names("sudo doas su runuser pkexec chroot sg newgrp"))


def _run_rest(inv: Invocation, ctx: Ctx, rest: tuple[Word, ...] | list[Word], via: str) -> None:
    if rest:
        ctx.run(rest, via)


def _timeout(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "ks", ("kill-after", "signal"), stop_at_positional=True)
    _run_rest(inv, ctx, args.positionals[1:], "timeout")


def _nice(inv: Invocation, ctx: Ctx) -> None:
    words = list(inv.args)
    if words and words[0].text.startswith("-") and words[0].text[1:].isdigit():
        words = words[1:]  # `nice -10 cmd`
    args = parse_args(words, "n", ("adjustment",), stop_at_positional=True)
    if not args.positionals:
        ctx.flag("read-only", "prints the niceness")
    _run_rest(inv, ctx, args.positionals, "nice")


def _plain(name: str, short_values: str = "", long_values: tuple[str, ...] = ()) -> Handler:
    def handle(inv: Invocation, ctx: Ctx) -> None:
        args = parse_args(inv.args, short_values, long_values, stop_at_positional=True)
        if not args.positionals:
            ctx.flag("read-only", f"{name} with nothing to run")
        _run_rest(inv, ctx, args.positionals, name)

    return handle


def _time(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "of", ("output", "format"), stop_at_positional=True)
    for out in args.all_values("-o", "--output"):
        ctx.write(out)
    if not args.positionals:
        ctx.flag("read-only", "times nothing")
    _run_rest(inv, ctx, args.positionals, "time")


def _command(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "", (), stop_at_positional=True)
    if args.has("-v", "-V") or not args.positionals:
        ctx.flag("read-only", "looks up a command")
        return
    _run_rest(inv, ctx, args.positionals, inv.name)


def _exec(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "a", (), stop_at_positional=True)
    if not args.positionals:
        ctx.flag("read-only", "exec with only redirections")
    _run_rest(inv, ctx, args.positionals, "exec")


def _env(inv: Invocation, ctx: Ctx) -> None:
    words = list(inv.args)
    cwd: str | bool | None = True
    i = 0
    while i < len(words):
        word = words[i]
        text = word.text
        if word.dynamic:
            ctx.flag("dynamic-command", "env with an argument computed at run time")
            return
        if text == "--":
            i += 1
            break
        split: Word | None = None
        if text in ("-S", "--split-string") and i + 1 < len(words):
            split, i = words[i + 1], i + 2
        elif text.startswith("--split-string="):
            split, i = Word(text.partition("=")[2], word.raw), i + 1
        elif text.startswith("-S") and len(text) > 2:
            split, i = Word(text[2:], word.raw), i + 1
        if split is not None:
            inner = None if split.dynamic else split_simple(split.text, inv.cwd, ctx.home)
            if inner is None:
                ctx.flag("dynamic-command", "env -S with a string that cannot be checked")
                return
            words = inner + words[i:]
            i = 0
            continue
        if text in ("-C", "--chdir") and i + 1 < len(words):
            cwd = ctx.directory(words[i + 1])
            i += 2
            continue
        if text.startswith("--chdir="):
            cwd = ctx.directory(Word(text.partition("=")[2], word.raw))
            i += 1
            continue
        if text in ("-u", "--unset") and i + 1 < len(words):
            i += 2
            continue
        if text.startswith("-") and len(text) > 1:
            i += 1
            continue
        name, eq, _ = text.partition("=")
        if eq and name:
            ctx.assign(name, Word(text[len(name) + 1 :], word.raw))
            i += 1
            continue
        break
    rest = words[i:]
    if not rest:
        ctx.flag("read-only", "prints the environment")
        return
    ctx.run(rest, "env", cwd=cwd)


def _xargs(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args,
        "aEeIiLlnPsd",
        names(
            "arg-file eof replace max-lines max-args max-procs max-chars delimiter process-slot-var"
        ),
        stop_at_positional=True,
    )
    for source in args.all_values("-a", "--arg-file"):
        ctx.read(source)
    replace = args.value("-I", "--replace", "-i")
    inner = list(args.positionals) or [literal("echo")]
    stdin_word = Word("<input>", "<input>", dynamic=True)
    if replace is not None and not replace.dynamic and replace.text:
        token = replace.text
        inner = [
            Word(w.text, w.raw, dynamic=True) if token in w.text and i > 0 else w
            for i, w in enumerate(inner)
        ]
    else:
        inner.append(stdin_word)
    ctx.run(inner, "xargs")


def _shell(inv: Invocation, ctx: Ctx) -> None:
    words = inv.args
    saw_c = False
    i = 0
    while i < len(words):
        text = words[i].text
        if words[i].fd or (words[i].dynamic and not text.startswith(("-", "+", "$"))):
            break
        if words[i].dynamic:
            ctx.flag("dynamic-command", f"{inv.name} with an option computed at run time")
            return
        if text in ("--", "-"):
            i += 1
            break
        if text.startswith("--"):
            i += 2 if text in ("--rcfile", "--init-file") else 1
            continue
        if len(text) > 1 and text[0] in "-+":
            letters = text[1:]
            if "c" in letters:
                saw_c = True
            i += 1
            if "o" in letters or "O" in letters:
                i += 1
            continue
        break
    rest = words[i:]
    if saw_c:
        code = rest[0] if rest else Word("", "")
        ctx.script(None if code.dynamic else code, f"{inv.name} -c")
    elif rest:
        ctx.code_file(rest[0], f"runs the shell script {rest[0].raw}")
    else:
        ctx.stdin_code(inv.name, shell=True)


def _foreign_shell(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "", ())
    if args.has("-c", "--command", "-Command", "-command") or "c" in args.short:
        ctx.flag("dynamic-command", f"{inv.name} runs code cockpit cannot parse")
    elif args.positionals:
        ctx.code_file(args.positionals[0], f"runs the {inv.name} script {args.positionals[0].raw}")
    else:
        ctx.stdin_code(inv.name, shell=False)


def _eval(inv: Invocation, ctx: Ctx) -> None:
    if any(w.dynamic for w in inv.args):
        ctx.script(None, "eval")
        return
    ctx.script(Word(" ".join(w.text for w in inv.args), inv.text), "eval")


def _source(inv: Invocation, ctx: Ctx) -> None:
    if not inv.args:
        ctx.flag("read-only", "source with no file")
        return
    ctx.code_file(inv.args[0], f"runs the shell script {inv.args[0].raw} in this shell")


def _privileged(inv: Invocation, ctx: Ctx) -> None:
    name = inv.name
    ctx.flag("privilege", f"runs as another user ({name})")
    if name == "sudo":
        args = parse_args(
            inv.args,
            "ugCDhprtTU",
            names("user group close-from chdir host prompt role type command-timeout other-user"),
            stop_at_positional=True,
        )
        _run_rest(inv, ctx, args.positionals, "sudo")
    elif name in ("doas", "pkexec"):
        args = parse_args(inv.args, "uC", ("user",), stop_at_positional=True)
        _run_rest(inv, ctx, args.positionals, name)
    elif name in ("su", "runuser", "sg"):
        args = parse_args(
            inv.args,
            "csgGu",
            names("command session-command shell group supp-group user"),
        )
        command = args.value("-c", "--command", "--session-command")
        if command is not None:
            ctx.script(None if command.dynamic else command, f"{name} -c")
        elif name == "runuser" and args.value("-u", "--user") is not None:
            _run_rest(inv, ctx, args.positionals, name)
        elif name == "sg" and len(args.positionals) > 1:
            ctx.script(Word(" ".join(w.text for w in args.positionals[1:]), inv.text), "sg")
    elif name == "chroot":
        args = parse_args(inv.args, "", ("userspec", "groups"), stop_at_positional=True)
        _run_rest(inv, ctx, args.positionals[1:], "chroot")


def _watch(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args, "nqd", ("interval", "differences", "equexit"), stop_at_positional=True
    )
    rest = args.positionals
    if args.has("-x", "--exec"):
        _run_rest(inv, ctx, rest, "watch")
    elif rest:
        if any(w.dynamic for w in rest):
            ctx.script(None, "watch")
        else:
            ctx.script(Word(" ".join(w.text for w in rest), inv.text), "watch")


def _flock(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args, "wEc", ("timeout", "conflict-exit-code", "command"), stop_at_positional=True
    )
    command = args.value("-c", "--command")
    if command is not None:
        ctx.script(None if command.dynamic else command, "flock -c")
        return
    if len(args.positionals) > 1:
        rest = args.positionals[1:]
        if rest[0].text in ("-c", "--command") and len(rest) > 1:
            ctx.script(None if rest[1].dynamic else rest[1], "flock -c")
        else:
            ctx.run(rest, "flock")


def _skip_then_run(
    count: int, short_values: str = "", long_values: tuple[str, ...] = ()
) -> Handler:
    """Wrappers with `count` positional words before the command (`chrt 10 cmd`)."""

    def handle(inv: Invocation, ctx: Ctx) -> None:
        args = parse_args(inv.args, short_values, long_values, stop_at_positional=True)
        if args.has("-p", "--pid"):
            ctx.flag("process-control", f"changes a running process ({inv.name})")
            return
        _run_rest(inv, ctx, args.positionals[count:], inv.name)

    return handle


def _script_cmd(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args,
        "cEIOBT",
        names("command echo log-in log-out log-io log-timing logging-format"),
    )
    command = args.value("-c", "--command")
    for out in args.positionals[:1]:
        ctx.write(out)
    if command is None:
        ctx.stdin_code("script", shell=True)
    else:
        ctx.script(None if command.dynamic else command, "script -c")


def _tracer(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args,
        "eoOpsSuPEIabX",
        ("output", "expr", "attach", "string-limit"),
        stop_at_positional=True,
    )
    for out in args.all_values("-o", "--output"):
        ctx.write(out)
    if args.value("-p", "--attach") is not None:
        ctx.flag("process-control", f"attaches to a running process ({inv.name})")
    _run_rest(inv, ctx, args.positionals, inv.name)


def _busybox(inv: Invocation, ctx: Ctx) -> None:
    if inv.args:
        ctx.run(inv.args, "busybox")
    else:
        ctx.flag("read-only", "lists busybox applets")


HANDLERS: dict[str, Handler] = {
    "timeout": _timeout,
    "nice": _nice,
    "nohup": _plain("nohup"),
    "time": _time,
    "stdbuf": _plain("stdbuf", "ioe", ("input", "output", "error")),
    "setsid": _plain("setsid"),
    "command": _command,
    "builtin": _plain("builtin"),
    "exec": _exec,
    "coproc": _plain("coproc"),
    "env": _env,
    "xargs": _xargs,
    "eval": _eval,
    "source": _source,
    ".": _source,
    "watch": _watch,
    "flock": _flock,
    "ionice": _skip_then_run(0, "cnpPuUt", ("class", "classdata", "pid", "pgid", "uid")),
    "chrt": _skip_then_run(1, "T", ("sched-runtime", "sched-period", "sched-deadline")),
    "taskset": _skip_then_run(1, "", ("cpu-list",)),
    "numactl": _skip_then_run(0, "CNmiplP", ()),
    "unbuffer": _plain("unbuffer"),
    "caffeinate": _plain("caffeinate", "tw"),
    "script": _script_cmd,
    "strace": _tracer,
    "ltrace": _tracer,
    "busybox": _busybox,
    "noglob": _plain("noglob"),
}
for _name in SHELLS:
    HANDLERS[_name] = _shell
for _name in FOREIGN_SHELLS:
    HANDLERS[_name] = _foreign_shell
for _name in PRIVILEGE:
    HANDLERS[_name] = _privileged
