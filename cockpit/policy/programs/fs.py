"""Programs that create, change, move or delete files, and `find`/`fd`, which can run
other programs on every match."""

from __future__ import annotations

import re

from cockpit.policy.programs.knowledge import Ctx, Handler, Invocation, names, parse_args
from cockpit.policy.shell.words import Word


def _rm(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args)
    recursive = bool({"r", "R"} & args.short) or "recursive" in args.long
    if "no-preserve-root" in args.long:
        ctx.flag("rm-recursive", "deletion with --no-preserve-root")
    if recursive:
        ctx.flag("rm-recursive", "recursive deletion")
    if not args.positionals:
        ctx.flag("read-only", "rm with nothing to delete")
    for word in args.positionals:
        ctx.delete(word, recursive=recursive)


def _delete_each(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args)
    for word in args.positionals:
        ctx.delete(word)
    if not args.positionals:
        ctx.flag("read-only", f"{inv.name} with nothing to delete")


def _into(dest: Word, source: Word) -> Word:
    base = source.text.rstrip("/").rsplit("/", 1)[-1]
    return Word(
        dest.text.rstrip("/") + "/" + base,
        dest.raw,
        dest.dynamic or source.dynamic,
        dest.glob,
        dest.tilde,
    )


def _copy_like(move: bool) -> Handler:
    def handle(inv: Invocation, ctx: Ctx) -> None:
        args = parse_args(inv.args, "tSm", names("target-directory suffix backup mode owner group"))
        recursive = bool({"r", "R", "a"} & args.short) or bool({"recursive", "archive"} & args.long)
        target = args.value("-t", "--target-directory")
        sources = list(args.positionals)
        if target is None:
            if len(sources) < 2:
                ctx.flag("read-only", f"{inv.name} with nothing to copy")
                for word in sources:
                    ctx.read(word)
                return
            target = sources.pop()
        into_dir = (len(sources) > 1 or ctx.is_dir(target)) and not args.has("-T")
        links = not move and args.has("-s", "--symbolic-link")  # `cp -s` makes symlinks
        for source in sources:
            if move:
                ctx.delete(source)
            else:
                ctx.read(source, recursive=recursive)
            copy = _into(target, source) if into_dir else target
            ctx.write(copy, recursive=recursive)
            if links:
                ctx.symlink(copy, source)

    return handle


def _ln(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "tS", ("target-directory", "suffix", "backup"))
    symbolic = args.has("-s", "--symbolic")
    words = list(args.positionals)
    target_dir = args.value("-t", "--target-directory")
    if not words:
        ctx.flag("read-only", "ln with nothing to link")
        return
    if target_dir is None and len(words) == 1:
        target_dir = Word(".", ".")
    targets = words
    if target_dir is not None:
        links = [_into(target_dir, t) for t in targets]
    else:
        link = targets.pop()
        if len(targets) > 1 or (ctx.is_dir(link) and not args.has("-T", "-n")):
            links = [_into(link, t) for t in targets]
        else:
            links = [link]
    for target in targets:
        if not symbolic:
            ctx.read(target)  # a hard link is a second name for the same content
    for link_path in links:
        ctx.write(link_path)
    if symbolic:
        for target, link_path in zip(targets, links, strict=True):
            ctx.symlink(link_path, target)


def _touch(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "rdt", ("reference", "date"))
    for ref in args.all_values("-r", "--reference"):
        ctx.read(ref)
    for word in args.positionals:
        ctx.write(word)


def _mkdir(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "mZ", ("mode", "context"))
    for word in args.positionals:
        if not ctx.is_dir(word):
            ctx.write(word)


def _writes_all(short_values: str = "", long_values: tuple[str, ...] = ()) -> Handler:
    def handle(inv: Invocation, ctx: Ctx) -> None:
        args = parse_args(inv.args, short_values, long_values)
        for word in args.positionals:
            ctx.write(word)

    return handle


def _truncate(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "sro", ("size", "reference"))
    for ref in args.all_values("-r", "--reference"):
        ctx.read(ref)
    for word in args.positionals:
        ctx.write(word)


_SETUID_SYMBOLIC = re.compile(r"[ugoa]*[+=][rwxXst]*s")
_SETUID_NUMERIC = re.compile(r"^[0-7]{4,}$")


def _chmod(inv: Invocation, ctx: Ctx) -> None:
    words = [w for w in inv.args if not re.fullmatch(r"-[rwxXstugo]+", w.text)]
    modes = [w for w in inv.args if w not in words]
    args = parse_args(words, "", ("reference",))
    recursive = args.has("-R", "--recursive")
    files = list(args.positionals)
    if args.value("--reference") is None and files:
        modes.append(files.pop(0))
    for mode in modes:
        text = mode.text
        if (
            mode.dynamic
            or _SETUID_SYMBOLIC.search(text)
            or (_SETUID_NUMERIC.match(text) is not None and int(text[-4]) & 6 != 0)
        ):
            ctx.flag("setuid", f"sets the setuid/setgid bit ({mode.raw})")
    for word in files:
        ctx.write(word, recursive=recursive)


def _chown(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "", ("reference", "from"))
    files = list(args.positionals)
    if args.value("--reference") is None and files:
        files.pop(0)
    recursive = args.has("-R", "--recursive")
    for word in files:
        ctx.write(word, recursive=recursive)


def _dd(inv: Invocation, ctx: Ctx) -> None:
    ctx.flag("destructive-system", "dd copies raw bytes over whatever it is given")
    for word in inv.args:
        key, eq, value = word.text.partition("=")
        if not eq:
            continue
        target = Word(value, word.raw, word.dynamic, word.glob, value.startswith("~"))
        if key == "if":
            ctx.read(target)
        elif key == "of":
            ctx.write(target)


def _shred(inv: Invocation, ctx: Ctx) -> None:
    ctx.flag("destructive-system", "shred destroys file contents beyond recovery")
    args = parse_args(inv.args, "nsS", ("iterations", "size", "random-source"))
    for word in args.positionals:
        ctx.delete(word)


# -- find and fd ----------------------------------------------------------------------------

_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
_FIND_WRITE1 = frozenset({"-fprint", "-fprint0", "-fls"})
_FIND_READ1 = frozenset({"-newer", "-anewer", "-cnewer", "-samefile", "-files0-from"})


def _find(inv: Invocation, ctx: Ctx) -> None:
    words = list(inv.args)
    i = 0
    while i < len(words) and words[i].text in ("-H", "-L", "-P"):
        i += 1
    while i < len(words) and (words[i].text.startswith("-D") or words[i].text.startswith("-O")):
        i += 2 if words[i].text == "-D" else 1
    roots: list[Word] = []
    while i < len(words):
        text = words[i].text
        if (text.startswith("-") and len(text) > 1) or text in ("(", "!", ")", ","):
            break
        roots.append(words[i])
        i += 1
    if not roots:
        roots = [Word(".", ".")]
    for root in roots:
        ctx.read(root)
    placeholder_root = roots[0]
    acted = False
    while i < len(words):
        word = words[i]
        text = word.text
        i += 1
        if word.dynamic and text.startswith("-"):
            ctx.flag("dynamic-command", "find with an expression computed at run time")
        if text == "-delete":
            ctx.flag("find-delete", "find -delete deletes every match")
            for root in roots:
                ctx.delete(root, recursive=True)
            acted = True
        elif text in _FIND_EXEC:
            inner: list[Word] = []
            while i < len(words) and words[i].text not in (";", "+"):
                inner.append(_placeholder(words[i], placeholder_root))
                i += 1
            i += 1
            acted = True
            if inner:
                ctx.run(inner, f"find {text}")
            else:
                ctx.flag("parse-error", f"find {text} without a command")
        elif text in _FIND_WRITE1 and i < len(words):
            ctx.write(words[i])
            i += 1
        elif text == "-fprintf" and i < len(words):
            ctx.write(words[i])
            i += 2
        elif text in _FIND_READ1 and i < len(words):
            ctx.read(words[i])
            i += 1
    if not acted:
        ctx.flag("read-only", "lists files")


def _placeholder(word: Word, root: Word) -> Word:
    if "{}" not in word.text:
        return word
    if word.text == "{}":
        return word._replace(placeholder=root.text, tilde=root.tilde, dynamic=root.dynamic)
    return Word(word.text, word.raw, dynamic=True)


_FD_VALUES = "edEtcjSoCgl"


def _fd(inv: Invocation, ctx: Ctx) -> None:
    words = list(inv.args)
    exec_at = next(
        (k for k, w in enumerate(words) if w.text in ("-x", "--exec", "-X", "--exec-batch")), None
    )
    inner: list[Word] = []
    if exec_at is not None:
        j = exec_at + 1
        while j < len(words) and words[j].text != ";":
            inner.append(words[j])
            j += 1
        words = words[:exec_at] + words[j + 1 :]
    args = parse_args(
        words,
        _FD_VALUES,
        names(
            "extension type exclude max-depth min-depth exact-depth size changed-within "
            "changed-before owner base-directory search-path color threads max-results ignore-file "
            "path-separator format and max-buffer-time batch-size"
        ),
    )
    roots = list(args.positionals[1:]) + args.all_values("--search-path") or [Word(".", ".")]
    for root in roots:
        ctx.read(root)
    if inner:
        ctx.run(
            [_placeholder(w, roots[0]) if w.text.startswith("{") else w for w in inner], "fd --exec"
        )
    else:
        ctx.flag("read-only", "lists files")


# -- archives and copies ----------------------------------------------------------------------

_TAR_EXEC = names(
    "to-command use-compress-program checkpoint-action info-script new-volume-script rsh-command "
    "rmt-command"
)


def _tar(inv: Invocation, ctx: Ctx) -> None:
    words = list(inv.args)
    if words and not words[0].text.startswith("-") and not words[0].dynamic:
        words[0] = Word("-" + words[0].text, words[0].raw)  # `tar xzf a.tgz`
    args = parse_args(
        words,
        "fCIFLVbgHKNT",
        names("file directory use-compress-program exclude files-from to-command"),
    )
    if any(name in args.long for name in _TAR_EXEC) or args.value("-I", "-F") is not None:
        ctx.flag("dynamic-command", "tar runs a program named in its options")
    archive = args.value("-f", "--file")
    directory = args.value("-C", "--directory") or Word(".", ".")
    if args.has("-x", "--extract", "--get"):
        if archive is not None:
            ctx.read(archive)
        ctx.write(directory)
        if args.has("-P", "--absolute-names"):
            ctx.flag("write-outside", "tar -P may write to any absolute path")
    elif args.has("-c", "--create", "-r", "--append", "-u", "--update", "--delete"):
        if archive is not None:
            ctx.write(archive)
        for word in args.positionals:
            ctx.read(word, recursive=True)
    else:
        if archive is not None:
            ctx.read(archive)
        ctx.flag("read-only", "lists an archive")


def _unzip(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "dxP", ("password",))
    if args.positionals:
        ctx.read(args.positionals[0])
    if args.has("-l", "-t", "-v", "-p", "-Z", "-z"):
        ctx.flag("read-only", "lists an archive")
        return
    ctx.write(args.value("-d") or Word(".", "."))


def _zip(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "bntxiPO", ("temp-path", "exclude", "include", "password"))
    if args.has("-T", "--test") and args.has("--unzip-command", "-TT"):
        ctx.flag("dynamic-command", "zip -TT runs a program")
    if not args.positionals:
        return
    ctx.write(args.positionals[0])
    recursive = args.has("-r", "-R")
    for word in args.positionals[1:]:
        ctx.read(word, recursive=recursive)
    if args.has("-m", "--move"):
        for word in args.positionals[1:]:
            ctx.delete(word, recursive=recursive)


def _compress(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "SbT", ("suffix", "threads", "memlimit"))
    if args.has("-c", "--stdout", "-t", "--test", "-l", "--list"):
        for word in args.positionals:
            ctx.read(word)
        return
    recursive = args.has("-r", "--recursive")
    for word in args.positionals:
        ctx.read(word, recursive=recursive)
        if not args.has("-k", "--keep"):
            ctx.write(word, recursive=recursive)
    if not args.positionals:
        ctx.flag("read-only", "filters standard input")


def _patch(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args,
        "pidoDrBVzFgY",
        names("strip input directory output reject-file suffix prefix"),
    )
    for word in args.all_values("-i", "--input"):
        ctx.read(word)
    for word in args.all_values("-o", "--output", "-r", "--reject-file"):
        ctx.write(word)
    if args.has("--dry-run", "-C", "--check"):
        ctx.flag("read-only", "checks a patch")
        return
    if args.positionals:
        ctx.write(args.positionals[0])
        for word in args.positionals[1:2]:
            ctx.read(word)
    else:
        ctx.flag("modify-file", "applies a patch to the files it names")


_REMOTE = re.compile(r"^(?:rsync://|[^/:]+:)")


def _rsync(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args,
        "efTB",
        names(
            "rsh filter exclude include temp-dir backup-dir rsync-path exclude-from include-from "
            "files-from password-file"
        ),
    )
    if args.value("-e", "--rsh", "--rsync-path") is not None or any(
        _REMOTE.match(w.text) for w in args.positionals
    ):
        ctx.flag("network-client", "copies to or from another machine")
        return
    if any(name.startswith("delete") or name.startswith("remove-source") for name in args.long):
        ctx.flag("rm-recursive", "rsync deletes files in the destination")
    paths = list(args.positionals)
    if len(paths) < 2:
        ctx.flag("read-only", "lists files")
        return
    dest = paths.pop()
    for word in paths:
        ctx.read(word, recursive=True)
    ctx.write(dest, recursive=True)


def _split(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args,
        "abClnt",
        names("bytes line-bytes lines number suffix-length additional-suffix separator filter"),
    )
    if args.value("--filter") is not None:
        ctx.flag("dynamic-command", "split --filter runs a shell command")
    if args.positionals:
        ctx.read(args.positionals[0])
    prefix = args.positionals[1] if len(args.positionals) > 1 else Word("x", "x")
    ctx.write(Word(prefix.text + "aa", prefix.raw, prefix.dynamic))


HANDLERS: dict[str, Handler] = {
    "rm": _rm,
    "rmdir": _delete_each,
    "unlink": _delete_each,
    "cp": _copy_like(move=False),
    "install": _copy_like(move=False),
    "mv": _copy_like(move=True),
    "ln": _ln,
    "touch": _touch,
    "mkdir": _mkdir,
    "tee": _writes_all(),
    "sponge": _writes_all(),
    "truncate": _truncate,
    "chmod": _chmod,
    "chown": _chown,
    "chgrp": _chown,
    "dd": _dd,
    "shred": _shred,
    "find": _find,
    "fd": _fd,
    "fdfind": _fd,
    "tar": _tar,
    "unzip": _unzip,
    "zip": _zip,
    "patch": _patch,
    "rsync": _rsync,
    "split": _split,
    "csplit": _split,
}
for _name in names("gzip gunzip bzip2 bunzip2 xz unxz zstd unzstd lz4 compress uncompress"):
    HANDLERS[_name] = _compress
