"""One pure function from an action to a `Decision`.

Every part of a command is a *subject*: each program invocation, each path it touches,
each structural problem (parse errors, code computed at run time). A subject collects
items from three layers: built-in checks (layer 0), built-in YAML rules (1) and workspace
rules (2). Within a subject the highest layer that matched decides, except that a tier 3
never goes away and `deny` always wins. A session grant lowers a program's tier 3 to 2.
The decision is the strictest subject, carrying every reason and rule.
"""

from __future__ import annotations

import glob as globlib
import os
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from cockpit.policy import fs, git, programs, text, wrappers
from cockpit.policy.knowledge import (
    Handler,
    Invocation,
    invocation,
    is_path_qualified_untrusted,
    join_text,
    program_name,
)
from cockpit.policy.model import Decision, FileAction, RuleRef, ShellAction, Tier, severity
from cockpit.policy.paths import PathContext, harmless_target
from cockpit.policy.rules import Rule, RuleSet
from cockpit.policy.shell import Analysis, Redirect, SimpleCommand, analyze
from cockpit.policy.words import Word

if TYPE_CHECKING:
    from cockpit.policy.grants import Grant

HANDLERS: dict[str, Handler] = {
    **programs.HANDLERS,
    **text.HANDLERS,
    **fs.HANDLERS,
    **git.HANDLERS,
    **wrappers.HANDLERS,
}
WRAPPERS = frozenset(wrappers.HANDLERS) - {"eval", "source", "."}
NETWORK = frozenset(programs.NETWORK)
# Programs that, named as an argument of an unknown program, suggest it runs them.
RISKY_NAMES = frozenset(
    {
        "rm",
        "dd",
        "mkfs",
        "shred",
        "curl",
        "wget",
        "nc",
        "ssh",
        "scp",
        "sudo",
        "su",
        "doas",
        "chmod",
        "chown",
        "git",
        "python",
        "perl",
        "ruby",
        "node",
    }
    | wrappers.SHELLS
)
MAX_SCRIPT_DEPTH = 8
MAX_INVOCATION_DEPTH = 24
MAX_COMMAND_BYTES = 1_000_000
MAX_GLOB_MATCHES = 200
_INFO_ARGS = frozenset({"--version", "--help", "-h", "-V", "version", "help"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CREDENTIAL_HINT = re.compile(
    r"(?:^|/)(?:\.ssh|\.aws|\.gnupg|\.netrc|\.git-credentials|\.pgpass|\.kube|\.azure|"
    r"\.docker/config\.json|\.config/gcloud|\.config/gh|id_rsa|id_ed25519|id_ecdsa)(?:/|$)"
)
_ENV_DANGER = frozenset(
    {
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "LD_AUDIT",
        "BASH_ENV",
        "ENV",
        "PROMPT_COMMAND",
        "SHELLOPTS",
        "BASHOPTS",
        "PS4",
        "IFS",
        "HOME",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_EXEC_PATH",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_EXTERNAL_DIFF",
        "GIT_ASKPASS",
        "SSH_ASKPASS",
        "GIT_TEMPLATE_DIR",
        "NODE_OPTIONS",
        "PERL5OPT",
        "PERL5LIB",
        "RUBYOPT",
        "PYTHONSTARTUP",
        "PYTHONPATH",
        "PYTHONHOME",
        "GIT_CONFIG",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG_COUNT",
        "GIT_PROXY_COMMAND",
        "BROWSER",
        "ZDOTDIR",
    }
)
_ENV_PROGRAM = frozenset(
    {
        "PAGER",
        "GIT_PAGER",
        "MANPAGER",
        "EDITOR",
        "VISUAL",
        "GIT_EDITOR",
        "GIT_SEQUENCE_EDITOR",
        "SYSTEMD_PAGER",
        "LESSOPEN",
        "LESSCLOSE",
    }
)
_SAFE_PROGRAM_VALUES = frozenset(
    {"", "cat", "less", "more", "true", "false", "less -R", "less -FRX", "vi", "vim", "nano", ":"}
)


class Item(NamedTuple):
    layer: int
    tier: Tier
    reason: str
    ref: RuleRef


class Subject:
    """One part of an action that can carry risk: an invocation, a path, a structural
    problem. `kept` are the items that count once the layers are settled."""

    __slots__ = ("inv", "items", "kept", "kind", "op", "real", "recursive", "script")

    def __init__(
        self,
        kind: str,
        items: list[Item] | None = None,
        inv: Invocation | None = None,
        op: str = "",
        real: str | None = None,
        recursive: bool = False,
    ) -> None:
        self.kind = kind  # "command", "path" or "structure"
        self.items: list[Item] = items if items is not None else []
        self.inv = inv
        self.op = op
        self.real = real
        self.recursive = recursive
        self.kept: list[Item] = []
        self.script = ""
        """The shell code construct it was found in (`bash -c`, `eval`), if any."""

    @property
    def tier(self) -> Tier:
        best: Tier = 1
        for item in self.kept:
            if severity(item.tier) > severity(best):
                best = item.tier
        return best


@dataclass(slots=True)
class Evaluation:
    decision: Decision
    subjects: list[Subject]


class Classifier:
    """The checks, rules, paths and grants of one workspace. `evaluate` is pure apart from
    looking at the file system (symlinks, whether a file exists)."""

    def __init__(
        self, ruleset: RuleSet, paths: PathContext, grants: Callable[[], Sequence[Grant]] = tuple
    ) -> None:
        self.ruleset = ruleset
        self.paths = paths
        self.grants = grants
        self.checks: dict[str, tuple[Tier, RuleRef]] = {
            cid: (check.tier, check.ref) for cid, check in ruleset.checks.items()
        }
        self._cwds: dict[str, str] = {}
        self.rule_programs = ruleset.programs()
        self.wild_rules = ruleset.has_wild_rules()

    def evaluate(self, action: ShellAction | FileAction) -> Evaluation:
        run = self._run(action)
        return Evaluation(run.decision(), run.subjects)

    def decide(self, action: ShellAction | FileAction) -> Decision:
        return self._run(action).decision()

    def _run(self, action: ShellAction | FileAction) -> _Run:
        run = _Run(self)
        if isinstance(action, ShellAction):
            run.shell(action.command, self._cwd(action.cwd))
        else:
            run.file(action)
        return run

    def _cwd(self, cwd: str | os.PathLike[str]) -> str:
        """The normalised absolute cwd (memoised: it is the same for most actions)."""
        key = cwd if isinstance(cwd, str) else os.fspath(cwd)
        found = self._cwds.get(key)
        if found is None:
            found = os.path.normpath(os.path.abspath(key))
            if os.path.isabs(key) and len(self._cwds) < 1024:
                self._cwds[key] = found
        return found


class _Run:
    """One classification: implements the `Ctx` the tool handlers report to."""

    def __init__(self, engine: Classifier) -> None:
        self.engine = engine
        self.paths = engine.paths
        self.home = engine.paths.home_display
        self.subjects: list[Subject] = []
        self.current = _NO_SUBJECT
        self.inv: Invocation | None = None
        self.reals: dict[str, tuple[str | None, int]] = {}
        self.script_depth = 0
        self.script_context = ""
        self.invocation_depth = 0

    # -- entry points ---------------------------------------------------------------------

    def shell(self, command: str, cwd: str) -> None:
        if len(command) > MAX_COMMAND_BYTES:
            self.structure("parse-error", "the command is too long to analyse")
            return
        if _CONTROL.search(command):
            self.structure(
                "parse-error",
                "the command contains control characters "
                "(bash and cockpit may read it differently)",
            )
        self.analysis(analyze(command, cwd, self.home))

    def file(self, action: FileAction) -> None:
        op = {
            "read": "read",
            "list": "read",
            "write": "write",
            "edit": "write",
            "delete": "delete",
        }.get(action.op)
        raw = str(action.path)
        if op is None:
            self.structure("parse-error", f"unknown file operation {action.op!r}")
            return
        word = Word(raw, raw, tilde=raw.startswith("~"))
        self.path_effect(
            op, word, False, f"{action.op} {raw}", self.paths.root_lexical, edit=action.op == "edit"
        )

    def analysis(self, found: Analysis) -> None:
        for check, reason in found.problems:
            self.structure(check, reason)
        for name, value, statement in found.assignments:
            self.assignment(name, value, statement)
        for redirect in found.redirects:
            self.redirect(redirect)
        functions = found.functions
        for cmd in found.commands:
            argv = cmd.argv
            if functions and argv and argv[0].text in functions and not argv[0].dynamic:
                self.structure(
                    "read-only",
                    f"calls the function {argv[0].text} defined in "
                    "the command (its body is checked where it is "
                    f"defined): {_short(cmd.text)}",
                )
                continue
            if argv:
                text = cmd.text
                if len(text) > 160 or "\n" in text or "  " in text or "\t" in text:
                    text = _short(text)
                argv0 = argv[0]
                name = argv0.text
                if argv0.dynamic or argv0.glob or "/" in name or name[-1:].isdigit():
                    name = program_name(argv0)
                self.invoke(_new(Invocation, (argv, name, text, cmd, cmd.cwd, (), argv[1:])))

    # -- subjects -------------------------------------------------------------------------

    def item(self, check: str, reason: str) -> Item:
        found = self.engine.checks.get(check)
        if found is None:
            return Item(0, 3, reason, RuleRef("builtin:" + check, "builtin"))
        return Item(0, found[0], reason, found[1])

    def structure(self, check: str, reason: str) -> None:
        subject = Subject("structure", [self.item(check, reason)])
        self.settle(subject)

    def invoke(self, inv: Invocation) -> None:
        subject = Subject("command", None, inv)
        subject.script = self.script_context
        saved_subject, saved_inv = self.current, self.inv
        self.current, self.inv = subject, inv
        self.invocation_depth += 1
        try:
            if self.invocation_depth > MAX_INVOCATION_DEPTH:
                self.flag("nesting-limit", "commands wrapped too deeply to analyse")
            else:
                self.knowledge(inv)
            engine = self.engine
            if inv.name in engine.rule_programs or engine.wild_rules:
                for rule in engine.ruleset.command_rules(inv.name, inv.argv[0].text, inv.args):
                    subject.items.append(_rule_item(rule, inv.text))
        finally:
            self.current, self.inv = saved_subject, saved_inv
            self.invocation_depth -= 1
        self.settle(subject)

    def knowledge(self, inv: Invocation) -> None:
        name = inv.name
        argv0 = inv.argv[0]
        if not name:
            self.flag("dynamic-command", f"command name computed at run time ({argv0.raw})")
            return
        handler = HANDLERS.get(name)
        if handler is None and name.startswith("mkfs."):
            handler = HANDLERS.get("mkfs")
        if handler is None:
            self.flag("unknown-command", f"unknown program {name}")
            risky = next(
                (w.text for w in inv.args if not w.dynamic and w.text in RISKY_NAMES), None
            )
            if risky is not None:
                self.flag("unknown-wrapper", f"unknown program {name} may run {risky}")
        elif (
            inv.args
            and inv.args[-1].text in _INFO_ARGS
            and name not in WRAPPERS
            and all(w.text in _INFO_ARGS for w in inv.args)
        ):
            self.flag("read-only", f"prints {name}'s version or help")
        else:
            handler(inv, self)
        if "/" in argv0.text and is_path_qualified_untrusted(argv0):
            self.flag("run-code", f"runs {argv0.raw}, not the system's {name}")

    def settle(self, subject: Subject) -> None:
        items = subject.items
        if not items:
            return
        top = 0
        deny = three = False
        for item in items:
            if item.layer > top:
                top = item.layer
            if item.tier == 3:
                three = True
            elif item.tier == "deny":
                deny = True
        if deny:
            subject.kept = [i for i in items if i.tier == "deny" or i.tier == 3]
        elif top == 0:
            subject.kept = items
        else:
            subject.kept = [i for i in items if i.layer == top or i.tier == 3]
        inv = subject.inv
        if three and not deny and inv is not None:
            self._apply_grant(subject, inv)
        self.subjects.append(subject)

    def _apply_grant(self, subject: Subject, inv: Invocation) -> None:
        needed = {i.ref.id for i in subject.kept if i.tier == 3}
        for grant in self.engine.grants():
            if grant.matches(inv) and needed.issubset(grant.covers):
                was = "; ".join(i.reason for i in subject.kept if i.tier == 3)
                reason = f"allowed for this session by grant '{grant.pattern}' (was: {was})"
                subject.kept = [Item(3, 2, reason, grant.ref)]
                return

    def decision(self) -> Decision:
        subjects = self.subjects
        if len(subjects) == 1 and len(subjects[0].kept) == 1:
            only = subjects[0].kept[0]
            return Decision(only.tier, (only.reason,) if only.reason else (), (only.ref,))
        kept = [item for subject in subjects for item in subject.kept]
        if not kept:
            return Decision(1, (), ())
        kept.sort(key=_strictness)
        reasons: dict[str, None] = {}
        refs: dict[tuple[str, str], RuleRef] = {}
        for item in kept:
            if item.reason:
                reasons[item.reason] = None
            ref = item.ref
            refs.setdefault((ref.id, ref.source), ref)
        return Decision(kept[0].tier, tuple(reasons), tuple(refs.values()))

    # -- Ctx ------------------------------------------------------------------------------

    def flag(self, check: str, what: str) -> None:
        inv = self.inv
        reason = f"{what}: {inv.text}" if inv else what
        found = self.engine.checks.get(check)
        if found is None:
            self.current.items.append(self.item(check, reason))
        else:
            self.current.items.append(_new(Item, (0, found[0], reason, found[1])))

    def read(self, word: Word, *, recursive: bool = False) -> None:
        self._effect("read", word, recursive)

    def write(self, word: Word, *, recursive: bool = False) -> None:
        self._effect("write", word, recursive)

    def delete(self, word: Word, *, recursive: bool = False) -> None:
        self._effect("delete", word, recursive)

    def _effect(self, op: str, word: Word, recursive: bool) -> None:
        inv = self.inv
        if inv is None:
            return
        self.path_effect(op, word, recursive, inv.text, inv.cwd)

    def script(self, code: Word | None, what: str) -> None:
        if code is None or code.dynamic:
            self.flag("dynamic-command", f"{what} runs code computed at run time")
            return
        if self.script_depth >= MAX_SCRIPT_DEPTH:
            self.flag("nesting-limit", f"{what} nests shell code too deeply to analyse")
            return
        inv = self.inv
        saved = self.script_context
        self.script_depth += 1
        self.script_context = saved or what
        try:
            self.analysis(analyze(code.text, inv.cwd if inv else None, self.home))
        finally:
            self.script_depth -= 1
            self.script_context = saved

    def run(self, argv: Sequence[Word], via: str, *, cwd: str | bool | None = True) -> None:
        inv = self.inv
        if inv is None or not argv:
            return
        inner_cwd = inv.cwd if cwd is True else (None if cwd is False else cwd)
        self.invoke(invocation(tuple(argv), join_text(argv), inv.cmd, inner_cwd, (*inv.via, via)))

    def assign(self, name: str, value: Word) -> None:
        inv = self.inv
        self.assignment(name, value, inv.text if inv else name)

    def stdin_code(self, what: str, *, shell: bool) -> None:
        inv = self.inv
        if inv is None:
            return
        cmd = inv.cmd
        if cmd.stdin == "pipe":
            source = _fetcher(cmd.upstream)
            if source is not None:
                self.flag("fetch-exec", f"{what} runs what `{source}` downloads")
            else:
                self.flag("dynamic-command", f"{what} runs code it reads from a pipe")
        elif cmd.stdin in ("heredoc", "herestring"):
            if cmd.stdin_script is None:
                self.flag("dynamic-command", f"{what} runs a here-document computed at run time")
            elif shell:
                self.script(Word(cmd.stdin_script, cmd.stdin_script), what)
            else:
                self.flag("inline-code", f"runs inline {what} code")
        elif cmd.stdin == "file":
            self.flag("run-code", f"{what} runs a script from a file")
        else:
            self.flag("run-code", f"starts an interactive {what}")

    def code_file(self, word: Word, what: str) -> None:
        if word.fd:
            source = _fetcher(word.sub)
            if source is not None:
                self.flag("fetch-exec", f"runs what `{source}` downloads")
            else:
                self.flag("dynamic-command", "runs code produced by another command")
        elif word.dynamic:
            self.flag("dynamic-command", f"runs a script named at run time ({word.raw})")
        else:
            self.flag("run-code", what)
            self.read(word)

    def directory(self, word: Word) -> str | None:
        inv = self.inv
        if word.dynamic:
            return None
        path = self.paths.absolute(word.text, word.tilde, inv.cwd if inv else None)
        return os.path.normpath(path) if path is not None else None

    def is_existing(self, word: Word) -> bool:
        return self._literal(word)[1] != 0

    def is_dir(self, word: Word) -> bool:
        return stat.S_ISDIR(self._literal(word)[1])

    def is_inside(self, word: Word) -> bool | None:
        real = self._literal(word)[0]
        return None if real is None else self.paths.inside(real)

    def _literal(self, word: Word) -> tuple[str | None, int]:
        if word.dynamic or word.glob:
            return None, 0
        inv = self.inv
        path = self.paths.absolute(word.text, word.tilde, inv.cwd if inv else None)
        return (None, 0) if path is None else self.resolve(path)

    # -- paths, redirects, environment ---------------------------------------------------

    def resolve(self, path: str) -> tuple[str | None, int]:
        """`path` with symlinks followed and the mode of its target (0: missing),
        remembered for the rest of this classification (`mv a b` asks about `b` twice)."""
        found = self.reals.get(path)
        if found is None:
            found = self.reals[path] = self.paths.resolve(path)
        return found

    def redirect(self, redirect: Redirect) -> None:
        target = redirect.target
        if target is None:
            return
        op = redirect.op
        text = _short(redirect.text)
        if op == "<":
            self.path_effect("read", target, False, text, redirect.cwd)
        elif op == "<>":
            self.path_effect("read", target, False, text, redirect.cwd)
            self.path_effect("write", target, False, text, redirect.cwd)
        else:
            self.path_effect("write", target, False, text, redirect.cwd)

    def path_effect(
        self,
        op: str,
        word: Word,
        recursive: bool,
        text: str,
        cwd: str | None,
        *,
        edit: bool = False,
    ) -> None:
        if word.fd:
            return
        if word.placeholder is not None:
            recursive = True
            word = Word(word.placeholder, word.raw, word.dynamic, False, word.tilde)
            if op == "delete":
                self.flag("find-delete", "deletes every file find matches")
        if word.dynamic:
            self._unknown_path(op, word, text)
            return
        if word.glob:
            matches = self._glob(word, cwd)
            if matches is None:
                self._unknown_path(op, word, text)
                return
            if matches:
                for match in matches:
                    self.path_effect(op, Word(match, word.raw), recursive, text, cwd)
                return
        path = self.paths.absolute(word.text, word.tilde, cwd)
        if path is None:
            self._unknown_path(op, word, text)
            return
        if harmless_target(path):
            return
        real, mode = self.resolve(path)
        if real is None:
            self._unknown_path(op, word, text)
            return
        rules = self.engine.ruleset.path_rules(op, real, recursive)
        if op == "read" and not rules:
            return  # reading an ordinary file: nothing to say
        shown = word.raw
        where = self.paths.display(real)
        if where != shown.rstrip("/") and where != os.path.normpath(shown):
            shown = f"{shown} → {where}"
        subject = Subject("path", None, None, op, real, recursive)
        items = subject.items
        if op != "read":
            verb = "deletes" if op == "delete" else "writes"
            if not self.paths.inside(real):
                if self.paths.in_temp(real):
                    items.append(
                        self.item("write-temp", f"{verb} the temp directory ({shown}): {text}")
                    )
                else:
                    items.append(
                        self.item(
                            "write-outside", f"{verb} outside the workspace ({shown}): {text}"
                        )
                    )
            elif op == "delete":
                what = "deletes files under" if recursive else "deletes"
                items.append(self.item("delete-file", f"{what} {shown}: {text}"))
            elif edit or mode:
                what = "changes files under" if recursive else "changes"
                items.append(self.item("modify-file", f"{what} {shown}: {text}"))
            else:
                items.append(self.item("create-file", f"creates {shown}: {text}"))
        for rule in rules:
            items.append(_rule_item(rule, text, shown))
        self.settle(subject)

    def _unknown_path(self, op: str, word: Word, text: str) -> None:
        if op == "read":
            if _CREDENTIAL_HINT.search(word.text):
                check, what = "read-credentials", "may read credentials"
            else:
                check, what = "dynamic-read", "reads a path known only at run time"
        else:
            verb = "deletes" if op == "delete" else "writes"
            check, what = "dynamic-write", f"{verb} a path known only at run time"
        self.settle(Subject("path", [self.item(check, f"{what} ({word.raw}): {text}")], op=op))

    def _glob(self, word: Word, cwd: str | None) -> list[str] | None:
        path = self.paths.absolute(word.text, word.tilde, cwd)
        if path is None:
            return None
        matches: list[str] = []
        for match in globlib.iglob(path):
            matches.append(match)
            if len(matches) > MAX_GLOB_MATCHES:
                return None
        return matches

    def assignment(self, name: str, value: Word, statement: str) -> None:
        if not value.dynamic and ("$(" in value.text or "`" in value.text):
            # `x='a[$(rm -rf ~)]'; echo $((x))`: arithmetic and eval run code kept in variables
            self.structure(
                "dynamic-command",
                f"stores shell code in {name}, where arithmetic "
                f"or eval can run it: {_short(statement)}",
            )
        if name in _ENV_DANGER:
            self.structure(
                "env-danger", f"sets {name}, which changes what programs run: {_short(statement)}"
            )
        elif name in _ENV_PROGRAM:
            if value.dynamic or value.text.strip() not in _SAFE_PROGRAM_VALUES:
                self.structure(
                    "env-danger",
                    f"sets {name} to a program git or other tools will run: {_short(statement)}",
                )
        elif name == "PATH":
            raw = value.raw.strip("\"'")
            check = "env-path" if raw.startswith(("$PATH:", "${PATH}:")) else "env-danger"
            self.structure(
                check,
                f"changes PATH, so program names may mean other programs: {_short(statement)}",
            )
        elif name.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_", "LD_", "DYLD_")):
            self.structure(
                "env-danger", f"sets {name}, which changes what programs run: {_short(statement)}"
            )


_NO_SUBJECT = Subject("structure")
_new = tuple.__new__
_SEVERITY: dict[object, int] = {1: 1, 2: 2, 3: 3, "deny": 4}


def _strictness(item: Item) -> int:
    return -_SEVERITY[item.tier]


def _rule_item(rule: Rule, text: str, shown: str = "") -> Item:
    detail = f"{shown}, rule {rule.id}" if shown else f"rule {rule.id}"
    if rule.tier == "deny":
        reason = f"denied: {rule.justification} ({detail}): {text}"
    else:
        reason = f"{rule.justification} ({detail}): {text}"
    return Item(rule.layer, rule.tier, reason, rule.ref)


def _fetcher(commands: Sequence[SimpleCommand]) -> str | None:
    """The first command among `commands` that downloads something, if any."""
    for cmd in commands:
        for word in cmd.argv:
            if not word.dynamic and program_name(word) in NETWORK:
                return _short(cmd.text, 60)
    return None


def _short(text: str, limit: int = 160) -> str:
    if len(text) <= limit and "\n" not in text and "  " not in text and "\t" not in text:
        return text
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
