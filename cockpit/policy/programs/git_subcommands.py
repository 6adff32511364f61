"""git's subcommands, one by one: read-only, local writes, remotes, and the destructive ones
(push, reset --hard, clean -f, branch -D, checkout of files, stash drop)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cockpit.policy.programs.knowledge import Args, Ctx, names, parse_args
from cockpit.policy.shell.words import Word

Sub = Callable[[str, Sequence[Word], Ctx], None]


def _unsafe_read_flags(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    for word in args:
        text = word.text
        if text.startswith("--output="):
            ctx.flag("git-unsafe-flag", f"git {sub} --output writes a file")
            ctx.write(Word(text.partition("=")[2], word.raw, word.dynamic))
        elif text in ("--ext-diff", "--textconv"):
            ctx.flag("git-exec-option", f"git {sub} {text} runs a program from git config")
        elif text.startswith(("--exec=", "--upload-pack", "--receive-pack")) or text == "--exec":
            ctx.flag("git-exec-option", f"git {sub} {text.split('=')[0]} runs a program")
        elif sub == "grep" and text.startswith(("-O", "--open-files-in-pager")):
            ctx.flag("git-exec-option", "git grep -O runs a pager program")
    for k, word in enumerate(args):
        if word.text == "--output" and k + 1 < len(args):
            ctx.flag("git-unsafe-flag", f"git {sub} --output writes a file")
            ctx.write(args[k + 1])


def _read(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    _unsafe_read_flags(sub, args, ctx)
    ctx.flag("git-read", f"read-only git {sub}")
    _reads_named_paths(args, ctx)


def _reads_named_paths(args: Sequence[Word], ctx: Ctx) -> None:
    """Every argument a read-only git command could open as a file is read: `git diff
    --no-index`, `git grep --no-index` and `blame --contents` print any file, a credential
    or cockpit's log key included, whatever the revisions and patterns around it."""
    for word in args:
        if not word.text.startswith("-"):
            ctx.read(word, recursive=True)
        elif word.text.startswith("--") and "=" in word.text:
            value = word.text.partition("=")[2]
            ctx.read(Word(value, word.raw, word.dynamic, word.glob), recursive=True)


def _write(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    ctx.flag("git-write", f"git {sub} changes the repository")


_FETCH_VALUES = names(
    "depth deepen shallow-since shallow-exclude refmap jobs upload-pack negotiation-tip "
    "server-option filter recurse-submodules-default submodule-prefix strategy strategy-option "
    "sort"
)
"""Options of fetch, pull and ls-remote that take the next word as their value. Only those:
one listed wrongly would hide the repository argument and pass a URL for the configured
remote; one missing only makes its value look like an unknown remote (tier 3)."""


def _fetch(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    """fetch, pull, ls-remote and remote update: a remote the repository's configuration
    names gets the network by rule (`git-fetch`); anything else is the agent's choice of
    machine (`network-client`)."""
    _unsafe_read_flags(sub, args, ctx)
    parsed = parse_args(args, "jsXo", _FETCH_VALUES)
    positionals = parsed.positionals
    if sub == "lfs":  # git lfs fetch|pull [remote [ref...]]
        named = positionals[1:2]
    elif parsed.has("--multiple"):
        named = positionals
    else:
        named = positionals[:1]
    what = f"git lfs {positionals[0].text}" if sub == "lfs" and positionals else f"git {sub}"
    _from_remotes(what, named, ctx)


def _from_remotes(what: str, named: Sequence[Word], ctx: Ctx) -> None:
    if not named:
        ctx.flag("git-fetch", f"{what} downloads from the configured remote")
        return
    remotes = ctx.git_remotes()
    unknown = [w for w in named if w.dynamic or remotes is None or w.text not in remotes]
    if unknown:
        source = unknown[0].raw
        ctx.flag("network-client", f"{what} talks to {source}, not a remote in .git/config")
    else:
        names_ = ", ".join(w.text for w in named)
        ctx.flag("git-fetch", f"{what} downloads from the configured remote {names_}")


def _clone(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    _unsafe_read_flags(sub, args, ctx)
    positionals = parse_args(
        args,
        "obcju",
        names(
            "origin branch config depth reference template separate-git-dir jobs upload-pack filter"
        ),
    ).positionals
    source = positionals[0].raw if positionals else "a repository"
    ctx.flag("network-client", f"git {sub} downloads {source}")
    if len(positionals) > 1:
        ctx.write(positionals[1])


def _push(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    parsed = parse_args(args, "o", ("push-option", "repo", "receive-pack", "exec"))
    refs = parsed.positionals[1:]
    if (
        parsed.has("-f", "--force", "--force-with-lease", "--force-if-includes", "--mirror")
        or any(w.text.startswith("+") for w in refs)
        or any(name.startswith("force-with-lease") for name in parsed.long)
    ):
        ctx.flag("git-force-push", "force push rewrites the remote's history")
    elif parsed.has("-d", "--delete", "--prune") or any(w.text.startswith(":") for w in refs):
        ctx.flag("git-force-push", "git push deletes remote branches")
    else:
        ctx.flag("git-push", "pushes commits to a remote")
    _unsafe_read_flags(sub, args, ctx)


def _reset(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    hard = next((w.text for w in args if w.text in ("--hard", "--merge", "--keep")), None)
    if hard is not None:
        ctx.flag("git-destructive", f"git reset {hard} discards uncommitted changes")
    else:
        _write(sub, args, ctx)


def _clean(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    parsed = parse_args(args, "e", ("exclude",))
    if parsed.has("-n", "--dry-run"):
        ctx.flag("git-read", "git clean --dry-run lists untracked files")
    elif parsed.has("-f", "--force", "-i", "--interactive"):
        ctx.flag("git-destructive", "git clean deletes untracked files")
    else:
        _write(sub, args, ctx)


_BRANCH_READ = frozenset(
    names(
        "list all remotes verbose show-current contains no-contains merged no-merged points-at "
        "format sort column no-column color no-color ignore-case abbrev no-abbrev quiet"
    )
)


def _branch(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    parsed = parse_args(
        args,
        "",
        names(
            "contains no-contains merged no-merged points-at format sort set-upstream-to color "
            "abbrev"
        ),
    )
    force = parsed.has("-f", "--force")
    if parsed.has("-D") or (parsed.has("-d", "--delete") and force):
        ctx.flag("git-destructive", "git branch -D deletes a branch and its unmerged commits")
    elif parsed.has("-M", "-C") or (force and parsed.positionals):
        ctx.flag("git-destructive", "git branch overwrites an existing branch")
    elif _branch_writes(parsed):
        _write(sub, args, ctx)
    else:
        ctx.flag("git-read", "read-only git branch")


def _branch_writes(parsed: Args) -> bool:
    if parsed.has(
        "-d",
        "--delete",
        "-m",
        "--move",
        "-c",
        "--copy",
        "-u",
        "--set-upstream-to",
        "--unset-upstream",
        "--edit-description",
        "-t",
        "--track",
    ):
        return True
    if parsed.positionals and not parsed.has("-l", "--list", "-a", "-r", "--all", "--remotes"):
        return True
    return bool(parsed.long - _BRANCH_READ or parsed.short - set("lavrqi"))


def _tag(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    parsed = parse_args(
        args,
        "mFnu",
        names("message file contains no-contains points-at merged no-merged sort format"),
    )
    if parsed.has("-l", "--list", "-v", "--verify") or not parsed.positionals:
        ctx.flag("git-read", "read-only git tag")
    else:
        _write(sub, args, ctx)


def _checkout(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    parsed = parse_args(args, "bBO", ("orphan", "conflict", "pathspec-from-file"))
    words = [w.text for w in args]
    if parsed.has("-f", "--force", "-p", "--patch", "--discard-changes"):
        ctx.flag("git-destructive", f"git {sub} --force discards uncommitted changes")
    elif (
        sub == "checkout"
        and ("--" in words or "." in words or any(ctx.is_existing(w) for w in parsed.positionals))
        and parsed.value("-b", "-B", "--orphan") is None
    ):
        ctx.flag("git-destructive", "git checkout of files discards their uncommitted changes")
        _pathspecs(args, parsed.positionals, ctx)
    else:
        _write(sub, args, ctx)


def _restore(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    parsed = parse_args(args, "s", ("source",))
    if parsed.has("-S", "--staged") and not parsed.has("-W", "--worktree"):
        _write(sub, args, ctx)
    else:
        ctx.flag("git-destructive", "git restore discards uncommitted changes")
        _pathspecs(args, parsed.positionals, ctx)


def _pathspecs(args: Sequence[Word], positionals: Sequence[Word], ctx: Ctx) -> None:
    """The files a checkout or restore of paths rewrites: those after `--`, or the
    positionals that exist; a pattern (`*.md`, `:(glob)...`) could be any of them."""
    words = [w.text for w in args]
    if "--" in words:
        specs: Sequence[Word] = args[words.index("--") + 1 :]
    else:
        specs = [w for w in positionals if w.text == "." or ctx.is_existing(w)]
    for word in specs:
        if word.dynamic or word.text.startswith(":") or any(c in word.text for c in "*?["):
            ctx.write(Word(word.text, word.raw, dynamic=True))
        else:
            ctx.write(word, recursive=ctx.is_dir(word))


def _stash(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    action = args[0].text if args else "push"
    if action in ("list", "show"):
        ctx.flag("git-read", f"read-only git stash {action}")
    elif action in ("drop", "clear"):
        ctx.flag("git-destructive", f"git stash {action} discards stashed changes")
    else:
        _write(sub, args, ctx)
        if action in ("push", "save", "pop", "apply") or action.startswith("-"):
            # Stashing puts back, and popping rewrites, every changed file of the tree.
            ctx.rewrites_tree("git stash")


def _config(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    parsed = parse_args(args, "f", ("file", "blob", "type", "default"))
    reading = parsed.has(
        "-l",
        "--list",
        "--get",
        "--get-all",
        "--get-regexp",
        "--get-urlmatch",
        "--get-color",
        "--get-colorbool",
        "--name-only",
        "--show-origin",
        "--show-scope",
    )
    positionals = [w.text for w in parsed.positionals]
    if positionals[:1] in (["get"], ["list"]):
        reading = True
    elif positionals and positionals[0] in (
        "set",
        "unset",
        "rename-section",
        "remove-section",
        "edit",
    ):
        reading = False
    elif (
        not parsed.has(
            "--unset",
            "--unset-all",
            "--add",
            "--replace-all",
            "-e",
            "--edit",
            "--rename-section",
            "--remove-section",
        )
        and len(positionals) == 1
    ):
        reading = True
    if reading:
        ctx.flag("git-read", "reads git configuration")
    else:
        ctx.flag("git-config-write", "changes git configuration (config can make git run programs)")


def _remote(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    words = [w for w in args if not w.text.startswith("-")]
    action = words[0].text if words else ""
    offline = any(w.text == "-n" for w in args)
    if action in ("", "get-url") or (action == "show" and (offline or len(words) == 1)):
        ctx.flag("git-read", "lists remotes")
    elif action in ("update", "prune", "show"):
        # update fetches; prune and show ask the remote which branches it has.
        _from_remotes(f"git remote {action}", words[1:], ctx)
    elif action in ("add", "set-url", "rename", "remove", "rm", "set-head", "set-branches"):
        ctx.flag("git-config-write", f"git remote {action} changes which machines git talks to")
    else:
        _write(sub, args, ctx)


def _rebase(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    parsed = parse_args(args, "xsXo", ("exec", "strategy", "strategy-option", "onto"))
    for command in parsed.all_values("-x", "--exec"):
        ctx.script(None if command.dynamic else command, "git rebase --exec")
    _write(sub, args, ctx)


def _submodule(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    words = [w for w in args if not w.text.startswith("-")]
    action = words[0].text if words else "status"
    if action == "foreach":
        code = Word(
            " ".join(w.text for w in words[1:]),
            " ".join(w.raw for w in words[1:]),
            any(w.dynamic for w in words[1:]),
        )
        ctx.script(None if code.dynamic else code, "git submodule foreach")
    elif action in ("status", "summary"):
        ctx.flag("git-read", f"read-only git submodule {action}")
    elif action == "deinit" and any(w.text in ("-f", "--force") for w in args):
        ctx.flag("git-destructive", "git submodule deinit --force discards changes")
    elif action == "update" and any(w.text in ("--init", "-i") for w in args):
        ctx.flag(
            "network-client",
            "git submodule update --init fetches from the URLs in .gitmodules, a workspace file",
        )
    elif action == "update":
        ctx.flag("git-fetch", "git submodule update fetches from the configured submodule remotes")
    elif action == "add":
        source = words[1].raw if len(words) > 1 else "a repository"
        ctx.flag("network-client", f"git submodule add downloads {source}")
    elif action in ("init", "sync", "set-url", "set-branch"):
        ctx.flag("git-config-write", f"git submodule {action} writes submodule settings")
    else:
        _write(sub, args, ctx)


def _bisect(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    if args and args[0].text == "run" and len(args) > 1:
        ctx.run(args[1:], "git bisect run")
    _write(sub, args, ctx)


def _by_flag(read_flags: tuple[str, ...]) -> Sub:
    def handle(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
        if any(w.text in read_flags for w in args):
            ctx.flag("git-read", f"read-only git {sub}")
        else:
            _write(sub, args, ctx)

    return handle


def _reflog(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    action = args[0].text if args else "show"
    if action in ("expire", "delete", "drop"):
        ctx.flag("git-destructive", f"git reflog {action} removes the history that undoes mistakes")
    else:
        _read(sub, args, ctx)


def _gc(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    if sub == "prune" or any(
        w.text.startswith("--prune") and w.text != "--prune=2.weeks.ago" for w in args
    ):
        ctx.flag("git-destructive", f"git {sub} permanently deletes unreachable commits")
    else:
        _write(sub, args, ctx)


def _rm(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    if any(
        w.text in ("-f", "--force")
        or (w.text.startswith("-") and not w.text.startswith("--") and "f" in w.text)
        for w in args
    ):
        ctx.flag("git-destructive", "git rm --force deletes files with uncommitted changes")
    else:
        _write(sub, args, ctx)


def _archive(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    parsed = parse_args(args, "o", ("output", "remote", "exec", "format", "prefix"))
    if parsed.value("--remote") is not None:
        ctx.flag("network-client", "git archive --remote talks to another machine")
    if parsed.value("--exec") is not None:
        ctx.flag("git-exec-option", "git archive --exec runs a program")
    for out in parsed.all_values("-o", "--output"):
        ctx.write(out)
    ctx.flag("git-read", "git archive")


def _lfs(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    action = args[0].text if args else ""
    if action in ("push",):
        ctx.flag("git-push", "git lfs push uploads to a remote")
    elif action in ("pull", "fetch"):
        _fetch(sub, args, ctx)
    elif action == "clone":
        ctx.flag("network-client", "git lfs clone downloads a repository")
    elif action in ("ls-files", "status", "env", "version", "logs", "track", "") and not (
        action == "track" and len(args) > 1
    ):
        ctx.flag("git-read", f"read-only git lfs {action}".strip())
    else:
        _write(sub, args, ctx)


def _worktree(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    action = args[0].text if args else "list"
    if action == "list":
        ctx.flag("git-read", "lists worktrees")
    elif action == "remove" and any(w.text in ("-f", "--force") for w in args):
        ctx.flag("git-destructive", "git worktree remove --force discards changes")
    else:
        _write(sub, args, ctx)


def _interpret_trailers(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    if any(w.text == "--in-place" for w in args):
        for word in args:
            if not word.text.startswith("-"):
                ctx.write(word)
    ctx.flag("git-read", "formats commit trailers")


def _flag(check: str, what: str) -> Sub:
    def handle(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
        ctx.flag(check, what)

    return handle


_READ = names(
    "status log show diff blame annotate shortlog describe rev-parse rev-list ls-files ls-tree "
    "cat-file grep show-ref for-each-ref name-rev merge-base cherry whatchanged count-objects "
    "verify-commit verify-tag verify-pack check-ignore check-attr check-ref-format check-mailmap "
    "var version help diff-tree diff-files diff-index range-diff show-branch fsck "
    "get-tar-commit-id column stripspace merge-tree patch-id request-pull show-index unpack-file "
    "fmt-merge-msg mailinfo mailsplit"
)
_WRITE = names(
    "add commit mv merge cherry-pick revert am init notes replace update-index read-tree "
    "write-tree commit-tree mktree mktag repack maintenance pack-refs prune-packed rerere "
    "bugreport format-patch citool gui merge-file merge-index commit-graph multi-pack-index "
    "sparse-checkout backfill bundle fast-import fast-export unpack-objects index-pack "
    "pack-objects scalar"
)

SUBCOMMANDS: dict[str, Sub] = {name: _read for name in _READ}
SUBCOMMANDS.update({name: _write for name in _WRITE})
SUBCOMMANDS.update(
    {
        "fetch": _fetch,
        "pull": _fetch,
        "clone": _clone,
        "ls-remote": _fetch,
        "push": _push,
        "send-pack": _push,
        "send-email": _flag("network-client", "git send-email sends mail"),
        "reset": _reset,
        "clean": _clean,
        "branch": _branch,
        "tag": _tag,
        "checkout": _checkout,
        "switch": _checkout,
        "restore": _restore,
        "stash": _stash,
        "config": _config,
        "remote": _remote,
        "rebase": _rebase,
        "submodule": _submodule,
        "bisect": _bisect,
        "reflog": _reflog,
        "gc": _gc,
        "prune": _gc,
        "rm": _rm,
        "archive": _archive,
        "lfs": _lfs,
        "worktree": _worktree,
        "interpret-trailers": _interpret_trailers,
        "apply": _by_flag(("--check", "--stat", "--numstat", "--summary")),
        "filter-branch": _flag("git-destructive", "git filter-branch rewrites history"),
        "filter-repo": _flag("git-destructive", "git filter-repo rewrites history"),
        "difftool": _flag("git-exec-option", "git difftool runs the configured diff tool"),
        "mergetool": _flag("git-exec-option", "git mergetool runs the configured merge tool"),
        "credential": _flag("read-credentials", "git credential reads stored credentials"),
        "credential-store": _flag(
            "read-credentials", "git credential-store reads stored credentials"
        ),
        "credential-cache": _flag(
            "read-credentials", "git credential-cache reads stored credentials"
        ),
        "daemon": _flag("network-client", "git daemon serves the repository on the network"),
        "instaweb": _flag("network-client", "git instaweb serves the repository on the network"),
        "http-backend": _flag("network-client", "git http-backend serves the repository"),
    }
)


def _hash_object(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    if any(w.text == "-w" for w in args):
        _write(sub, args, ctx)
    else:
        _read(sub, args, ctx)


def _symbolic_ref(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    positionals = [w for w in args if not w.text.startswith("-")]
    if len(positionals) <= 1 and not any(w.text in ("-d", "--delete") for w in args):
        _read(sub, args, ctx)
    else:
        _write(sub, args, ctx)


def _update_ref(sub: str, args: Sequence[Word], ctx: Ctx) -> None:
    if any(w.text in ("-d", "--stdin") for w in args):
        ctx.flag("git-destructive", "git update-ref -d deletes a reference")
    else:
        _write(sub, args, ctx)


SUBCOMMANDS["hash-object"] = _hash_object
SUBCOMMANDS["symbolic-ref"] = _symbolic_ref
SUBCOMMANDS["update-ref"] = _update_ref
