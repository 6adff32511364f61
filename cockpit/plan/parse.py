"""Scan plan.md line by line into phases, tasks and problems; every byte stays in the lines.

The grammar (a CommonMark subset; see ``cockpit/plan/__init__.py`` for the whole story):

* A line ends at ``\\n`` only; a ``\\r`` before it is part of the ending (CRLF stays CRLF).
* Headings (ATX ``#`` to ``######``, or setext ``===``/``---`` under a top-level paragraph)
  start a phase named by the heading text.
* A task is a list item whose text starts with a checkbox: ``-``, ``*``, ``+``, ``1.`` or
  ``1)``, whitespace, ``[ ]``, ``[x]`` or ``[X]``, then whitespace and the title. Trailing
  ``@name`` words are the owner. A task nested under a task is a task too and inherits the
  owner when it names none.
* Lines indented under a task (deeper than its bullet) reading ``verify: COMMAND`` or
  ``status: STATE [SEP NOTE]`` belong to it (keys in any case).
* Nothing inside fenced code blocks (any indent), indented code blocks outside lists, HTML
  comments starting a line, or YAML front matter is a task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cockpit.plan.model import STATES, Phase, PlanProblem, Task, TaskState, printable, slug

TASK_LINE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<bullet>[-*+]|\d{1,9}[.)])[ \t]+"
    r"\[(?P<mark>[^\]\n])\](?P<rest>[ \t].*)?$"
)
_BOX_MARKS = " xX"
_ODD_MARKS = "-~/>!?"
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_ATX_CLOSE = re.compile(r"(?:^|[ \t]+)#+$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
_BEFORE_CODE = ("start", "blank", "heading", "code", "break")
_ATTR = re.compile(r"^[ \t]*(verify|status|after|gate|iterations|shifts):(.*)$", re.IGNORECASE)
# An id starts with a letter: `#12 Fix the crash` is an issue number in a title, as task
# lists on GitHub write them, not an id (spec-kit's ids are `T012`).
_KEY = re.compile(r"^#([A-Za-z][A-Za-z0-9_-]*)(?=[ \t]|$)")
_PARALLEL = re.compile(r"^\[[Pp]\](?=[ \t]|$)")
_PHASE_PARALLEL = re.compile(r"[ \t]*(?:\[[Pp]\]|\((?i:parallel)\))$")
_REF = re.compile(r"^#?([A-Za-z0-9][\w/.-]*)$")
_OWNER = re.compile(r"(?:^|[ \t])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)[ \t]*$")
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)")
_CHOICES = ", ".join(STATES)
_STATUS = re.compile(r"^(?P<state>[A-Za-z]+)[ \t]*(?:(?:—|–|--|-|:)[ \t]*)?(?P<note>.*?)[ \t]*$")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` with their endings; joining them gives ``text`` back."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def line_content(line: str) -> str:
    """A line without its ending: ``\\n``, ``\\r\\n``, or a ``\\r`` that ends the file."""
    return line.removesuffix("\n").removesuffix("\r")


def indent_width(text: str) -> int:
    """Columns of leading whitespace, tabs stopping every 4 columns as in CommonMark."""
    col = 0
    for ch in text:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            break
    return col


def parse_status(value: str) -> tuple[str, str] | None:
    """``"doing — wiring the route"`` -> ``("doing", "wiring the route")``; None if unreadable."""
    match = _STATUS.match(value.strip())
    if match is None:
        return None
    return match["state"].lower(), match["note"]


def split_owner(rest: str) -> tuple[str, list[str]]:
    """A task's text -> (title, trailing owners in order)."""
    owners: list[str] = []
    while (match := _OWNER.search(rest)) is not None:
        owners.insert(0, match[1])
        rest = rest[: match.start()]
    return rest.strip(), owners


@dataclass
class _Draft:
    line: int
    indent: int
    done: bool
    title: str
    owner: str | None
    phase: str
    parent: _Draft | None
    verify: list[str] = field(default_factory=list)
    statuses: list[tuple[int, str]] = field(default_factory=list)
    block: list[int] = field(default_factory=list)
    key: str | None = None
    parallel: bool = False
    after: list[str] = field(default_factory=list)
    after_line: int | None = None
    budget: dict[str, int] = field(default_factory=dict)


@dataclass
class _PhaseDraft:
    title: str
    level: int
    line: int
    parallel: bool
    gate: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Item:
    indent: int
    task: _Draft | None


@dataclass
class Scan:
    """What one pass over the lines found."""

    phases: list[Phase] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    problems: list[PlanProblem] = field(default_factory=list)
    owner_sites: list[tuple[int, str]] = field(default_factory=list)
    mentions: list[tuple[int, str]] = field(default_factory=list)


class _Scanner:
    def __init__(self, lines: list[str]) -> None:
        self.texts = [printable(line_content(line)) for line in lines]
        if self.texts:
            self.texts[0] = self.texts[0].removeprefix("\ufeff")
        self.scan = Scan()
        self.drafts: list[_Draft] = []
        self.phase_drafts: list[_PhaseDraft] = []
        self.phase = ""
        self.stack: list[_Item] = []
        self.paragraph: list[tuple[int, str]] = []
        self.prev = "start"

    def problem(self, line: int, message: str) -> None:
        self.scan.problems.append(PlanProblem(line, message))

    def run(self) -> Scan:
        n = self._front_matter()
        fence: tuple[str, int, int] | None = None
        comment: int | None = None
        code = False
        for index in range(n, len(self.texts)):
            text, number = self.texts[index], index + 1
            if fence is not None:
                close = _FENCE.match(text)
                if _closes(close, fence[0], fence[1]):
                    fence, self.prev = None, "code"
                continue
            if comment is not None:
                if "-->" in text:
                    comment, self.prev = None, "code"
                continue
            if not text.strip():
                self.paragraph, self.prev = [], "blank"
                continue
            width = indent_width(text)
            if code and width >= 4:
                continue
            code = False
            if not self.stack and width >= 4 and self.prev in _BEFORE_CODE:
                code, self.prev = True, "code"
                continue
            opener = _FENCE.match(text)
            if opener and not (opener[1][0] == "`" and "`" in opener[2]):
                self._close_items(width)
                fence = (opener[1][0], len(opener[1]), number)
                self.paragraph, self.prev = [], "code"
                continue
            if text.lstrip().startswith("<!--"):
                self._close_items(width)
                if "-->" not in text.lstrip()[4:]:
                    comment = number
                self.paragraph, self.prev = [], "code"
                continue
            self._line(text, number, width)
        if fence is not None:
            self.problem(fence[2], "this code block is never closed: the rest of the file is code")
        if comment is not None:
            self.problem(
                comment, "this HTML comment is never closed: the rest of the file is hidden"
            )
        self._finish()
        return self.scan

    def _front_matter(self) -> int:
        if not self.texts or self.texts[0].rstrip() != "---":
            return 0
        for index in range(1, len(self.texts)):
            if self.texts[index].rstrip() in ("---", "..."):
                return index + 1
            if TASK_LINE.match(self.texts[index]):
                return 0  # two thematic breaks around tasks, not YAML: never hide tasks
        return 0

    def _close_items(self, width: int) -> None:
        while self.stack and self.stack[-1].indent >= width:
            self.stack.pop()

    def _open_task(self) -> _Draft | None:
        for item in reversed(self.stack):
            if item.task is not None:
                return item.task
        return None

    def _line(self, text: str, number: int, width: int) -> None:
        heading = _ATX.match(text)
        if heading:
            title = _ATX_CLOSE.sub("", (heading[2] or "").strip()).strip()
            self._phase(title, len(heading[1]), number)
            return
        setext = _SETEXT.match(text)
        if setext and self.prev == "prose" and self.paragraph:
            title = " ".join(part.strip() for _, part in self.paragraph)
            self._phase(title, 1 if setext[1][0] == "=" else 2, self.paragraph[0][0])
            return
        if _BREAK.match(text):
            self.stack, self.paragraph, self.prev = [], [], "break"
            return
        task = TASK_LINE.match(text)
        if task and task["mark"] in _BOX_MARKS:
            self._task(task, number, width)
            return
        if task and task["mark"] in _ODD_MARKS:
            self.problem(number, f"[{task['mark']}] is no checkbox state; write [ ] or [x]")
        if _LIST_ITEM.match(text):
            self._close_items(width)
            self.stack.append(_Item(width, None))
            self.paragraph, self.prev = [], "list"
            return
        self._close_items(width)
        attr = _ATTR.match(text)
        if attr:
            self._attribute(attr[1].lower(), attr[2], number, width)
            return
        if not self.stack:
            self.paragraph = (
                [*self.paragraph, (number, text)] if self.prev == "prose" else [(number, text)]
            )
        self.prev = "prose"

    def _phase(self, title: str, level: int, number: int) -> None:
        marker = _PHASE_PARALLEL.search(title)
        parallel = marker is not None and bool(title[: marker.start()].strip())
        if parallel and marker is not None:
            title = title[: marker.start()].strip()
        self.phase = title
        self.phase_drafts.append(_PhaseDraft(title, level, number, parallel))
        self.stack, self.paragraph, self.prev = [], [], "heading"

    def _task(self, match: re.Match[str], number: int, width: int) -> None:
        self._close_items(width)
        title, owners = split_owner(match["rest"] or "")
        key, parallel, title = _marks(title)
        if len(owners) > 1:
            names = ", ".join(f"@{name}" for name in owners)
            self.problem(
                number, f"one agent owns a task, not several ({names}); @{owners[-1]} counts"
            )
        if not title:
            self.problem(number, "this task has no title")
        owner = owners[-1] if owners else None
        if owner is not None:
            self.scan.owner_sites.append((number, owner))
        self.scan.mentions.extend((number, name) for name in _MENTION.findall(title))
        draft = _Draft(
            line=number,
            indent=width,
            done=match["mark"] != " ",
            title=title,
            owner=owner,
            phase=self.phase,
            parent=self._open_task(),
            block=[number],
            key=key,
            parallel=parallel,
        )
        self.drafts.append(draft)
        self.stack.append(_Item(width, draft))
        self.paragraph, self.prev = [], "task"

    def _attribute(self, key: str, value: str, number: int, width: int) -> None:
        owner = self._open_task()
        if key == "gate":
            self._gate(value, number, width, owner is not None)
            return
        if owner is None:
            if width > 0 or self.prev in ("task", "attr"):
                self.problem(
                    number, f"this {key}: line belongs to no task; indent it under its task"
                )
            self.prev = "prose"
            return
        owner.block.append(number)
        self.prev = "attr"
        if key == "verify":
            command = _unquote(value.strip())
            if command:
                owner.verify.append(command)
            else:
                self.problem(number, "this verify: line has no command")
        elif key == "after":
            self._after(owner, value, number)
        elif key in ("iterations", "shifts"):
            self._budget(owner, key, value, number)
        else:
            owner.statuses.append((number, value))

    def _gate(self, value: str, number: int, width: int, under_task: bool) -> None:
        """``gate: COMMAND`` at the start of a line belongs to the phase it is in."""
        command = _unquote(value.strip())
        self.prev = "prose"
        if under_task or width > 0:
            self.problem(
                number,
                "a gate: line belongs to a phase, not a task: start it at the beginning "
                "of a line under the phase's heading",
            )
            return
        if not self.phase_drafts:
            self.problem(number, "this gate: line comes before any phase heading")
            return
        if not command:
            self.problem(number, "this gate: line has no command")
            return
        self.phase_drafts[-1].gate.append((number, command))

    def _after(self, owner: _Draft, value: str, number: int) -> None:
        # `after: #schema (it needs the tables)`: a note in parentheses is the human's.
        value = re.sub(r"\([^)]*\)", " ", value)
        refs = [part for part in re.split(r"[,\s]+", value.strip()) if part]
        if not refs:
            self.problem(number, "this after: line names no task; write after: #id, #id")
            return
        if owner.after_line is None:
            owner.after_line = number
        for ref in refs:
            found = _REF.match(ref)
            if found is None:
                self.problem(number, f"{ref!r} is no task id; write after: #id, #id")
                continue
            owner.after.append(found[1])

    def _budget(self, owner: _Draft, key: str, value: str, number: int) -> None:
        text = value.strip()
        least = 1 if key == "iterations" else 0
        if not text.isdigit() or int(text) < least or int(text) > 1000:
            self.problem(number, f"{key}: takes a whole number from {least} to 1000, not {text!r}")
            return
        owner.budget[key] = int(text)

    def _finish(self) -> None:
        self.scan.phases = [
            Phase(
                d.title,
                d.level,
                d.line,
                parallel=d.parallel,
                gate=tuple(command for _, command in d.gate),
                gate_lines=tuple(line for line, _ in d.gate),
            )
            for d in self.phase_drafts
        ]
        ids: dict[str, int] = {}
        keys = {d.key: d.line for d in reversed(self.drafts) if d.key is not None}
        made: dict[int, Task] = {}
        for draft in self.drafts:
            parent = made.get(id(draft.parent)) if draft.parent is not None else None
            owner = draft.owner or (parent.owner if parent is not None else None)
            status, note, status_line = self._status(draft)
            base = slug(draft.title) or "task"
            if draft.phase and slug(draft.phase):
                base = f"{slug(draft.phase)}/{base}"
            key = draft.key
            if key is not None and keys[key] != draft.line:
                self.problem(
                    draft.line, f"#{key} is already the id of the task on line {keys[key]}"
                )
                key = None
            if key is not None and key in ids:
                self.problem(draft.line, f"#{key} is also a task's own id (line {ids[key]})")
                key = None
            if key is None and base in keys:
                base = f"{base}-{draft.line}"
            task_id = key or base
            if key is None and base in ids:
                count = 2
                while f"{base}-{count}" in ids:
                    count += 1
                task_id = f"{base}-{count}"
                self.problem(
                    draft.line,
                    f'task "{draft.title}" appears twice in this phase '
                    f"(first on line {ids[base]}); this one's id is {task_id}",
                )
            ids[task_id] = draft.line
            task = Task(
                id=task_id,
                title=draft.title,
                owner=owner,
                done=draft.done,
                status=status,
                note=note,
                verify=tuple(draft.verify),
                phase=draft.phase,
                line=draft.line,
                parent=parent.id if parent is not None else None,
                block=tuple(draft.block),
                status_line=status_line,
                key=key,
                after=tuple(dict.fromkeys(draft.after)),
                after_line=draft.after_line,
                parallel=draft.parallel,
                iterations=draft.budget.get("iterations"),
                shifts=draft.budget.get("shifts"),
            )
            made[id(draft)] = task
            self.scan.tasks.append(task)
        self.scan.problems.sort(key=lambda problem: problem.line)

    def _status(self, draft: _Draft) -> tuple[TaskState, str, int | None]:
        derived = TaskState.DONE if draft.done else TaskState.TODO
        if not draft.statuses:
            return derived, "", None
        for extra, _ in draft.statuses[1:]:
            self.problem(extra, "this task already has a status: line; the first one counts")
        number, value = draft.statuses[0]
        parsed = parse_status(value)
        if parsed is None:
            self.problem(
                number, f"cannot read this status: line; write status: STATE — note ({_CHOICES})"
            )
            return derived, "", number
        state, note = parsed
        if state not in STATES:
            self.problem(number, f"unknown status {state!r}; use {_CHOICES}")
            return derived, note, number
        if draft.done:
            return TaskState.DONE, note, number
        return (TaskState.TODO if state == TaskState.DONE else TaskState(state)), note, number


def _marks(title: str) -> tuple[str | None, bool, str]:
    """``[P] #login Build it`` -> ("login", True, "Build it"): the marks before a title."""
    key: str | None = None
    parallel = False
    while True:
        found = _PARALLEL.match(title)
        if found is not None and not parallel:
            parallel, title = True, title[found.end() :].lstrip()
            continue
        found = _KEY.match(title)
        if found is not None and key is None:
            key, title = found[1], title[found.end() :].lstrip()
            continue
        return key, parallel, title


def _closes(match: re.Match[str] | None, char: str, length: int) -> bool:
    return bool(match and match[1][0] == char and len(match[1]) >= length and not match[2].strip())


def _unquote(command: str) -> str:
    if len(command) >= 2 and command[0] == command[-1] == "`" and "`" not in command[1:-1]:
        return command[1:-1].strip()
    return command


def scan(lines: list[str]) -> Scan:
    """Find the phases, tasks and syntax problems in ``lines`` (as from `split_lines`)."""
    return _Scanner(lines).run()
