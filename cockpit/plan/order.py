"""The order a plan's work runs in: phases one after another, tasks in a phase one after
another unless marked ``[P]``, and ``after:`` dependencies.

`PlanOrder.of(plan)` reads an ordered plan (`Plan.ordered`) into what each task waits for.
Nothing here knows the session: what is done, which phases are open and whose gates passed
come from the log (the scheduler folds them) and are passed in.

The rules:

* Phases open in document order. The tasks before the first heading form a phase of their
  own, open from the start. A phase opens when every task of every earlier phase is done
  and every earlier phase's ``gate:`` passed.
* In a phase, a task waits for the task (or the ``[P]`` group) before it in line order.
  Consecutive ``[P]`` tasks are one group and run at once; a ``[P]`` phase is one group.
* ``after: #a, #b`` adds dependencies on tasks of the same or an earlier phase.
* What cannot be honoured is a problem with its line, and the task it concerns is held
  (never started early): a dependency on no task, on a task of a later phase, and every
  task of a cycle (their lines listed). The rest of the plan goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from cockpit.plan.document import Plan
from cockpit.plan.model import Phase, PlanProblem, Task

_CYCLE_SHOWN = 8
"""Tasks of a cycle a problem names before "… (N tasks in all)"."""


@dataclass(frozen=True)
class PhaseSpot:
    """A phase in order: its index (0 is the part before the first heading), the heading,
    and its tasks' ids in line order."""

    index: int
    title: str
    line: int
    gate: tuple[str, ...]
    tasks: tuple[str, ...]
    key: str = ""
    """What the log calls it: its heading, or for a heading used before in the plan
    (a ``### Tests`` under each feature) the heading and its line, so one phase's passed
    gate is never another's."""

    @property
    def name(self) -> str:
        return self.title or "(before the first heading)"


@dataclass(frozen=True)
class PlanOrder:
    """What each task of a plan waits for (see the module's docstring)."""

    phases: tuple[PhaseSpot, ...]
    deps: Mapping[str, tuple[str, ...]]
    """Task id -> the tasks it waits for (the one before it in its phase, and ``after:``)."""
    phase_of: Mapping[str, int]
    held: Mapping[str, str]
    """Task id -> why a problem in the plan holds it."""
    problems: tuple[PlanProblem, ...]
    tasks: Mapping[str, Task]

    @classmethod
    def of(cls, plan: Plan) -> PlanOrder:
        return _read(plan)

    def phase(self, task_id: str) -> PhaseSpot:
        return self.phases[self.phase_of[task_id]]

    def complete(self, index: int, done: Collection[str]) -> bool:
        """Every task of phase ``index`` is done."""
        return all(t in done for t in self.phases[index].tasks)

    def opened(self, done: Collection[str], gates_passed: Collection[str], at_least: int) -> int:
        """The last open phase: phases open one after another while every task of the one
        before is done and its gate (if any) passed. ``at_least``: phases that opened
        earlier stay open (a task added to an earlier phase holds nothing running)."""
        last = 0
        for spot in self.phases[:-1]:
            if not self.complete(spot.index, done):
                break
            if spot.gate and spot.key not in gates_passed:
                break
            last = spot.index + 1
        return max(last, min(at_least, len(self.phases) - 1))

    def waits(
        self,
        task_id: str,
        done: Collection[str],
        opened: int,
        state_of: Callable[[str], str],
    ) -> list[str]:
        """What ``task_id`` waits for, in words (empty: it may start)."""
        waits: list[str] = []
        held = self.held.get(task_id)
        if held is not None:
            waits.append(held)
        index = self.phase_of[task_id]
        if index > opened:
            waits.append(f"phase {self.phases[index].name!r} to open")
        for dep in self.deps.get(task_id, ()):
            if dep not in done:
                waits.append(f"#{dep} ({state_of(dep)})")
        return waits


def plan_problems(plan: Plan, agent_names: Collection[str] | None = None) -> list[PlanProblem]:
    """Everything wrong in the plan, with its line: `Plan.problems` and, in an ordered
    plan, what its order cannot honour."""
    found = plan.problems(agent_names)
    if plan.ordered:
        found += PlanOrder.of(plan).problems
    return sorted(found, key=lambda problem: problem.line)


def _spots(plan: Plan) -> tuple[list[PhaseSpot], dict[str, int]]:
    headings: list[Phase] = list(plan.phases)
    members: list[list[str]] = [[] for _ in range(len(headings) + 1)]
    phase_of: dict[str, int] = {}
    for task in plan.tasks:
        index = sum(1 for heading in headings if heading.line < task.line)
        members[index].append(task.id)
        phase_of[task.id] = index
    spots = [PhaseSpot(0, "", 0, (), tuple(members[0]), "")]
    seen: set[str] = {""}
    for n, h in enumerate(headings):
        key = h.title if h.title not in seen else f"{h.title} (line {h.line})"
        seen.add(h.title)
        spots.append(PhaseSpot(n + 1, h.title, h.line, h.gate, tuple(members[n + 1]), key))
    return spots, phase_of


def _read(plan: Plan) -> PlanOrder:
    spots, phase_of = _spots(plan)
    tasks = {t.id: t for t in plan.tasks}
    deps: dict[str, list[str]] = {t.id: [] for t in plan.tasks}
    held: dict[str, str] = {}
    problems: list[PlanProblem] = []
    for spot in spots:
        parallel = bool(spot.index) and plan.phases[spot.index - 1].parallel
        before: list[str] = []  # the group the next one waits for
        group: list[str] = []  # the [P] group being gathered
        for task_id in spot.tasks:
            task = tasks[task_id]
            if parallel or (task.parallel and group and tasks[group[-1]].parallel):
                group.append(task_id)
            else:
                before, group = group or before, [task_id]
            deps[task_id].extend(before)
    for task in plan.tasks:
        line = task.after_line or task.line
        for ref in task.after:
            dep = tasks.get(ref)
            if dep is None:
                problems.append(PlanProblem(line, f"after: #{ref} is no task in the plan"))
                held[task.id] = f"#{ref}, which is no task (fix line {line})"
            elif phase_of[ref] > phase_of[task.id]:
                problems.append(
                    PlanProblem(
                        line,
                        f"#{task.id} cannot wait for #{ref} (line {dep.line}): that task is in "
                        "a later phase, which opens only after this one is done",
                    )
                )
                held[task.id] = f"#{ref} of a later phase (fix line {line})"
            elif ref not in deps[task.id]:
                deps[task.id].append(ref)
    for cycle in _cycles(deps):
        shown = [*cycle, cycle[0]] if len(cycle) <= _CYCLE_SHOWN else cycle[:_CYCLE_SHOWN]
        lines = " -> ".join(f"#{t} (line {tasks[t].line})" for t in shown)
        if len(cycle) > _CYCLE_SHOWN:
            lines += f" -> … ({len(cycle)} tasks in all)"
        problems.append(
            PlanProblem(tasks[cycle[0]].line, f"these tasks wait for each other: {lines}")
        )
        first = f"#{cycle[0]} (line {tasks[cycle[0]].line})"
        for task_id in cycle:
            # Each member says where the cycle is, not all of it: a 500-task cycle must
            # not write the whole list into every member's events.
            held[task_id] = f"a dependency cycle of {len(cycle)} tasks (see {first})"
    return PlanOrder(
        phases=tuple(spots),
        deps={k: tuple(v) for k, v in deps.items()},
        phase_of=phase_of,
        held=held,
        problems=tuple(sorted(problems, key=lambda p: p.line)),
        tasks=tasks,
    )


def _cycles(deps: Mapping[str, list[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more tasks, or a task waiting for itself,
    each in line order (Tarjan's algorithm, iterative: a plan may be long)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    order = list(deps)
    for root in order:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            edges = deps.get(node, [])
            if child < len(edges):
                work.append((node, child + 1))
                nxt = edges[child]
                if nxt not in deps:
                    continue
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                members: list[str] = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    members.append(top)
                    if top == node:
                        break
                if len(members) > 1 or node in deps.get(node, []):
                    found.append(sorted(members, key=order.index))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found
