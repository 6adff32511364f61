"""git, argument by argument: which subcommands only read, which write local history,
which talk to remotes, and which destroy work (push, reset --hard, clean -f, branch -D).

Options that make git run other programs (`-c core.pager=...`, `--ext-diff`, `-p`, aliases)
are never read-only.
"""

from __future__ import annotations

from cockpit.policy.programs.git_subcommands import SUBCOMMANDS
from cockpit.policy.programs.knowledge import Ctx, Handler, Invocation, names
from cockpit.policy.shell.words import Word

# `git -c KEY=VALUE` overrides that cannot make git run a program.
_HARMLESS_CONFIG_PREFIXES = names(
    "color. advice. log. status. i18n. pretty. column. user. author. committer."
)
_HARMLESS_CONFIG_KEYS = frozenset(
    names(
        "core.quotepath core.abbrev core.autocrlf core.safecrlf core.longpaths diff.noprefix "
        "diff.renames diff.mnemonicprefix diff.relative diff.algorithm init.defaultbranch "
        "safe.directory commit.gpgsign tag.gpgsign gc.auto pull.rebase pull.ff merge.ff "
        "rebase.autostash push.default fetch.prune protocol.version maintenance.auto format.pretty "
        "blame.date core.pager core.fsmonitor core.untrackedcache feature.manyfiles index.threads"
    )
)
_SAFE_PAGERS = frozenset({"", "cat", "less", "more", "false", "true", "0", "no", "off"})


def _config_override(pair: Word, ctx: Ctx) -> None:
    key, _, value = pair.text.partition("=")
    key = key.lower()
    safe_value = value.strip().lower() in _SAFE_PAGERS
    if pair.dynamic:
        ctx.flag("git-exec-option", "git -c with a value computed at run time")
    elif key in ("core.pager", "core.fsmonitor") or key.startswith("pager."):
        if not safe_value:
            ctx.flag("git-exec-option", f"git -c {pair.raw} can make git run a program")
        else:
            ctx.flag("git-config-override", f"git -c {pair.raw}")
    elif key in _HARMLESS_CONFIG_KEYS or key.startswith(_HARMLESS_CONFIG_PREFIXES):
        ctx.flag("git-config-override", f"git -c {pair.raw}")
    else:
        ctx.flag("git-exec-option", f"git -c {pair.raw} can make git run a program")


def _git(inv: Invocation, ctx: Ctx) -> None:
    words = inv.args
    i = 0
    informational = False
    while i < len(words):
        word = words[i]
        text = word.text
        if word.dynamic:
            ctx.flag("dynamic-command", "git with an argument computed at run time")
            return
        if not text.startswith("-"):
            break
        nxt = words[i + 1] if i + 1 < len(words) else Word("", "")
        if text == "-C":
            if ctx.is_inside(nxt) is not True:
                ctx.flag("git-foreign-repo", f"runs git in {nxt.raw}, outside the workspace")
            ctx.read(nxt, recursive=True)  # what git reads there: the log key's folder too
            i += 2
            continue
        if text == "-c":
            _config_override(nxt, ctx)
            i += 2
            continue
        if text.startswith("-c"):
            _config_override(Word(text[2:], word.raw), ctx)
        elif text.startswith("--config-env"):
            ctx.flag("git-exec-option", "git --config-env takes configuration from the environment")
            i += 1 if "=" in text else 2
            continue
        elif text.startswith("--exec-path="):
            ctx.flag("git-exec-option", "git --exec-path runs git programs from another directory")
        elif text in ("--git-dir", "--work-tree", "--namespace", "--super-prefix"):
            ctx.flag("git-foreign-repo", f"git {text} points git at another repository")
            i += 2
            continue
        elif text.startswith(("--git-dir=", "--work-tree=")):
            ctx.flag(
                "git-foreign-repo", f"git {text.split('=')[0]} points git at another repository"
            )
        elif text in ("-p", "--paginate"):
            ctx.flag("git-pager", "git -p runs the configured pager")
        elif text in names(
            "--version -v --help -h --html-path --man-path --info-path --exec-path"
        ) or text.startswith("--list-cmds"):
            informational = True
        i += 1
    rest = words[i:]
    if not rest:
        if informational:
            ctx.flag("git-read", "prints git information")
        else:
            ctx.flag("git-read", "git with no subcommand prints its usage")
        return
    sub = rest[0].text
    handler = SUBCOMMANDS.get(sub)
    if handler is None:
        ctx.flag(
            "git-alias",
            f"unknown git subcommand '{sub}' (an alias or a git-{sub} program can run anything)",
        )
        return
    handler(sub, rest[1:], ctx)


HANDLERS: dict[str, Handler] = {"git": _git}
