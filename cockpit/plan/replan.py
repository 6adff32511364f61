"""The lead's edits to plan.md when it re-plans blocked work: add a task, give a task to
another agent. Like `update_task`, each edit adds or replaces whole lines and leaves every
other byte (line endings included) as it is; these functions give the new text, and the
session writes it (so it knows whose change the watcher will see)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from cockpit.errors import ConfigError
from cockpit.plan.document import Plan
from cockpit.plan.model import slug
from cockpit.plan.parse import line_content

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_OWNERS = re.compile(r"(?:[ \t]+@[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)+[ \t]*$")


class ReplanError(ConfigError):
    """The edit cannot be made (what is wrong with it, in one line)."""


def add_task(
    plan: Plan,
    *,
    title: str,
    owner: str,
    key: str | None = None,
    after: Sequence[str] = (),
    verify: str | None = None,
    before: str | None = None,
    phase: str | None = None,
) -> tuple[str, str]:
    """Add ``- [ ] #key title @owner`` (with its ``after:`` and ``verify:`` lines): just
    before the task ``before`` (so, in a phase run in order, that task waits for it), or at
    the end of ``phase``, or at the end of the plan. The new text and the new id.

    Raises:
        ReplanError: a bad title, id or place; a taken id.
    """
    title = " ".join(title.split())
    if not title:
        raise ReplanError("a new task needs a title")
    key = key.removeprefix("#") if key else _free_key(plan, slug(title)[:40] or "task")
    if not _KEY.match(key):
        raise ReplanError(f"#{key} is no task id: letters, digits, - and _")
    if plan.task(key) is not None:
        raise ReplanError(f"#{key} is already a task's id")
    refs = [ref.strip().removeprefix("#") for ref in after if ref.strip()]
    for ref in refs:
        if plan.task(ref) is None:
            raise ReplanError(f"after: #{ref} is no task in the plan")
    at, indent = _place(plan, before, phase)
    ending = _ending(plan)
    block = [f"{indent}- [ ] #{key} {title} @{owner}{ending}"]
    if refs:
        block.append(f"{indent}      after: {', '.join('#' + r for r in refs)}{ending}")
    if verify and verify.strip():
        block.append(f"{indent}      verify: {' '.join(verify.split())}{ending}")
    lines = list(plan.lines)
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += ending  # the file ended without a newline
    lines[at:at] = block
    return "".join(lines), key


def reassign(plan: Plan, task_ref: str, owner: str) -> str:
    """The text with the task ``task_ref`` given to ``owner``: its checkbox line's trailing
    ``@owner`` replaced (or added).

    Raises:
        ReplanError: no such task.
    """
    task = plan.task(task_ref.removeprefix("#")) or plan.find_task(task_ref)
    if task is None:
        raise ReplanError(f"no task {task_ref!r} in plan.md")
    lines = list(plan.lines)
    raw = lines[task.line - 1]
    text = line_content(raw)
    lines[task.line - 1] = f"{_OWNERS.sub('', text)} @{owner}{raw[len(text) :]}"
    return "".join(lines)


def _free_key(plan: Plan, base: str) -> str:
    key, n = base, 2
    while plan.task(key) is not None:
        key, n = f"{base}-{n}", n + 1
    return key


def _place(plan: Plan, before: str | None, phase: str | None) -> tuple[int, str]:
    """The index in ``plan.lines`` the new block goes at, and its indent."""
    if before:
        task = plan.task(before.removeprefix("#")) or plan.find_task(before)
        if task is None:
            raise ReplanError(f"before: no task {before!r} in plan.md")
        text = line_content(plan.lines[task.line - 1])
        return task.line - 1, text[: len(text) - len(text.lstrip())]
    if phase:
        found = [p for p in plan.phases if p.title == phase or slug(p.title) == slug(phase)]
        if not found:
            raise ReplanError(f"no phase {phase!r} in plan.md")
        start = found[0].line
        later = [p.line for p in plan.phases if p.line > start]
        end = (later[0] - 1) if later else len(plan.lines)  # 0-based: the next heading
        # At the end of the phase's section, before the blank lines that end it: after
        # its last task and whatever is written under that task.
        while end > start and not line_content(plan.lines[end - 1]).strip():
            end -= 1
        return end, ""
    return len(plan.lines), ""


def _ending(plan: Plan) -> str:
    for line in plan.lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith("\n"):
            return "\n"
    return "\n"
