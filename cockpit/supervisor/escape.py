"""The escape hatch's counting: when a task's strategy is exhausted, and when the task is.

"Infinite retry is not a strategy." A strategy is exhausted by `Budget.iterations` failed
verifies, by a stuck loop (the same command failing the same way `stuck_repeats` times in
a row, or two failures alternating that many times), or by `stall_s` seconds without
progress (a successful command or a passed verify). An exhausted strategy is a SHIFT while
shifts remain, then EXHAUSTED: the caller rolls back, logs `strategy.shifted`, and either
begins the next strategy (`Attempts.shifted`) or writes the blocker report.

Counting is pure: the caller passes the clock (``now``, any monotonic seconds) and acts on
the verdicts. `attempts_from_log` rebuilds the counts from the session log, so a resumed
session continues them instead of starting over.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from cockpit.session.events import Event
from cockpit.session.kinds import StrategyShifted, TaskVerified

ERROR_TAIL = 2000
"""Characters kept of each failure's output (its end: where the error is)."""
ERRORS_KEPT = 5
"""How many failure outputs `Attempts.last_errors` keeps."""
_COMPARED_TAIL = 8000
"""Characters of output compared for a stuck loop (a test run's summary is at its end)."""


@dataclass(frozen=True)
class Budget:
    """How much one task may try: the seed's defaults, per agent or task in plan.md."""

    iterations: int = 5
    shifts: int = 2
    stuck_repeats: int = 3
    stall_s: float = 1200.0


class Verdict(StrEnum):
    GO_ON = "go_on"
    SHIFT = "shift"
    """This strategy is exhausted: roll back and begin the next one."""
    EXHAUSTED = "exhausted"
    """The last strategy is exhausted: roll back, report, block, escalate."""


@dataclass(frozen=True)
class StrategyRecord:
    """One strategy that ended, for `strategy.shifted` and the blocker report."""

    number: int
    failures: int
    reason: str
    abandoned: str = ""
    """A ``git diff --stat`` summary of the changes the rollback threw away."""
    rolled_back_to: str = ""


# What may differ between two runs of one failure: clock times, dates, durations, hex
# addresses, temporary names. Counts ("3 failed") and line numbers are kept: when they
# change, the agent's changes changed something.
_VOLATILE = (
    re.compile(r"\x1b\[[0-9;:]*m"),  # colour codes
    re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"),
    re.compile(r"\b\d{1,2}:\d{2}:\d{2}(\.\d+)?\b"),
    re.compile(r"\b\d+(\.\d+)?\s*(ms|us|µs|ns|s|sec|secs|seconds?|minutes?|min)\b"),
    re.compile(r"\b0x[0-9a-fA-F]{6,}\b"),
    re.compile(r"/tmp/[\w./-]*"),
)


def failure_key(command: str, exit_code: int | None, output: str) -> tuple[str, int | None, str]:
    """What makes two failures "the same": the command, its exit code, and its output's end
    with timestamps, durations, addresses and temp paths blanked."""
    text = output[-_COMPARED_TAIL:]
    for pattern in _VOLATILE:
        text = pattern.sub("~", text)
    return command.strip(), exit_code, " ".join(text.split())


def _tail(text: str, limit: int = ERROR_TAIL) -> str:
    return text if len(text) <= limit else "…" + text[-limit:]


class Attempts:
    """One task's attempts: strategies, failures in the current one, the stuck run."""

    def __init__(
        self,
        task: str,
        budget: Budget,
        strategy: int = 1,
        failures: int = 0,
        started_at: float | None = None,
    ) -> None:
        self.task = task
        self.budget = budget
        self._strategy = strategy
        self._failures = failures
        self._progress_at = started_at
        self._ended: str | None = None
        self._history: list[StrategyRecord] = []
        self._errors: deque[str] = deque(maxlen=ERRORS_KEPT)
        self._failed_in_a_row: list[tuple[str, int | None, str]] = []

    # -- what it knows -------------------------------------------------------------------

    @property
    def strategy(self) -> int:
        """The current strategy's number (1 for the first)."""
        return self._strategy

    @property
    def failures(self) -> int:
        """Failed verifies in the current strategy."""
        return self._failures

    @property
    def last_errors(self) -> list[str]:
        """The last few failure outputs (tails), newest last."""
        return list(self._errors)

    @property
    def history(self) -> list[StrategyRecord]:
        """The strategies that ended, oldest first."""
        return list(self._history)

    @property
    def ended(self) -> str | None:
        """Why the current strategy is exhausted; None while it goes on."""
        return self._ended

    # -- what happens --------------------------------------------------------------------

    def verify_failed(self, command: str, exit_code: int | None, output: str) -> Verdict:
        """A failed verify: one iteration of this strategy."""
        if self._ended is not None:
            return self._verdict()
        self._failures += 1
        self._errors.append(_tail(f"$ {command}  (exit {exit_code})\n{output}".rstrip()))
        if self._failures >= self.budget.iterations:
            return self._exhaust(f"{self._failures} failed verifies of `{command}`")
        return Verdict.GO_ON

    def verify_passed(self, now: float) -> None:
        """A passed verify is progress (the stall clock starts again)."""
        self._progress(now)

    def command_finished(
        self, command: str, exit_code: int | None, output: str, now: float
    ) -> Verdict:
        """A command the agent ran. A success is progress and ends any stuck run; the same
        failure `stuck_repeats` times in a row (or two failures alternating, each that many
        times) exhausts the strategy."""
        if self._ended is not None:
            return self._verdict()
        if self._progress_at is None:
            self._progress_at = now
        if exit_code == 0:
            self._progress(now)
            return Verdict.GO_ON
        run = self._failed_in_a_row
        run.append(failure_key(command, exit_code, output))
        repeats = self.budget.stuck_repeats
        del run[: max(0, len(run) - 2 * repeats)]
        if len(run) >= repeats and len(set(run[-repeats:])) == 1:
            self._errors.append(_tail(f"$ {command}  (exit {exit_code})\n{output}".rstrip()))
            return self._exhaust(
                f"stuck: `{command}` failed the same way {repeats} times in a row "
                f"(exit {exit_code})"
            )
        if _alternating(run, repeats):
            self._errors.append(_tail(f"$ {command}  (exit {exit_code})\n{output}".rstrip()))
            first, second = run[-2][0], run[-1][0]
            return self._exhaust(
                f"stuck: alternating between two failures ({first!r}, {second!r}), "
                f"{repeats} times each"
            )
        return Verdict.GO_ON

    def stalled(self, now: float) -> Verdict:
        """SHIFT or EXHAUSTED when nothing succeeded for `stall_s` since the strategy began
        or the last progress; GO_ON otherwise."""
        if self._ended is not None:
            return self._verdict()
        if self._progress_at is None:
            self._progress_at = now
            return Verdict.GO_ON
        idle = now - self._progress_at
        if idle >= self.budget.stall_s:
            return self._exhaust(f"no progress for {idle:.0f} s")
        return Verdict.GO_ON

    def close(self, *, abandoned: str = "", rolled_back_to: str = "") -> StrategyRecord:
        """End the current strategy in `history` (after its rollback); its record. Called
        by `shifted`, and by the caller itself on EXHAUSTED (the last strategy's record)."""
        record = StrategyRecord(
            self._strategy,
            self._failures,
            self._ended or "ended by the supervisor",
            abandoned,
            rolled_back_to,
        )
        if not self._history or self._history[-1].number != self._strategy:
            self._history.append(record)
        return record

    def shifted(self, now: float, *, abandoned: str = "", rolled_back_to: str = "") -> None:
        """Begin the next strategy: its failures, the stuck run and the stall clock reset."""
        self.close(abandoned=abandoned, rolled_back_to=rolled_back_to)
        self._strategy += 1
        self._failures = 0
        self._ended = None
        self._failed_in_a_row.clear()
        self._progress_at = now

    # -- inside --------------------------------------------------------------------------

    def _progress(self, now: float) -> None:
        self._progress_at = now
        self._failed_in_a_row.clear()

    def _exhaust(self, reason: str) -> Verdict:
        self._ended = reason
        return self._verdict()

    def _verdict(self) -> Verdict:
        return Verdict.SHIFT if self._strategy <= self.budget.shifts else Verdict.EXHAUSTED

    def _rebuilt_shift(self, body: StrategyShifted) -> None:
        number = body.strategy if isinstance(body.strategy, int) else self._strategy
        failures = body.failures if isinstance(body.failures, int) else self._failures
        self._history.append(
            StrategyRecord(
                number,
                failures,
                str(body.reason or "exhausted"),
                str(body.abandoned or ""),
                str(body.rolled_back_to or ""),
            )
        )
        if body.last_error:
            self._errors.append(_tail(str(body.last_error)))
        self._strategy = number + 1
        self._failures = 0
        self._ended = None
        self._failed_in_a_row.clear()


def _alternating(run: list[tuple[str, int | None, str]], repeats: int) -> bool:
    """The last ``2 * repeats`` failures are A, B, A, B, … with A != B (A->B->A->B)."""
    if repeats < 2 or len(run) < 2 * repeats:
        return False
    last = run[-2 * repeats :]
    first, second = last[0], last[1]
    return first != second and all(
        key == (first if k % 2 == 0 else second) for k, key in enumerate(last)
    )


def attempts_from_log(events: Iterable[Event], task: str, budget: Budget) -> Attempts:
    """The task's attempts as the log has them: failed verifies counted, strategies ended
    by `strategy.shifted`. A resumed session continues these counts; the stuck run and the
    stall clock start again (they are about the agent's turn, which restarts)."""
    attempts = Attempts(task, budget)
    for event in events:
        if event.kind == TaskVerified.kind:
            verified = event.body
            if not isinstance(verified, TaskVerified) or verified.task != task:
                continue
            if verified.passed is False:
                code = verified.exit_code if isinstance(verified.exit_code, int) else None
                attempts.verify_failed(str(verified.command or ""), code, "")
        elif event.kind == StrategyShifted.kind:
            shifted = event.body
            if isinstance(shifted, StrategyShifted) and shifted.task == task:
                attempts._rebuilt_shift(shifted)
    return attempts
