"""Interpreters, package managers, build tools, network clients, containers and the
commands that change the machine rather than the workspace."""

from __future__ import annotations

from cockpit.policy.knowledge import Ctx, Handler, Invocation, parse_args
from cockpit.policy.text import quiet
from cockpit.policy.words import Word

# -- interpreters ---------------------------------------------------------------------------


def _interpreter(
    inline: str,
    inline_long: tuple[str, ...] = (),
    values: str = "",
    long_values: tuple[str, ...] = (),
    in_place: str = "",
) -> Handler:
    """A language runtime: `inline` lists the short options whose value is code."""

    def handle(inv: Invocation, ctx: Ctx) -> None:
        args = parse_args(
            inv.args, inline + values, inline_long + long_values, stop_at_positional=True
        )
        code = next(
            (w for opt, w in args.values if opt.lstrip("-") in inline or opt in inline_long), None
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
            _pip(inv._replace(argv=(Word("pip", "pip"), *rest), name="pip", args=tuple(rest)), ctx)
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


# -- package managers -----------------------------------------------------------------------

_GLOBAL_PIP = ("user", "target", "prefix", "root", "break-system-packages", "system")


def _pip(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args,
        "rctei",
        (
            "requirement",
            "constraint",
            "target",
            "editable",
            "index-url",
            "extra-index-url",
            "prefix",
            "root",
            "python",
        ),
    )
    sub = args.positionals[0].text if args.positionals else ""
    if sub in ("install", "uninstall", "download", "wheel"):
        if any(name in args.long for name in _GLOBAL_PIP) or args.has("-t"):
            ctx.flag("global-install", f"pip {sub} outside the project environment")
        else:
            ctx.flag("local-install", f"pip {sub} into the project environment")
        for req in args.all_values("-r", "--requirement", "-c", "--constraint"):
            ctx.read(req)
    elif (
        sub == "config"
        and len(args.positionals) > 1
        and args.positionals[1].text in ("set", "unset", "edit")
    ):
        ctx.flag("global-install", "changes pip's configuration")
    elif sub in (
        "",
        "list",
        "show",
        "freeze",
        "check",
        "help",
        "search",
        "index",
        "inspect",
        "debug",
        "config",
        "hash",
    ):
        ctx.flag("read-only", f"pip {sub}".strip())
    else:
        ctx.flag("local-install", f"pip {sub}")


_JS_INSTALL = frozenset(
    {
        "install",
        "i",
        "add",
        "ci",
        "uninstall",
        "remove",
        "rm",
        "un",
        "r",
        "update",
        "up",
        "upgrade",
        "link",
        "ln",
        "unlink",
        "dedupe",
        "prune",
        "rebuild",
        "import",
    }
)
_JS_READ = frozenset(
    {
        "ls",
        "list",
        "la",
        "ll",
        "view",
        "info",
        "show",
        "outdated",
        "why",
        "explain",
        "help",
        "search",
        "root",
        "bin",
        "prefix",
        "docs",
        "fund",
        "doctor",
        "query",
        "licenses",
        "config get",
        "get",
        "--version",
        "-v",
        "version",
        "whoami",
        "ping",
        "audit",
        "owner ls",
        "dist-tag ls",
    }
)
_JS_PUBLISH = frozenset(
    {
        "publish",
        "unpublish",
        "deprecate",
        "owner",
        "adduser",
        "login",
        "logout",
        "token",
        "dist-tag",
        "access",
        "team",
        "org",
        "star",
        "unstar",
        "profile",
        "hook",
        "npm",
    }
)
_JS_RUN = frozenset(
    {
        "run",
        "run-script",
        "test",
        "t",
        "tst",
        "start",
        "stop",
        "restart",
        "exec",
        "x",
        "dlx",
        "create",
        "init",
        "pack",
        "build",
        "dev",
        "serve",
        "lint",
        "format",
        "typecheck",
        "watch",
        "node",
        "bunx",
    }
)


def _js(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args,
        "wC",
        ("prefix", "workspace", "filter", "cwd", "dir", "location", "registry"),
        stop_at_positional=True,
    )
    words = args.positionals
    sub = words[0].text if words else ""
    if words and words[0].dynamic:
        ctx.flag("dynamic-command", f"{inv.name} with a subcommand computed at run time")
        return
    is_global = (
        args.has("-g", "--global")
        or any(w.text in ("-g", "--global", "--location=global") for w in words)
        or (inv.name == "yarn" and sub == "global")
    )
    if sub == "global" and inv.name == "yarn":
        ctx.flag("global-install", "yarn global changes tools for every project")
    elif sub in _JS_INSTALL:
        if is_global:
            ctx.flag("global-install", f"{inv.name} {sub} --global changes tools for every project")
        else:
            ctx.flag("local-install", f"{inv.name} {sub} in the project")
    elif sub in _JS_PUBLISH:
        ctx.flag("publish", f"{inv.name} {sub} talks to the package registry")
    elif sub == "config" or sub == "set":
        action = words[1].text if len(words) > 1 else ""
        if action in ("set", "delete", "edit", "rm") or sub == "set":
            ctx.flag("global-install", f"{inv.name} config {action} changes user configuration")
        else:
            ctx.flag("read-only", f"{inv.name} config {action}".strip())
    elif sub in _JS_READ or (not sub and args.has("-v", "--version", "-h", "--help")):
        ctx.flag("read-only", f"{inv.name} {sub}".strip())
    elif sub in ("cache",):
        ctx.flag("local-install", f"{inv.name} cache")
    elif sub in _JS_RUN or inv.name in ("yarn", "pnpm", "bun") or not sub:
        ctx.flag("run-code", f"runs project scripts ({inv.name} {sub})".replace(" )", ")"))
    else:
        ctx.flag("run-code", f"{inv.name} {sub}")


def _npx(inv: Invocation, ctx: Ctx) -> None:
    ctx.flag("run-code", f"{inv.name} runs a package's program, downloading it if missing")


_CARGO_READ = frozenset(
    {
        "metadata",
        "tree",
        "search",
        "version",
        "locate-project",
        "verify-project",
        "pkgid",
        "read-manifest",
        "help",
        "--version",
        "-V",
        "--list",
    }
)


def _cargo(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "Z", ("config", "color", "manifest-path"), stop_at_positional=True)
    sub = args.positionals[0].text if args.positionals else ""
    if sub == "install" or sub == "uninstall":
        ctx.flag("global-install", f"cargo {sub} changes tools for every project")
    elif sub in ("publish", "login", "logout", "owner", "yank"):
        ctx.flag("publish", f"cargo {sub} talks to the package registry")
    elif sub in ("add", "remove", "rm", "update", "fetch", "generate-lockfile", "vendor"):
        ctx.flag("local-install", f"cargo {sub}")
    elif sub in _CARGO_READ or args.has("-V", "--version"):
        ctx.flag("read-only", f"cargo {sub}".strip())
    else:
        ctx.flag("run-code", f"builds or runs project code (cargo {sub})".replace(" )", ")"))


def _go(inv: Invocation, ctx: Ctx) -> None:
    words = inv.args
    sub = words[0].text if words else ""
    if sub == "install":
        ctx.flag("global-install", "go install changes tools for every project")
    elif sub == "env" and any(w.text in ("-w", "-u") for w in words[1:]):
        ctx.flag("global-install", "go env -w changes user configuration")
    elif sub in ("get", "mod", "work"):
        ctx.flag("local-install", f"go {sub}")
    elif sub in ("version", "env", "list", "doc", "help"):
        ctx.flag("read-only", f"go {sub}")
    else:
        ctx.flag("run-code", f"builds or runs project code (go {sub})".replace(" )", ")"))


def _system_packages(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, stop_at_positional=False)
    sub = args.positionals[0].text if args.positionals else ""
    if sub in (
        "search",
        "list",
        "info",
        "show",
        "policy",
        "depends",
        "rdepends",
        "madison",
        "query",
        "outdated",
        "deps",
        "uses",
        "leaves",
        "config",
        "doctor",
        "--version",
        "home",
        "desc",
        "cat",
    ) or args.has("-Q", "-Ss", "-Si", "-Qi", "--version"):
        ctx.flag("read-only", f"{inv.name} {sub}".strip())
    else:
        ctx.flag("global-install", f"{inv.name} changes system packages")


def _global_tool_installer(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, stop_at_positional=True)
    sub = args.positionals[0].text if args.positionals else ""
    if sub in ("list", "search", "info", "show", "--version", "environment", "which", "query"):
        ctx.flag("read-only", f"{inv.name} {sub}")
    else:
        ctx.flag("global-install", f"{inv.name} {sub} installs for the user or system".strip())


def _project_env(inv: Invocation, ctx: Ctx) -> None:
    """poetry, uv, pdm, hatch, pipenv, rye, bundle, conda: project environments; `run`/`exec`
    wrap another command."""
    args = parse_args(
        inv.args,
        "pnC",
        (
            "directory",
            "project",
            "python",
            "with",
            "name",
            "prefix",
            "env",
            "group",
            "extra",
            "gemfile",
        ),
        stop_at_positional=True,
    )
    words = args.positionals
    sub = words[0].text if words else ""
    rest = words[1:]
    name = inv.name
    if sub in ("run", "exec") and rest:
        inner = parse_args(
            rest, "", ("with", "python", "env-file", "group", "extra"), stop_at_positional=True
        ).positionals
        ctx.flag("run-code", f"runs a command in the project environment ({name} {sub})")
        if inner:
            ctx.run(inner, f"{name} {sub}")
        return
    if name == "uv" and sub == "pip":
        _pip(inv._replace(argv=(Word("pip", "pip"), *rest), args=tuple(rest)), ctx)
        return
    if (
        sub in ("tool", "self", "python")
        and rest
        and rest[0].text in ("install", "uninstall", "upgrade", "update")
    ):
        ctx.flag("global-install", f"{name} {sub} {rest[0].text} changes tools for every project")
        return
    if sub == "publish" or sub == "upload":
        ctx.flag("publish", f"{name} {sub} talks to the package registry")
        return
    if name == "conda" and sub in ("install", "remove", "update", "create"):
        inside = any(w.text in ("-p", "--prefix") for w in inv.args)
        ctx.flag("local-install" if inside else "global-install", f"conda {sub}")
        return
    if sub in (
        "show",
        "list",
        "check",
        "version",
        "--version",
        "tree",
        "info",
        "env",
        "config",
        "search",
        "outdated",
        "help",
        "why",
    ):
        ctx.flag("read-only", f"{name} {sub}")
        return
    if sub in (
        "add",
        "remove",
        "install",
        "sync",
        "lock",
        "update",
        "venv",
        "init",
        "new",
        "upgrade",
        "uninstall",
        "build",
        "export",
        "clean",
        "shell",
    ):
        ctx.flag("local-install", f"{name} {sub} in the project")
        return
    ctx.flag("run-code", f"{name} {sub}".strip())


def _gem(inv: Invocation, ctx: Ctx) -> None:
    sub = inv.args[0].text if inv.args else ""
    if sub in ("install", "uninstall", "update", "cleanup"):
        ctx.flag("global-install", f"gem {sub} changes gems for every project")
    elif sub in ("push", "yank", "owner", "signin"):
        ctx.flag("publish", f"gem {sub} talks to the package registry")
    else:
        ctx.flag("read-only", f"gem {sub}".strip())


# -- network, containers, system ------------------------------------------------------------


def _network(inv: Invocation, ctx: Ctx) -> None:
    if inv.args and all(w.text in ("--version", "-V", "--help", "-h", "version") for w in inv.args):
        ctx.flag("read-only", f"{inv.name} version")
        return
    ctx.flag("network-client", f"talks to the network ({inv.name})")
    args = parse_args(
        inv.args,
        "oOdTFKbcHeuAXwmi",
        (
            "output",
            "data",
            "upload-file",
            "form",
            "config",
            "cookie",
            "cookie-jar",
            "output-document",
            "input-file",
            "data-binary",
            "data-raw",
            "header",
        ),
    )
    for word in args.all_values("-o", "--output", "-O", "--output-document", "-c", "--cookie-jar"):
        if not word.text.startswith("-"):
            ctx.write(word)
    for opt, word in args.values:
        if opt in ("-T", "--upload-file", "-K", "--config", "-i", "--input-file"):
            ctx.read(word)
        elif opt in ("-d", "--data", "--data-binary", "-F", "--form") and "@" in word.text:
            name = word.text.split("@", 1)[1].split(";", 1)[0]
            ctx.read(Word(name, word.raw, word.dynamic, tilde=name.startswith("~")))


_DOCKER_READ = frozenset(
    {
        "ps",
        "images",
        "image ls",
        "logs",
        "inspect",
        "version",
        "info",
        "top",
        "stats",
        "port",
        "diff",
        "history",
        "events",
        "search",
        "ls",
        "config",
        "context",
    }
)
_DOCKER_LOCAL = frozenset({"build", "buildx", "tag", "compose build", "save", "load", "commit"})


def _docker(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args, "cHl", ("context", "host", "log-level", "config"), stop_at_positional=True
    )
    sub = args.positionals[0].text if args.positionals else ""
    nxt = args.positionals[1].text if len(args.positionals) > 1 else ""
    if sub in _DOCKER_READ or (
        sub in ("image", "container", "volume", "network", "compose")
        and nxt in ("ls", "ps", "list", "inspect", "logs", "config")
    ):
        ctx.flag("read-only", f"{inv.name} {sub}")
    elif sub in _DOCKER_LOCAL or (sub == "compose" and nxt == "build"):
        ctx.flag("run-code", f"{inv.name} {sub} builds an image")
    elif sub in ("push", "login", "pull", "logout"):
        ctx.flag("network-client", f"{inv.name} {sub} talks to a registry")
    else:
        ctx.flag("container", f"{inv.name} {sub} controls containers (root on this machine)")


def _systemctl(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "pHMtn", ("property", "host", "type", "lines", "output"))
    sub = args.positionals[0].text if args.positionals else "list-units"
    if sub.startswith(("list-", "is-")) or sub in ("status", "show", "cat", "help", "get-default"):
        ctx.flag("read-only", f"{inv.name} {sub}")
    else:
        ctx.flag("destructive-system", f"{inv.name} {sub} changes system services")


def _kill(inv: Invocation, ctx: Ctx) -> None:
    words = list(inv.args)
    if any(w.text in ("-l", "-L", "--list", "--table") for w in words[:1]):
        ctx.flag("read-only", "lists signals")
        return
    if words and words[0].text in ("-s", "-n", "--signal") and len(words) > 1:
        words = words[2:]
    elif words and words[0].text.startswith("-") and words[0].text != "--":
        words = words[1:]  # `-9`, `-KILL`, `-s9`
    if words and words[0].text == "--":
        words = words[1:]
    if any(w.dynamic or w.text in ("-1", "1", "0") or w.text.startswith("-") for w in words):
        ctx.flag("destructive-system", "kill signals every process or a process group")
    else:
        ctx.flag("process-control", "signals a process")


def _mount(inv: Invocation, ctx: Ctx) -> None:
    if not [w for w in inv.args if not w.text.startswith("-")] and inv.name == "mount":
        ctx.flag("read-only", "lists mounts")
    else:
        ctx.flag("destructive-system", f"{inv.name} changes mounted file systems")


def _crontab(inv: Invocation, ctx: Ctx) -> None:
    if any(w.text == "-l" for w in inv.args):
        ctx.flag("read-only", "lists scheduled jobs")
    else:
        ctx.flag("destructive-system", "crontab schedules commands that outlive the session")


def _sysctl(inv: Invocation, ctx: Ctx) -> None:
    if any(
        w.text in ("-w", "--write", "-p", "--load", "--system") or "=" in w.text for w in inv.args
    ):
        ctx.flag("destructive-system", "sysctl changes kernel settings")
    else:
        ctx.flag("read-only", "reads kernel settings")


def _flagged(check: str, what: str) -> Handler:
    def handle(inv: Invocation, ctx: Ctx) -> None:
        ctx.flag(check, what)

    return handle


def _make(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args,
        "CfIjlWo",
        (
            "directory",
            "file",
            "makefile",
            "include-dir",
            "jobs",
            "load-average",
            "what-if",
            "old-file",
        ),
    )
    for word in args.all_values("-f", "--file", "--makefile"):
        ctx.read(word)
    if args.has(
        "-n", "--dry-run", "--just-print", "--recon", "-q", "--question", "-p", "--print-data-base"
    ) and not args.has("-f"):
        ctx.flag("run-code", "make evaluates the Makefile even in a dry run")
    else:
        ctx.flag("run-code", "runs project build steps (make)")


NETWORK = (
    "curl",
    "wget",
    "nc",
    "ncat",
    "netcat",
    "socat",
    "telnet",
    "ssh",
    "scp",
    "sftp",
    "ftp",
    "tftp",
    "aria2c",
    "http",
    "https",
    "xh",
    "httpie",
    "axel",
    "mosh",
    "rclone",
    "lftp",
    "ping",
    "ping6",
    "dig",
    "nslookup",
    "host",
    "traceroute",
    "whois",
    "nmap",
    "openssl",
    "ssh-copy-id",
    "sshpass",
    "lynx",
    "w3m",
    "links",
    "elinks",
    "smbclient",
    "ldapsearch",
    "mail",
    "sendmail",
    "mutt",
    "s3cmd",
    "tailscale",
    "wg",
    "ngrok",
    "cloudflared",
    "websocat",
    "grpcurl",
    "ssh-keyscan",
)

QUIET = {
    "echo": "prints text",
    "printf": "prints text",
    "pwd": "prints the directory",
    "true": "does nothing",
    "false": "does nothing",
    ":": "does nothing",
    "yes": "prints text",
    "seq": "prints numbers",
    "expr": "evaluates an expression",
    "whoami": "prints the user",
    "id": "prints the user",
    "groups": "prints groups",
    "uname": "prints the system",
    "uptime": "prints uptime",
    "nproc": "prints the CPU count",
    "arch": "prints the system",
    "printenv": "prints the environment",
    "locale": "prints the locale",
    "tty": "prints the tty",
    "type": "looks up a command",
    "which": "looks up a command",
    "whereis": "looks up a command",
    "whatis": "looks up a manual",
    "hash": "looks up a command",
    "help": "prints help",
    "history": "prints history",
    "jobs": "lists jobs",
    "sleep": "waits",
    "wait": "waits",
    "basename": "prints a name",
    "dirname": "prints a name",
    "cal": "prints a calendar",
    "ps": "lists processes",
    "pgrep": "lists processes",
    "pidof": "lists processes",
    "top": "lists processes",
    "htop": "lists processes",
    "free": "prints memory use",
    "df": "prints disk use",
    "lsblk": "lists devices",
    "lscpu": "prints the CPU",
    "lsof": "lists open files",
    "ss": "lists sockets",
    "netstat": "lists sockets",
    "getconf": "prints configuration",
    "clear": "clears the screen",
    "tput": "controls the terminal",
    "reset": "resets the terminal",
    "stty": "controls the terminal",
    "ulimit": "prints limits",
    "umask": "sets the file mode mask",
    "set": "sets shell options",
    "shopt": "sets shell options",
    "unset": "unsets a variable",
    "read": "reads input",
    "mapfile": "reads input",
    "readarray": "reads input",
    "let": "does arithmetic",
    "cd": "changes directory",
    "pushd": "changes directory",
    "popd": "changes directory",
    "dirs": "lists directories",
    "exit": "exits",
    "return": "returns",
    "shift": "shifts arguments",
    "break": "leaves a loop",
    "continue": "continues a loop",
    "getopts": "parses options",
    "disown": "detaches a job",
    "bg": "resumes a job",
    "fg": "resumes a job",
    "man": "shows a manual",
    "info": "shows a manual",
    "apropos": "searches manuals",
    "tldr": "shows examples",
    "lsb_release": "prints the system",
    "sw_vers": "prints the system",
    "nvidia-smi": "prints the GPU",
    "local": "declares a variable",
    "declare": "declares a variable",
    "export": "exports a variable",
    "typeset": "declares a variable",
    "readonly": "declares a variable",
    "vmstat": "prints stats",
    "iostat": "prints stats",
    "w": "lists users",
    "who": "lists users",
    "last": "lists logins",
    "users": "lists users",
    "numfmt": "formats numbers",
    "factor": "factors numbers",
    "bc": "calculates",
    "dc": "calculates",
    "cowsay": "prints text",
    "figlet": "prints text",
}


def _declare(inv: Invocation, ctx: Ctx) -> None:
    """`export NAME=VALUE` reached as a plain command (e.g. through a wrapper)."""
    for word in inv.args:
        name, eq, value = word.text.partition("=")
        if eq and name and not name.startswith("-"):
            ctx.assign(name, Word(value, word.raw, word.dynamic))
    ctx.flag("read-only", "sets variables")


def _ip(inv: Invocation, ctx: Ctx) -> None:
    words = [w.text for w in inv.args if not w.text.startswith("-")]
    if any(
        w in ("add", "del", "delete", "set", "flush", "change", "replace", "up", "down")
        for w in words
    ) or (inv.name == "ifconfig" and len(words) > 1):
        ctx.flag("destructive-system", f"{inv.name} changes network configuration")
    else:
        ctx.flag("read-only", "prints network configuration")


HANDLERS: dict[str, Handler] = {name: quiet(label) for name, label in QUIET.items()}
for _name in ("export", "declare", "local", "readonly", "typeset"):
    HANDLERS[_name] = _declare
HANDLERS.update(
    {
        "python": _python,
        "pypy": _python,
        "node": _interpreter("ep", ("--eval", "--print"), "r", ("require", "import", "loader")),
        "nodejs": _interpreter("ep", ("--eval", "--print"), "r", ("require",)),
        "bun": _js,
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
        "java": _flagged("run-code", "runs a Java program"),
        "dotnet": _flagged("run-code", "runs .NET tooling"),
        "pip": _pip,
        "pip3": _pip,
        "npm": _js,
        "pnpm": _js,
        "yarn": _js,
        "npx": _npx,
        "pnpx": _npx,
        "bunx": _npx,
        "cargo": _cargo,
        "go": _go,
        "gem": _gem,
        "poetry": _project_env,
        "uv": _project_env,
        "pdm": _project_env,
        "hatch": _project_env,
        "pipenv": _project_env,
        "rye": _project_env,
        "bundle": _project_env,
        "bundler": _project_env,
        "conda": _project_env,
        "mamba": _project_env,
        "micromamba": _project_env,
        "composer": _project_env,
        "uvx": _npx,
        "pipx": _global_tool_installer,
        "rustup": _global_tool_installer,
        "nvm": _global_tool_installer,
        "pyenv": _global_tool_installer,
        "asdf": _global_tool_installer,
        "mise": _global_tool_installer,
        "docker": _docker,
        "podman": _docker,
        "nerdctl": _docker,
        "systemctl": _systemctl,
        "service": _systemctl,
        "launchctl": _flagged("destructive-system", "launchctl changes system services"),
        "kill": _kill,
        "killall": _flagged("destructive-system", "kills every process with a name"),
        "pkill": _flagged("destructive-system", "kills every process matching a pattern"),
        "mount": _mount,
        "umount": _mount,
        "crontab": _crontab,
        "at": _flagged("destructive-system", "schedules a command that outlives the session"),
        "batch": _flagged("destructive-system", "schedules a command that outlives the session"),
        "sysctl": _sysctl,
        "ip": _ip,
        "ifconfig": _ip,
        "make": _make,
        "gmake": _make,
        "pytest": _flagged("run-code", "runs the test suite"),
        "tox": _flagged("run-code", "runs the test suite"),
        "nox": _flagged("run-code", "runs the test suite"),
        "mypy": _flagged("run-code", "type-checks the project (plugins run code)"),
        "ruff": _flagged("run-code", "lints or formats the project"),
    }
)
for _name in (
    "apt",
    "apt-get",
    "aptitude",
    "dpkg",
    "dnf",
    "yum",
    "rpm",
    "pacman",
    "zypper",
    "apk",
    "brew",
    "port",
    "snap",
    "flatpak",
    "nix-env",
    "emerge",
    "pkg",
    "choco",
    "winget",
    "scoop",
):
    HANDLERS[_name] = _system_packages
for _name in NETWORK:
    HANDLERS[_name] = _network
for _name in (
    "mkfs",
    "mke2fs",
    "mkswap",
    "fdisk",
    "sfdisk",
    "cfdisk",
    "parted",
    "gdisk",
    "sgdisk",
    "wipefs",
    "shutdown",
    "reboot",
    "halt",
    "poweroff",
    "init",
    "telinit",
    "swapon",
    "swapoff",
    "modprobe",
    "insmod",
    "rmmod",
    "iptables",
    "ip6tables",
    "nft",
    "ufw",
    "firewall-cmd",
    "useradd",
    "userdel",
    "usermod",
    "groupadd",
    "groupdel",
    "groupmod",
    "passwd",
    "chpasswd",
    "visudo",
    "chattr",
    "hdparm",
    "losetup",
    "cryptsetup",
    "lvcreate",
    "lvremove",
    "vgremove",
    "pvremove",
    "zpool",
    "zfs",
    "diskutil",
    "timedatectl",
    "hostnamectl",
    "update-alternatives",
    "setcap",
    "nsenter",
    "unshare",
    "debugfs",
    "mkfs.ext4",
    "mkfs.xfs",
    "mkfs.vfat",
    "mkfs.btrfs",
    "fsck",
    "e2fsck",
    "tune2fs",
    "blkdiscard",
    "kexec",
    "sulogin",
):
    HANDLERS[_name] = _flagged("destructive-system", f"{_name} changes the machine itself")
