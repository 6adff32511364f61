"""What changed between two versions of plan.md, and which agents need to hear about it."""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass

from cockpit.plan.document import Plan
from cockpit.plan.model import Task, printable
from cockpit.plan.parse import line_content


@dataclass(frozen=True)
class PlanDiff:
    """Tasks are matched by id (phase + title): a retitled task is one removed, one added.

    ``shared_changed`` is true when any line outside the tasks' own lines (checkbox, verify,
    status) changed: headings, prose, notes, non-task bullets. Such text concerns everyone.
    """

    old_digest: str
    new_digest: str
    text: str
    added: tuple[Task, ...]
    removed: tuple[Task, ...]
    changed: tuple[tuple[Task, Task], ...]
    shared_changed: bool

    @property
    def empty(self) -> bool:
        """True when nothing an agent cares about changed (say, only spacing in a task line)."""
        return not (self.added or self.removed or self.changed or self.shared_changed)

    def _touched(self) -> list[Task]:
        return [*self.added, *self.removed, *(t for pair in self.changed for t in pair)]

    @property
    def owners(self) -> frozenset[str]:
        """Owners (before or after) of every added, removed or changed task."""
        return frozenset(task.owner for task in self._touched() if task.owner is not None)

    @property
    def unowned_changed(self) -> bool:
        """An unowned task was added, removed or changed: it is anyone's, so everyone hears."""
        return any(task.owner is None for task in self._touched())

    def affected(self, agent_names: Collection[str]) -> set[str]:
        """The agents to tell: owners whose tasks changed, or all when shared text changed."""
        names = set(agent_names)
        if self.shared_changed or self.unowned_changed:
            return names
        return {owner for owner in self.owners if owner in names}

    def taken_from(self, agent: str) -> list[Task]:
        """``agent``'s old tasks that were removed or now belong to someone else."""
        gone = [task for task in self.removed if task.owner == agent]
        moved = [old for old, new in self.changed if old.owner == agent and new.owner != agent]
        return gone + moved

    def given_to(self, agent: str) -> list[Task]:
        """Tasks that are new to ``agent``: added for it, or reassigned to it."""
        new = [task for task in self.added if task.owner == agent]
        moved = [new for old, new in self.changed if new.owner == agent and old.owner != agent]
        return new + moved

    def for_agent(self, agent: str) -> list[Task]:
        """``agent``'s tasks (as they are now) that were added or changed."""
        new = [task for task in self.added if task.owner == agent]
        return new + [now for _, now in self.changed if now.owner == agent]


def _shared_lines(plan: Plan) -> list[str]:
    owned = {number for task in plan.tasks for number in task.block}
    return [line_content(line) for number, line in enumerate(plan.lines, 1) if number not in owned]


def unified(old: Plan, new: Plan, context: int = 3) -> str:
    """A unified diff of the two plans' text, line endings left out."""
    name = new.path.name or "plan.md"
    before = [line_content(line) for line in old.lines]
    after = [line_content(line) for line in new.lines]
    lines = list(
        difflib.unified_diff(
            before, after, fromfile=f"a/{name}", tofile=f"b/{name}", lineterm="", n=context
        )
    )
    if not lines and old.digest != new.digest:
        return "(only line endings or the final newline changed)\n"
    return printable("".join(f"{line}\n" for line in lines))


def diff_plans(old: Plan, new: Plan) -> PlanDiff:
    """Compare two versions of the same plan."""
    before = {task.id: task for task in old.tasks}
    after = {task.id: task for task in new.tasks}
    return PlanDiff(
        old_digest=old.digest,
        new_digest=new.digest,
        text=unified(old, new),
        added=tuple(task for key, task in after.items() if key not in before),
        removed=tuple(task for key, task in before.items() if key not in after),
        changed=tuple(
            (before[key], task)
            for key, task in after.items()
            if key in before and before[key].content() != task.content()
        ),
        shared_changed=_shared_lines(old) != _shared_lines(new),
    )
