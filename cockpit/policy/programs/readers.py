"""Programs that read files (pagers, filters, searchers, checksums) and a few shell builtins
whose arguments are code (`trap`, `alias`)."""

from __future__ import annotations

from cockpit.policy.programs.knowledge import Ctx, Handler, Invocation, names, parse_args, quiet
from cockpit.policy.shell.words import Word, literal


def reads(
    short_values: str = "",
    long_values: tuple[str, ...] = (),
    *,
    skip: int = 0,
    recursive: str = "",
    writes: tuple[str, ...] = (),
    label: str = "reads files",
) -> Handler:
    """A program whose positionals (after `skip`) are files it reads."""

    def handle(inv: Invocation, ctx: Ctx) -> None:
        args = parse_args(inv.args, short_values, long_values)
        deep = bool(recursive) and any(args.has(flag) for flag in recursive.split())
        for word in args.positionals[skip:]:
            ctx.read(word, recursive=deep)
        for opt in writes:
            for word in args.all_values(opt):
                ctx.write(word)
        ctx.flag("read-only", label)

    return handle


_GREP_VALUES = "efmABCdD"
_GREP_LONG = names(
    "regexp file max-count after-context before-context context devices directories include "
    "exclude exclude-dir exclude-from label group-separator binary-files"
)


def _grep(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, _GREP_VALUES, _GREP_LONG)
    for word in args.all_values("-f", "--file", "--exclude-from"):
        ctx.read(word)
    deep = args.has("-r", "-R", "--recursive", "--dereference-recursive") or any(
        w.text == "recurse" for w in args.all_values("-d", "--directories")
    )
    explicit = args.value("-e", "--regexp", "-f", "--file") is not None
    files = args.positionals if explicit else args.positionals[1:]
    if not files and deep:
        files = (literal("."),)
    for word in files:
        ctx.read(word, recursive=deep)
    ctx.flag("read-only", "searches files")


_RG_VALUES = "efgtTmABCjMrEd"
_RG_LONG = names(
    "regexp file glob iglob type type-not type-add type-clear max-count after-context "
    "before-context context threads max-columns replace encoding max-depth colors color sort sortr "
    "context-separator field-match-separator field-context-separator path-separator max-filesize "
    "dfa-size-limit regex-size-limit engine ignore-file pre pre-glob hostname-bin hyperlink-format "
    "generate max-depth"
)


def _rg(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, _RG_VALUES, _RG_LONG)
    if "pre" in args.long:
        ctx.flag("rg-pre", "rg --pre runs a program on every file it searches")
    if "hostname-bin" in args.long:
        ctx.flag("rg-pre", "rg --hostname-bin runs a program")
    if args.has("-z", "--search-zip"):
        ctx.flag("run-code", "rg -z runs decompression programs")
    for word in args.all_values("-f", "--file", "--ignore-file"):
        ctx.read(word)
    explicit = args.value("-e", "--regexp", "-f", "--file") is not None
    listing = args.has("--files", "--type-list", "--version", "-V", "--help", "-h")
    files = args.positionals if (explicit or listing) else args.positionals[1:]
    for word in files or (literal("."),):
        ctx.read(word, recursive=True)
    ctx.flag("read-only", "searches files")


def _pattern_search(inv: Invocation, ctx: Ctx) -> None:
    """ag, ack: a pattern, then directories searched recursively."""
    args = parse_args(inv.args, "GgmABC", ("pager", "ignore", "file-search-regex", "depth"))
    if "pager" in args.long:
        ctx.flag("dynamic-command", f"{inv.name} --pager runs a program")
    for word in args.positionals[1:] or (literal("."),):
        ctx.read(word, recursive=True)
    ctx.flag("read-only", "searches files")


def _jq(inv: Invocation, ctx: Ctx) -> None:
    words = list(inv.args)
    rest: list[Word] = []
    from_file = False
    i = 0
    while i < len(words):
        text = words[i].text
        if text in ("--arg", "--argjson"):
            i += 3
            continue
        if text in ("--slurpfile", "--rawfile"):
            if i + 2 < len(words):
                ctx.read(words[i + 2])
            i += 3
            continue
        if text in ("-f", "--from-file") and i + 1 < len(words):
            ctx.read(words[i + 1])
            from_file = True
            i += 2
            continue
        if text in ("--indent", "-L"):
            i += 2
            continue
        if text in ("--args", "--jsonargs"):
            break
        if not text.startswith("-") or text == "-":
            rest.append(words[i])
        i += 1
    for word in rest if from_file else rest[1:]:
        ctx.read(word)
    ctx.flag("read-only", "filters JSON")


def _yq(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args, "pPoIe", ("input-format", "output-format", "indent", "expression", "front-matter")
    )
    files = args.positionals[1:] if args.positionals else ()
    for word in files:
        ctx.read(word)
        if args.has("-i", "--inplace"):
            ctx.write(word)
    ctx.flag("read-only", "filters YAML")


def _sort(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args,
        "kotST",
        names(
            "key output field-separator buffer-size temporary-directory files0-from random-source "
            "compress-program batch-size parallel"
        ),
    )
    if args.value("--compress-program") is not None:
        ctx.flag("dynamic-command", "sort --compress-program runs a program")
    for word in args.all_values("-o", "--output"):
        ctx.write(word)
    for word in args.positionals + tuple(args.all_values("--files0-from")):
        ctx.read(word)
    ctx.flag("read-only", "sorts lines")


def _in_out(short_values: str, long_values: tuple[str, ...] = ()) -> Handler:
    """`uniq IN OUT`, `xxd IN OUT`: the second positional is written."""

    def handle(inv: Invocation, ctx: Ctx) -> None:
        args = parse_args(inv.args, short_values, long_values)
        if args.positionals:
            ctx.read(args.positionals[0])
        for word in args.positionals[1:2]:
            ctx.write(word)
        ctx.flag("read-only", "filters text")

    return handle


def _date(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "dfrsI", ("date", "file", "reference", "set"))
    if args.value("-s", "--set") is not None:
        ctx.flag("destructive-system", "sets the system clock")
    for word in args.all_values("-f", "--file", "-r", "--reference"):
        ctx.read(word)
    ctx.flag("read-only", "prints the date")


def _hostname(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "F", ("file",))
    if args.positionals or args.value("-F", "--file") is not None:
        ctx.flag("destructive-system", "renames the machine")
    else:
        ctx.flag("read-only", "prints the host name")


def _trap(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "", (), stop_at_positional=True)
    if args.has("-l", "-p") or len(args.positionals) < 2:
        ctx.flag("read-only", "lists traps")
        return
    code = args.positionals[0]
    if code.text in ("", "-"):
        ctx.flag("read-only", "resets a trap")
        return
    ctx.script(None if code.dynamic else code, "trap")


def _alias(inv: Invocation, ctx: Ctx) -> None:
    for word in inv.args:
        name, eq, value = word.text.partition("=")
        if eq:
            ctx.script(None if word.dynamic else Word(value, word.raw), f"alias {name}")
    ctx.flag("read-only", "defines aliases")


_PLAIN_READERS: dict[str, Handler] = {
    "cat": reads(),
    "tac": reads("s", ("separator",)),
    "head": reads("nc", ("lines", "bytes")),
    "tail": reads("ncs", ("lines", "bytes", "pid", "sleep-interval", "max-unchanged-stats")),
    "wc": reads(),
    "nl": reads("bdfhilnsvw"),
    "less": reads(label="pages a file"),
    "more": reads(label="pages a file"),
    "file": reads("mfeF", ("magic-file", "files-from", "exclude", "separator")),
    "stat": reads("cf", ("format", "printf")),
    "du": reads(
        "dBtX",
        names("max-depth block-size threshold exclude exclude-from time-style files0-from"),
        label="measures disk use",
    ),
    "ls": reads(
        "ITw",
        names(
            "ignore hide width tabsize color format sort time time-style quoting-style "
            "indicator-style block-size"
        ),
        label="lists files",
    ),
    "dir": reads(label="lists files"),
    "tree": reads(
        "LPIo", ("filelimit", "charset", "sort", "timefmt"), writes=("-o",), label="lists files"
    ),
    "od": reads("AjNtw", ("address-radix", "skip-bytes", "read-bytes", "format", "width")),
    "hexdump": reads("nsef", ("length", "skip", "format", "format-file")),
    "hd": reads("nsef"),
    "strings": reads("nteo", ("bytes", "radix", "encoding", "output-separator")),
    "cut": reads("dfbc", ("delimiter", "fields", "bytes", "characters", "output-delimiter")),
    "paste": reads("d", ("delimiters",)),
    "join": reads("aeotj12", ()),
    "comm": reads("", ("output-delimiter",)),
    "diff": reads(
        "xXIFLCUD",
        names(
            "exclude exclude-from ignore-matching-lines label show-function-line context unified "
            "ifdef from-file to-file line-format horizon-lines"
        ),
        recursive="-r --recursive",
        label="compares files",
    ),
    "cmp": reads("inl", ("ignore-initial", "bytes"), label="compares files"),
    "column": reads("stcoNRHWdr", ()),
    "fold": reads("w", ("width",)),
    "fmt": reads("wpg", ("width", "prefix", "goal")),
    "expand": reads("t", ("tabs",)),
    "unexpand": reads("t", ("tabs",)),
    "pr": reads("hlowWNsSeinmc"),
    "rev": reads(),
    "look": reads("t"),
    "iconv": reads("fto", ("from-code", "to-code", "output"), writes=("-o", "--output")),
    "base64": reads("w", ("wrap",)),
    "base32": reads("w", ("wrap",)),
    "basenc": reads("w", ("wrap",)),
    "md5sum": reads(),
    "sha1sum": reads(),
    "sha224sum": reads(),
    "sha256sum": reads(),
    "sha384sum": reads(),
    "sha512sum": reads(),
    "b2sum": reads("l", ("length",)),
    "cksum": reads("a", ("algorithm",)),
    "sum": reads(),
    "shasum": reads("a", ("algorithm",)),
    "readlink": reads(label="reads a link"),
    "realpath": reads(label="resolves a path"),
    "tr": quiet("translates characters"),
    "shellcheck": reads(
        "efsSWoCPx",
        names("exclude format shell severity enable source-path include color wiki-link-count"),
        label="lints shell scripts",
    ),
    "zcat": reads(),
    "bzcat": reads(),
    "xzcat": reads(),
    "zless": reads(),
    "zgrep": _grep,
    "bat": reads(
        "lrmHpPLS",
        names("language line-range map-syntax highlight-line style theme tabs wrap terminal-width"),
    ),
    "batcat": reads("lrmHpPLS"),
    "lsattr": reads(),
    "getfacl": reads(),
    "namei": reads(),
    "test": quiet("tests a condition"),
    "[": quiet("tests a condition"),
}

HANDLERS: dict[str, Handler] = {
    **_PLAIN_READERS,
    "grep": _grep,
    "egrep": _grep,
    "fgrep": _grep,
    "rg": _rg,
    "ag": _pattern_search,
    "ack": _pattern_search,
    "jq": _jq,
    "yq": _yq,
    "sort": _sort,
    "uniq": _in_out("fsw", ("skip-fields", "skip-chars", "check-chars", "group")),
    "xxd": _in_out("cglsonC", names("cols groupsize len seek offset name")),
    "date": _date,
    "hostname": _hostname,
    "trap": _trap,
    "alias": _alias,
}
