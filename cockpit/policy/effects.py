"""What a command does to paths: reads, writes and deletes, resolved against the cwd and the
workspace with symlinks followed, then classified by the built-in checks and the path rules."""

from __future__ import annotations

import glob as globlib
import os
import re
import stat
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from cockpit.policy.model import RuleRef, Tier
from cockpit.policy.paths import PathContext, harmless_target
from cockpit.policy.rules.matching import RuleSet
from cockpit.policy.shell.analysis import Redirect
from cockpit.policy.shell.words import Word
from cockpit.policy.subjects import Collector, Subject, rule_item, short
from cockpit.safeguard.secret_paths import CREDENTIAL_HINT

if TYPE_CHECKING:
    from cockpit.policy.rules.grants import Grant

MAX_GLOB_MATCHES = 200
_KEY_FOLDER_HINT = re.compile(r"XDG_CONFIG_HOME\}?/cockpit(?:/|$)")
"""A run-time path into cockpit's log key folder (`$XDG_CONFIG_HOME/cockpit/log.key`)."""
_ENVIRON = re.compile(r"^/proc/[^/]+/(?:task/[^/]+/)?environ$")
"""A process's environment block: cockpit's own holds its API key."""
_ENVIRON_HINT = re.compile(r"/proc/.*environ")
"""A run-time path that may be one (`/proc/$PPID/environ`)."""


class PathEffects(Collector):
    """The path half of the `Ctx` the tool handlers report to."""

    def __init__(
        self,
        checks: dict[str, tuple[Tier, RuleRef, bool]],
        grants: Callable[[], Sequence[Grant]],
        ruleset: RuleSet,
        paths: PathContext,
    ) -> None:
        super().__init__(checks, grants)
        self.ruleset = ruleset
        self.paths = paths
        self.reals: dict[str, tuple[str | None, int]] = {}

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
        text = short(redirect.text)
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
        rules = self.ruleset.path_rules(op, real, recursive)
        keys = self.paths.holds_keys(real, recursive)
        environ = op == "read" and _reads_environ(real, recursive)
        if op == "read" and not rules and not keys and not environ:
            return  # reading an ordinary file: nothing to say
        shown = word.raw
        where = self.paths.display(real)
        if os.path.isabs(shown) and os.path.normpath(shown) == real:
            shown = where  # a file tool's absolute path: the short name says it all
        elif where != shown and where != shown.rstrip("/") and where != os.path.normpath(shown):
            shown = f"{shown} → {where}"
        subject = Subject("path", None, None, op, real, recursive)
        items = subject.items
        if keys:
            items.append(
                self.item("read-credentials", f"reaches cockpit's log key ({shown}): {text}")
            )
        if environ:
            items.append(
                self.item("read-environ", f"reads a process's environment ({shown}): {text}")
            )
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
            if self.paths.holds_plan(real, recursive):
                items.append(self.item("plan-write", self._plan_reason(verb, real, shown, text)))
        for rule in rules:
            items.append(rule_item(rule, text, shown))
        self.settle(subject)

    def symlink(self, link: Word, target: Word) -> None:
        """A link made now is not on disk when the command is classified, so later words
        cannot be followed through it: a link that leads outside the workspace, or onto a
        path a tier-3 rule guards, is itself the risk."""
        inv = self.inv
        cwd = inv.cwd if inv else None
        text = inv.text if inv else link.raw
        where = self._link_target(link, target, cwd)
        if where is None:
            self.flag(
                "symlink-escape",
                f"makes {link.raw} a link to a path known only at run time ({target.raw})",
            )
            return
        real = self.resolve(where)[0] or where
        shown = self.paths.display(real)
        if not self.paths.inside(real):
            reason = (
                f"makes {link.raw} a link to {shown}, outside the workspace: reads and "
                f"writes through it land there: {text}"
            )
        else:
            rules = self.ruleset.path_rules("write", real, True)
            guarded = [r.id for r in rules if r.tier >= Tier.ASK]
            if self.paths.holds_plan(real, True):
                guarded.append("the human's plan")
            if not guarded:
                return
            why = guarded[0]
            reason = (
                f"makes {link.raw} a link to {shown} ({why}): writes through it change what "
                f"that protects: {text}"
            )
        self.settle(Subject("path", [self.item("symlink-escape", reason)], op="write", real=real))

    def _link_target(self, link: Word, target: Word, cwd: str | None) -> str | None:
        """Where `target` points from the link's folder, lexically; None when unknown."""
        if target.dynamic or link.dynamic:
            return None
        if target.tilde or target.text.startswith("/"):
            path = self.paths.absolute(target.text, target.tilde, cwd)
            return os.path.normpath(path) if path is not None else None
        link_path = self.paths.absolute(link.text, link.tilde, cwd)
        if link_path is None:
            return None
        return os.path.normpath(os.path.join(os.path.dirname(link_path), target.text))

    def rewrites_tree(self, what: str) -> None:
        plan = self.paths.plan
        if plan and self.paths.inside(plan) and self.resolve(plan)[1]:
            inv = self.inv
            text = inv.text if inv else what
            reason = (
                f"{what} may rewrite {self.paths.display(plan)}, the human's plan: agents "
                f"change it only through update_task: {text}"
            )
            self.settle(Subject("path", [self.item("plan-write", reason)], op="write", real=plan))

    def _plan_reason(self, verb: str, real: str, shown: str, text: str) -> str:
        plan = self.paths.display(self.paths.plan)
        if real == self.paths.plan:
            where = shown
        elif self.paths.plan.startswith(real.rstrip("/") + "/"):
            where = f"{plan} (under {shown})"
        else:
            where = f"{plan} (hard-linked as {shown})"
        return (
            f"{verb} {where}, the human's plan: agents change it only through update_task: {text}"
        )

    def _unknown_path(self, op: str, word: Word, text: str) -> None:
        if op == "read":
            if _ENVIRON_HINT.search(word.text):
                check, what = "read-environ", "may read a process's environment"
            elif CREDENTIAL_HINT.search(word.text) or _KEY_FOLDER_HINT.search(word.text):
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


def _reads_environ(real: str, recursive: bool) -> bool:
    """Whether reading `real` reads a process's environment: the file itself, or a walk
    through `/proc` or one process's folder."""
    if _ENVIRON.match(real):
        return True
    return recursive and (
        real in ("/", "/proc") or re.fullmatch(r"/proc/[^/]+(?:/task.*)?", real) is not None
    )
