"""Package managers: installing into the project is tier 2, installing for the user or the
system (`npm i -g`, `pip install --user`, `cargo install`, `brew`, `apt`) and publishing are
tier 3. `poetry run`, `uv run` and the like wrap another command. Running a package by name
(`npx`, `bunx`, `uvx`, `pipx run`, `pnpm dlx`, `yarn dlx`, `npm exec`, `uv tool run`) downloads
and runs fetched code: one check, `fetch-exec`, unless the program is the project's own."""

from __future__ import annotations

from cockpit.policy.programs.knowledge import Ctx, Handler, Invocation, names, parse_args
from cockpit.policy.shell.words import Word

_GLOBAL_PIP = names("user target prefix root break-system-packages system")


def pip(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args,
        "rctei",
        names(
            "requirement constraint target editable index-url extra-index-url prefix root python"
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
    names(
        "install i add ci uninstall remove rm un r update up upgrade link ln unlink dedupe prune "
        "rebuild import"
    )
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
    names(
        "publish unpublish deprecate owner adduser login logout token dist-tag access team org "
        "star unstar profile hook npm"
    )
)
_JS_RUN = frozenset(
    names(
        "run run-script test t tst start stop restart exec x dlx create init pack build dev serve "
        "lint format typecheck watch node bunx"
    )
)


def _js(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args,
        "wC",
        names("prefix workspace filter cwd dir location registry"),
        stop_at_positional=True,
    )
    words = args.positionals
    sub = words[0].text if words else ""
    if words and words[0].dynamic:
        ctx.flag("dynamic-command", f"{inv.name} with a subcommand computed at run time")
        return
    if inv.name == "bun" and inv.args and inv.args[0].text in ("-e", "--eval", "-p", "--print"):
        ctx.flag("inline-code", "runs inline JavaScript code (bun -e)")
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
    elif sub == "dlx" or (sub in ("exec", "x") and inv.name in ("npm", "bun")):
        runner = f"{inv.name} {sub}"
        _run_package(words[1:], runner, ctx, local=sub != "dlx")
    elif sub in _JS_RUN or inv.name in ("yarn", "pnpm", "bun") or not sub:
        ctx.flag("run-code", f"runs project scripts ({inv.name} {sub})".replace(" )", ")"))
    else:
        ctx.flag("run-code", f"{inv.name} {sub}")


def _npx(inv: Invocation, ctx: Ctx) -> None:
    local = inv.name != "uvx"  # uvx never looks at the project's node_modules
    _run_package(inv.args, inv.name, ctx, local=local)


_RUNNER_VALUES = frozenset(
    names("-p --package --from --with --python --call -c --registry --spec --index --index-url")
)
_NO_DOWNLOAD = frozenset(names("--no-install --no --offline"))


def _run_package(words: tuple[Word, ...], runner: str, ctx: Ctx, *, local: bool) -> None:
    """A package run by name: the project's own program (`node_modules/.bin/NAME`, tier 2)
    when the runner looks there first and no other package or version is asked for;
    otherwise code fetched from a registry and run unread (`fetch-exec`)."""
    program: Word | None = None
    package: str | None = None
    i = 0
    while i < len(words):
        word = words[i]
        text = word.text
        i += 1
        if word.dynamic:
            package = word.raw
            break
        if text == "--":
            program = words[i] if i < len(words) else None
            break
        if text.startswith("-"):
            name = text.partition("=")[0]
            if name in _NO_DOWNLOAD:
                ctx.flag("run-code", f"{runner} runs an installed program, never downloading")
                return
            if name in _RUNNER_VALUES:  # another package (`-p pkg`, `--from pkg`, `--with pkg`)
                if "=" in text:
                    package = text.partition("=")[2]
                else:
                    package = words[i].raw if i < len(words) else name
                    i += 1
            continue
        program = word
        break
    name = program.text if program is not None else ""
    if (
        package is None
        and local
        and name
        and "@" not in name[1:]
        and "/" not in name.lstrip("@")
        and ctx.is_existing(Word(f"node_modules/.bin/{name}", name))
    ):
        ctx.flag("run-code", f"runs the project's own {name} ({runner})")
        return
    shown = package or name or "a package"
    ctx.flag("fetch-exec", f"{runner} downloads {shown} and runs it")


_CARGO_READ = frozenset(
    names(
        "metadata tree search version locate-project verify-project pkgid read-manifest help "
        "--version -V --list"
    )
)


def _cargo(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "Z", ("config", "color", "manifest-path"), stop_at_positional=True)
    sub = args.positionals[0].text if args.positionals else ""
    if sub == "install" or sub == "uninstall":
        ctx.flag("global-install", f"cargo {sub} changes tools for every project")
    elif sub in ("publish", "login", "logout", "owner", "yank"):
        ctx.flag("publish", f"cargo {sub} talks to the package registry")
    elif sub in names("add remove rm update fetch generate-lockfile vendor"):
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
    if sub in names(
        "search list info show policy depends rdepends madison query outdated deps uses leaves "
        "config doctor --version home desc cat"
    ) or args.has("-Q", "-Ss", "-Si", "-Qi", "--version"):
        ctx.flag("read-only", f"{inv.name} {sub}".strip())
    else:
        ctx.flag("global-install", f"{inv.name} changes system packages")


def _global_tool_installer(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, stop_at_positional=True)
    sub = args.positionals[0].text if args.positionals else ""
    if sub in names("list search info show --version environment which query"):
        ctx.flag("read-only", f"{inv.name} {sub}")
    elif inv.name == "pipx" and sub == "run":
        _run_package(args.positionals[1:], "pipx run", ctx, local=False)
    else:
        ctx.flag("global-install", f"{inv.name} {sub} installs for the user or system".strip())


def _project_env(inv: Invocation, ctx: Ctx) -> None:
    """poetry, uv, pdm, hatch, pipenv, rye, bundle, conda: project environments; `run`/`exec`
    wrap another command."""
    args = parse_args(
        inv.args,
        "pnC",
        names("directory project python with name prefix env group extra gemfile"),
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
        pip(inv._replace(argv=(Word("pip", "pip"), *rest), args=tuple(rest)), ctx)
        return
    if name == "uv" and sub == "tool" and rest and rest[0].text == "run":
        _run_package(rest[1:], "uv tool run", ctx, local=False)
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
    if sub in names(
        "show list check version --version tree info env config search outdated help why"
    ):
        ctx.flag("read-only", f"{name} {sub}")
        return
    if sub in names(
        "add remove install sync lock update venv init new upgrade uninstall build export clean "
        "shell"
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


HANDLERS: dict[str, Handler] = {
    "pip": pip,
    "pip3": pip,
    "npm": _js,
    "pnpm": _js,
    "yarn": _js,
    "bun": _js,
    "npx": _npx,
    "pnpx": _npx,
    "bunx": _npx,
    "uvx": _npx,
    "cargo": _cargo,
    "go": _go,
    "gem": _gem,
}
for _name in names("poetry uv pdm hatch pipenv rye bundle bundler conda mamba micromamba composer"):
    HANDLERS[_name] = _project_env
for _name in names("pipx rustup nvm pyenv asdf mise"):
    HANDLERS[_name] = _global_tool_installer
for _name in names(
    "apt apt-get aptitude dpkg dnf yum rpm pacman zypper apk brew port snap flatpak nix-env emerge "
    "pkg choco winget scoop"
):
    HANDLERS[_name] = _system_packages
