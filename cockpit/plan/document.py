"""`Plan`: a parsed plan.md that renders back to exactly the bytes it came from."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.errors import ConfigError
from cockpit.plan.model import Phase, PlanProblem, Task, printable
from cockpit.plan.parse import line_content, scan, split_lines, split_owner

_CHECKBOX_PREFIX = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[[ xX]\][ \t]+")


def decode(data: bytes) -> str:
    """UTF-8 with undecodable bytes kept as surrogate escapes, so `encode` gives them back."""
    return data.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    """The bytes of ``text``: the inverse of `decode` (lone surrogates pass through)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class Plan:
    """plan.md as lines (each with its own ending) plus what they mean.

    The lines are the document: `render` joins them, so an unchanged plan renders to the
    very bytes it was parsed from, and an edit (`update_task`) replaces whole lines only.
    """

    path: Path
    text: str
    phases: tuple[Phase, ...]
    tasks: tuple[Task, ...]
    digest: str
    lines: tuple[str, ...] = field(default=(), repr=False)
    syntax_problems: tuple[PlanProblem, ...] = field(default=(), repr=False)
    owner_sites: tuple[tuple[int, str], ...] = field(default=(), repr=False)
    mentions: tuple[tuple[int, str], ...] = field(default=(), repr=False)

    @classmethod
    def parse(cls, text: str | bytes, path: Path) -> Plan:
        """Parse plan.md. Never raises on content: what is malformed becomes a problem."""
        data = text if isinstance(text, bytes) else encode(text)
        decoded = decode(text) if isinstance(text, bytes) else text
        lines = split_lines(decoded)
        found = scan(lines)
        problems = list(found.problems)
        if isinstance(text, bytes):
            try:
                text.decode("utf-8")
            except UnicodeDecodeError as err:
                line = text.count(b"\n", 0, err.start) + 1
                problems.insert(0, PlanProblem(line, "this line is not valid UTF-8"))
        return cls(
            path=path,
            text=decoded,
            phases=tuple(found.phases),
            tasks=tuple(found.tasks),
            digest=hashlib.sha256(data).hexdigest(),
            lines=tuple(lines),
            syntax_problems=tuple(sorted(problems, key=lambda problem: problem.line)),
            owner_sites=tuple(found.owner_sites),
            mentions=tuple(found.mentions),
        )

    @classmethod
    def empty(cls, path: Path) -> Plan:
        """The plan of a file that does not exist."""
        return cls.parse(b"", path)

    @property
    def ordered(self) -> bool:
        """The plan says in what order its work runs (an ``#id``, ``after:``, ``[P]`` or a
        ``gate:``): cockpit schedules it (`cockpit.plan.order`). A plan without any of
        them is worked as before: every task at once."""
        return any(t.key or t.after or t.parallel for t in self.tasks) or any(
            p.gate or p.parallel for p in self.phases
        )

    def render(self) -> str:
        """The plan's text; byte-identical to the input for an unchanged plan."""
        return "".join(self.lines)

    def render_bytes(self) -> bytes:
        """`render` as the bytes to write to disk."""
        return encode(self.render())

    def problems(self, agent_names: Collection[str] | None = None) -> list[PlanProblem]:
        """Syntax problems plus, when ``agent_names`` is given, owners that are no agent."""
        found = list(self.syntax_problems)
        if agent_names is not None:
            known = ", ".join(sorted(agent_names)) or "none"
            for line, owner in self.owner_sites:
                if owner not in agent_names:
                    found.append(PlanProblem(line, f"@{owner} is no agent (agents: {known})"))
            for line, name in self.mentions:
                if name in agent_names:
                    message = f"@{name} inside the title is not the owner; put it at the end"
                    found.append(PlanProblem(line, message))
        return sorted(found, key=lambda problem: problem.line)

    def tasks_for(self, owner: str) -> list[Task]:
        """The tasks ``owner`` owns, its own or inherited from an enclosing task."""
        return [task for task in self.tasks if task.owner == owner]

    def task(self, task_id: str) -> Task | None:
        """The task with this id."""
        return next((task for task in self.tasks if task.id == task_id), None)

    def find_task(self, ref: str) -> Task | None:
        """A task by id, exact title, case-insensitive title, or unique title/id prefix."""
        found = self.matches(ref)
        return found[0] if len(found) == 1 else None

    def matches(self, ref: str) -> list[Task]:
        """Every task ``ref`` could mean, at the first rule that finds any (see `find_task`)."""
        for candidate in _ref_forms(ref):
            found = self._matches(candidate)
            if found:
                return found
        return []

    def _matches(self, ref: str) -> list[Task]:
        if not ref:
            return []
        folded = ref.casefold()
        rules: tuple[Callable[[Task], bool], ...] = (
            lambda task: task.id == ref,
            lambda task: task.title == ref,
            lambda task: task.title.casefold() == folded,
            lambda task: task.title.casefold().startswith(folded) or task.id.startswith(folded),
        )
        for rule in rules:
            found = [task for task in self.tasks if rule(task)]
            if found:
                return found
        return []

    def close_matches(self, ref: str, limit: int = 3) -> list[Task]:
        """Tasks whose title or id looks like ``ref``, best first, for "did you mean" lists."""
        keys = {task.title.casefold(): task for task in self.tasks}
        keys.update({task.id: task for task in self.tasks})
        best = difflib.get_close_matches(
            ref.strip().casefold(), list(keys), n=limit * 2, cutoff=0.5
        )
        seen: list[Task] = []
        for key in best:
            if keys[key] not in seen:
                seen.append(keys[key])
        return seen[:limit]

    def block_text(self, task: Task) -> str:
        """The task's own lines (checkbox, verify, status) without line endings, one per line."""
        return "\n".join(printable(line_content(self.lines[n - 1])) for n in task.block)


def _ref_forms(ref: str) -> list[str]:
    """``ref`` as given, then without a leading checkbox and trailing ``@owner`` words."""
    stripped = ref.strip()
    bare, _ = split_owner(_CHECKBOX_PREFIX.sub("", stripped))
    return [stripped] if bare == stripped else [stripped, bare]


def load_plan(path: Path) -> Plan:
    """Read and parse ``path``; a missing file is an empty plan.

    Raises:
        ConfigError: the file exists but cannot be read.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Plan.empty(path)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the plan: {err.strerror or err}") from err
    return Plan.parse(data, path)
