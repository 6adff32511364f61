"""What the tool handlers see: one invocation and a context to report findings to.

A handler is a plain function `handle(inv, ctx)` that knows one program. It reports
program-level findings (`ctx.flag`), the paths the program reads, writes or deletes
(`ctx.read`/`write`/`delete`), nested shell code (`ctx.script`) and inner commands that a
wrapper runs (`ctx.run`). It never decides a tier: check ids map to tiers in
`rules/default.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from collections.abc import Set as AbstractSet
from functools import cache
from typing import NamedTuple, Protocol

from cockpit.policy.shell.analysis import SimpleCommand
from cockpit.policy.shell.words import Word


class Invocation(NamedTuple):
    """One program about to run, after unwrapping `timeout`, `env`, `sudo`, ..."""

    argv: tuple[Word, ...]
    name: str
    """The program's basename (`/usr/bin/rm` -> `rm`); empty when computed at run time."""
    text: str
    """The command text, for reasons."""
    cmd: SimpleCommand
    cwd: str | None
    via: tuple[str, ...]
    """The wrappers around it, outermost first."""
    args: tuple[Word, ...]
    """`argv[1:]`."""


def invocation(
    argv: tuple[Word, ...],
    text: str,
    cmd: SimpleCommand,
    cwd: str | None,
    via: tuple[str, ...] = (),
) -> Invocation:
    return Invocation(argv, program_name(argv[0]), text, cmd, cwd, via, argv[1:])


class Ctx(Protocol):
    """Where a handler reports what an invocation does."""

    home: str

    def flag(self, check: str, what: str) -> None:
        """A program-level finding; the reason reads `what: <command>`."""

    def read(self, word: Word, *, recursive: bool = False) -> None: ...

    def write(self, word: Word, *, recursive: bool = False) -> None: ...

    def delete(self, word: Word, *, recursive: bool = False) -> None: ...

    def rewrites_tree(self, what: str) -> None:
        """The program may rewrite any file of the working tree (`git stash`)."""

    def symlink(self, link: Word, target: Word) -> None:
        """The program makes `link` a symbolic link to `target` (relative to the link's
        folder), which later words in the same command will go through."""

    def script(self, code: Word | None, what: str) -> None:
        """Shell code the program will run; None or a dynamic word is code we cannot see."""

    def run(self, argv: Sequence[Word], via: str, *, cwd: str | bool | None = True) -> None:
        """An inner command run by a wrapper; `cwd=True` keeps the invocation's cwd."""

    def assign(self, name: str, value: Word) -> None:
        """An environment variable set for the inner command (`env NAME=VALUE cmd`)."""

    def stdin_code(self, what: str, *, shell: bool) -> None:
        """The program runs code read from its standard input."""

    def code_file(self, word: Word, what: str) -> None:
        """The program runs code from the file (or process substitution) `word`."""

    def directory(self, word: Word) -> str | None:
        """The lexical absolute path of a directory argument (`env -C DIR`), or None."""

    def is_existing(self, word: Word) -> bool:
        """Whether a literal path exists (relative to the invocation's cwd)."""

    def is_dir(self, word: Word) -> bool:
        """Whether a literal path is an existing directory."""

    def is_inside(self, word: Word) -> bool | None:
        """Whether a path lies inside the workspace; None when it cannot be known."""

    def git_remotes(self) -> frozenset[str] | None:
        """The remotes configured in the repository this git invocation works in (`-C`
        followed); None when it is not a repository in the workspace or cannot be known."""


Handler = Callable[[Invocation, Ctx], None]


@cache
def names(text: str) -> tuple[str, ...]:
    """Program or option names written as one whitespace-separated string (memoised, so a
    handler can call it inline)."""
    return tuple(text.split())


def quiet(label: str) -> Handler:
    """A program with no file arguments and no side effects: always `read-only`."""

    def handle(inv: Invocation, ctx: Ctx) -> None:
        ctx.flag("read-only", label)

    return handle


def flagged(check: str, what: str) -> Handler:
    """A program whose risk does not depend on its arguments."""

    def handle(inv: Invocation, ctx: Ctx) -> None:
        ctx.flag(check, what)

    return handle


class Args(NamedTuple):
    """Command-line arguments split the usual POSIX/GNU way."""

    short: AbstractSet[str]
    long: AbstractSet[str]
    values: tuple[tuple[str, Word], ...]
    positionals: tuple[Word, ...]
    dynamic: bool
    """Some argument is computed at run time (it might be any option)."""

    def has(self, *names: str) -> bool:
        for name in names:
            if name.startswith("--"):
                if name[2:] in self.long:
                    return True
            elif name.startswith("-") and name[1:] in self.short:
                return True
        return False

    def value(self, *names: str) -> Word | None:
        for opt, word in self.values:
            if opt in names:
                return word
        return None

    def all_values(self, *names: str) -> list[Word]:
        return [word for opt, word in self.values if opt in names]


def parse_args(
    words: Sequence[Word],
    short_values: str = "",
    long_values: Collection[str] = (),
    *,
    stop_at_positional: bool = False,
) -> Args:
    """Split `words` into flags, options with values and positionals.

    `short_values` lists the short options that take a value (`-n 5`, `-n5`);
    `long_values` the long ones (`--max-count 5`, `--max-count=5`). With
    `stop_at_positional`, everything from the first positional on is positional (for
    wrappers: `timeout 5 rm -rf x`).
    """
    if not words:
        return _NO_ARGS
    short: set[str] = set()
    long: set[str] = set()
    values: list[tuple[str, Word]] = []
    positionals: list[Word] = []
    dynamic = False
    i = 0
    n = len(words)
    while i < n:
        word = words[i]
        text = word.text
        i += 1
        if word.dynamic:
            dynamic = True
        if text == "--" and not word.dynamic:
            positionals.extend(words[i:])
            break
        if text.startswith("--") and len(text) > 2:
            name, eq, val = text[2:].partition("=")
            long.add(name)
            if eq:
                values.append(("--" + name, Word(val, word.raw, word.dynamic)))
            elif i < n and name in long_values:
                values.append(("--" + name, words[i]))
                i += 1
            continue
        if text.startswith("-") and len(text) > 1:
            j = 1
            while j < len(text):
                letter = text[j]
                short.add(letter)
                if letter in short_values:
                    rest = text[j + 1 :]
                    if rest:
                        values.append(("-" + letter, Word(rest, word.raw, word.dynamic)))
                    elif i < n:
                        values.append(("-" + letter, words[i]))
                        i += 1
                    break
                j += 1
            continue
        positionals.append(word)
        if stop_at_positional:
            positionals.extend(words[i:])
            break
    return Args(short, long, tuple(values), tuple(positionals), dynamic)


_NO_ARGS = Args(frozenset(), frozenset(), (), (), False)


_VERSIONED = re.compile(r"^(python|pypy|pip|ruby|perl|php|node|lua|luajit|gcc|g\+\+|clang)[0-9.]*$")


def program_name(word: Word) -> str:
    """The name a program is known by: basename, version suffix dropped (python3.11 ->
    python); empty when computed at run time."""
    if word.dynamic or word.glob:
        return ""
    text = word.text
    base = text.rpartition("/")[2]
    if base and base[-1].isdigit():
        m = _VERSIONED.match(base)
        if m is not None:
            return m.group(1)
    return base


TRUSTED_DIRS = frozenset(
    {
        "/bin",
        "/sbin",
        "/usr/bin",
        "/usr/sbin",
        "/usr/local/bin",
        "/usr/local/sbin",
        "/opt/homebrew/bin",
        "/opt/homebrew/sbin",
    }
)


def is_path_qualified_untrusted(word: Word) -> bool:
    """`./sed` or `bin/grep`: a program from the workspace, whatever its name says."""
    text = word.text
    if "/" not in text:
        return False
    return text.rsplit("/", 1)[0] not in TRUSTED_DIRS


def join_text(words: Sequence[Word], limit: int = 160) -> str:
    text = " ".join(w.raw for w in words)
    return text if len(text) <= limit else text[: limit - 1] + "…"
