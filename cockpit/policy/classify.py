"""One pure function from an action to a `Decision`: parse, unwrap, ask the tool knowledge,
match the rules, settle (see `subjects`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from cockpit.policy.effects import PathEffects
from cockpit.policy.model import Decision, FileAction, RuleRef, ShellAction, Tier
from cockpit.policy.paths import PathContext
from cockpit.policy.programs.env_vars import assignment_risks
from cockpit.policy.programs.knowledge import (
    Invocation,
    invocation,
    is_path_qualified_untrusted,
    join_text,
    program_name,
)
from cockpit.policy.programs.registry import INFO_ARGS, NETWORK, RISKY_NAMES, WRAPPERS, handler_for
from cockpit.policy.remotes import configured_remotes
from cockpit.policy.rules.matching import RuleSet
from cockpit.policy.shell.analysis import Analysis, SimpleCommand, analyze
from cockpit.policy.shell.words import Word
from cockpit.policy.subjects import Evaluation, Subject, rule_item, short
from cockpit.safe_text import describe_hidden

if TYPE_CHECKING:
    from cockpit.policy.rules.grants import Grant

MAX_SCRIPT_DEPTH = 8
MAX_INVOCATION_DEPTH = 24
MAX_COMMAND_BYTES = 1_000_000
_new = tuple.__new__


class Classifier:
    """The checks, rules, paths and grants of one workspace. `evaluate` is pure apart from
    looking at the file system (symlinks, whether a file exists)."""

    def __init__(
        self, ruleset: RuleSet, paths: PathContext, grants: Callable[[], Sequence[Grant]] = tuple
    ) -> None:
        self.ruleset = ruleset
        self.paths = paths
        self.grants = grants
        self.checks: dict[str, tuple[Tier, RuleRef, bool]] = {
            cid: (check.tier, check.ref, check.network) for cid, check in ruleset.checks.items()
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


class _Run(PathEffects):
    """One classification: implements the `Ctx` the tool handlers report to."""

    def __init__(self, engine: Classifier) -> None:
        super().__init__(engine.checks, engine.grants, engine.ruleset, engine.paths)
        self.engine = engine
        self.home = engine.paths.home_display
        self.script_depth = 0
        self.script_context = ""
        self.invocation_depth = 0

    def shell(self, command: str, cwd: str) -> None:
        if len(command) > MAX_COMMAND_BYTES:
            self.structure("parse-error", "the command is too long to analyse")
            return
        hidden = describe_hidden(command)
        if hidden is not None:
            self.structure(
                "hidden-characters",
                f"the command contains control or invisible characters ({hidden}): what "
                "the terminal shows is not what bash runs",
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
        hidden = describe_hidden(raw, layout=False)
        if hidden is not None:
            self.structure(
                "hidden-characters",
                f"the path contains control or invisible characters ({hidden})",
            )
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
                    f"defined): {short(cmd.text)}",
                )
                continue
            if argv:
                text = cmd.text
                if len(text) > 160 or "\n" in text or "  " in text or "\t" in text:
                    text = short(text)
                argv0 = argv[0]
                name = argv0.text
                if argv0.dynamic or argv0.glob or "/" in name or name[-1:].isdigit():
                    name = program_name(argv0)
                self.invoke(_new(Invocation, (argv, name, text, cmd, cmd.cwd, (), argv[1:])))

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
                    subject.items.append(rule_item(rule, inv.text))
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
        handler = handler_for(name)
        if handler is None:
            self.flag("unknown-command", f"unknown program {name}")
            risky = next(
                (w.text for w in inv.args if not w.dynamic and w.text in RISKY_NAMES), None
            )
            if risky is not None:
                self.flag("unknown-wrapper", f"unknown program {name} may run {risky}")
        elif (
            inv.args
            and inv.args[-1].text in INFO_ARGS
            and name not in WRAPPERS
            and all(w.text in INFO_ARGS for w in inv.args)
        ):
            self.flag("read-only", f"prints {name}'s version or help")
        else:
            handler(inv, self)
        if "/" in argv0.text and is_path_qualified_untrusted(argv0):
            self.flag("run-code", f"runs {argv0.raw}, not the system's {name}")

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

    def git_remotes(self) -> frozenset[str] | None:
        inv = self.inv
        directory = inv.cwd if inv is not None else None
        if inv is None or directory is None:
            return None
        words = inv.args
        i = 0
        while i < len(words) and words[i].text.startswith("-"):
            word = words[i]
            if word.dynamic or word.text.startswith(_OTHER_REPOSITORY):
                return None
            if word.text == "-C":
                target = words[i + 1] if i + 1 < len(words) else None
                found = None if target is None or target.dynamic else target
                if found is None:
                    return None
                directory = self.paths.absolute(found.text, found.tilde, directory)
                if directory is None:
                    return None
            i += 2 if word.text in ("-C", "-c") else 1
        return configured_remotes(directory, self.paths.root)

    def assignment(self, name: str, value: Word, statement: str) -> None:
        for check, what in assignment_risks(name, value):
            self.structure(check, f"{what}: {short(statement)}")


_OTHER_REPOSITORY = ("--git-dir", "--work-tree", "--namespace", "--super-prefix")


def _fetcher(commands: Sequence[SimpleCommand]) -> str | None:
    """The first command among `commands` that downloads something, if any."""
    for cmd in commands:
        for word in cmd.argv:
            if not word.dynamic and program_name(word) in NETWORK:
                return short(cmd.text, 60)
    return None
