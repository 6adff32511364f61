"""`BLOCKER_REPORT.md`: what an exhausted task tried, how it failed, and what the human can do.

Written in the agent's worktree when the escape hatch's last strategy is exhausted: the
strategies attempted (each with the summary of the diff its rollback threw away), the last
error logs, the agent's own hypothesis of the root cause, and a concrete intervention.

Everything an agent or a command wrote is untrusted: control characters are shown, not
obeyed (`safe_text`), each piece goes in a fence longer than any run of backticks it
holds (the output cannot close it and write its own headings), and the error logs are
bounded. The file is written atomically, and a link planted where it goes is replaced,
never followed: the report lands in the worktree, nowhere else.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from cockpit.errors import CockpitError
from cockpit.safe_text import visible, visible_lines
from cockpit.supervisor.escape import StrategyRecord

REPORT_NAME = "BLOCKER_REPORT.md"
ERRORS_BUDGET = 6000
"""Characters of error logs the report holds in all (the newest first to be kept)."""
ERROR_TAIL = 2000
"""Characters of one error log (its end)."""
TEXT_LIMIT = 4000
"""Characters of the hypothesis and of each diff summary."""
NO_HYPOTHESIS = "the agent gave none"


class ReportError(CockpitError):
    """The blocker report could not be written."""


@dataclass(frozen=True)
class BlockerReport:
    task: str
    title: str
    agent: str
    verify: tuple[str, ...]
    strategies: tuple[StrategyRecord, ...]
    last_errors: tuple[str, ...]
    hypothesis: str
    intervention: str

    def render(self) -> str:
        """The report as markdown."""
        out = [
            f"# Blocked: {visible(self.title) or visible(self.task)}",
            "",
            f"- Task: `#{visible(self.task)}`",
            f"- Agent: {visible(self.agent)}",
        ]
        out += [f"- Verify: {_code(command)}" for command in self.verify] or ["- Verify: none"]
        out += ["", "## Strategies attempted", ""]
        if not self.strategies:
            out.append("None recorded.")
        for record in self.strategies:
            out.append(
                f"{record.number}. Ended after {record.failures} failed verifies: "
                f"{visible(record.reason)}"
                + (
                    f" (rolled back to `{visible(record.rolled_back_to)}`)"
                    if record.rolled_back_to
                    else ""
                )
            )
            if record.abandoned.strip():
                out += ["", "   Changes thrown away:", "", _fenced(record.abandoned, indent="   ")]
            else:
                out += ["", "   No changes were thrown away."]
            out.append("")
        out += ["## Last errors", ""]
        errors = _bounded(self.last_errors)
        out += [_fenced(error) + "\n" for error in errors] or ["None recorded.", ""]
        out += ["## Hypothesis of the root cause", ""]
        hypothesis = self.hypothesis.strip()
        if hypothesis:
            out += ["In the agent's own words:", "", _fenced(_cut(hypothesis, TEXT_LIMIT)), ""]
        else:
            out += [f"{NO_HYPOTHESIS.capitalize()}.", ""]
        out += ["## Recommended manual intervention", "", self.intervention.strip(), ""]
        return "\n".join(out)


def recommend(
    *,
    task: str,
    agent: str,
    verify: Sequence[str],
    worktree: Path,
    session: str | None = None,
    own_worktree: bool = True,
) -> str:
    """A concrete intervention from the facts: reproduce the failing verify where the agent
    worked, then hand the task back (message the agent, reopen the task, or discard)."""
    where = visible(str(worktree))
    steps = []
    if verify:
        commands = "\n".join(f"cd {where} && {command}" for command in verify)
        steps.append(
            f"1. Reproduce the failure where {visible(agent)} worked:\n\n"
            f"{_fenced(commands, indent='   ', info='sh')}\n"
        )
    else:
        steps.append(
            f'1. The task has no `verify:` command: decide what "done" means for it and add '
            f"one under the task in plan.md (the work is in {where}).\n"
        )
    steps.append(
        "2. Read the strategies above: each was rolled back and must not be repeated. The "
        "tree as each left it is kept in a safety snapshot (`cockpit rollback --list`).\n"
    )
    hand_back = [
        f"   - tell {visible(agent)} what to do differently: select it and press `m` "
        "(it reads the message at its next turn);",
        f"   - or reopen the task: mark `#{visible(task)}` `- [ ]` in plan.md, split it or give "
        "it to another agent;",
    ]
    if own_worktree and session:
        hand_back.append(
            f"   - or give up its work: `cockpit worktrees discard {visible(session)}/"
            f"{visible(agent)}`."
        )
    else:
        hand_back.append(f"   - or fix it yourself in {where} and mark the task done.")
    steps.append("3. Hand the task back, one of:\n" + "\n".join(hand_back))
    return "\n".join(steps)


def write_report(folder: Path, report: BlockerReport) -> Path:
    """Write ``folder/BLOCKER_REPORT.md`` atomically (a temp file renamed over it). A link
    or anything else an agent put at that name is replaced, never written through; a
    folder there is refused. Raises `ReportError` with one line."""
    target = folder / REPORT_NAME
    if target.is_dir() and not target.is_symlink():
        raise ReportError(f"cannot write {target}: a folder is in the way")
    text = report.render()
    try:
        fd, temp = tempfile.mkstemp(prefix=".blocker-report-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, target)  # a rename replaces a link itself, not what it points to
    except OSError as exc:
        with suppress(OSError):
            os.unlink(temp)
        raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target


_BACKTICKS = re.compile(r"`+")


def _fence_for(text: str) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def _fenced(text: str, *, indent: str = "", info: str = "text") -> str:
    """``text`` shown safe in a fenced block no line of it can close."""
    body = visible_lines(text.rstrip("\n"), colours=True)
    fence = _fence_for(body)
    lines = [fence + info, *body.split("\n"), fence]
    return "\n".join(indent + line for line in lines)


def _code(text: str) -> str:
    """Inline code no backtick in ``text`` can close."""
    body = visible(text)
    ticks = "`" * (max((len(r) for r in _BACKTICKS.findall(body)), default=0) + 1)
    return f"{ticks} {body} {ticks}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else "…" + text[-limit:]


def _bounded(errors: Sequence[str]) -> list[str]:
    """The newest error logs, each a tail, that fit in `ERRORS_BUDGET`; oldest first."""
    kept: list[str] = []
    left = ERRORS_BUDGET
    for error in reversed(errors):
        # Cut again after the escapes are written out (a control character takes four):
        # the first cut only spares the work on a megabyte nobody will read.
        limit = min(ERROR_TAIL, left)
        tail = _cut(visible_lines(error.rstrip("\n")[-limit:], colours=True), limit)
        if left <= 0 or not tail.strip():
            break
        kept.append(tail)
        left -= len(tail)
    return list(reversed(kept))
