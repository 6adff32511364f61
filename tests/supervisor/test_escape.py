"""The escape hatch's counting: five failed verifies shift the strategy, two shifts and the
task is exhausted, a stuck loop or a stall exhausts a strategy early, and a resumed session
continues the counts the log holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.session.chain import read_events
from cockpit.session.kinds import StrategyShifted, TaskVerified, ToolFinished
from cockpit.session.log import SessionLog
from cockpit.supervisor.escape import Attempts, Budget, Verdict, attempts_from_log, failure_key

PYTEST_FAIL = "FAILED tests/test_schema.py::test_table - assert 1 == 2\n1 failed in 0.52s\n"


def test_five_failed_verifies_shift_and_the_third_exhaustion_is_the_end() -> None:
    attempts = Attempts("schema", Budget())
    verdicts = [attempts.verify_failed("pytest -q", 1, PYTEST_FAIL) for _ in range(5)]
    assert verdicts == [Verdict.GO_ON] * 4 + [Verdict.SHIFT]
    assert attempts.ended == "5 failed verifies of `pytest -q`"
    attempts.shifted(10.0, abandoned=" a.py | 2 +-", rolled_back_to="refs/x/1")
    assert (attempts.strategy, attempts.failures) == (2, 0)
    assert [attempts.verify_failed("pytest -q", 1, PYTEST_FAIL) for _ in range(5)][-1] == (
        Verdict.SHIFT
    )
    attempts.shifted(20.0)
    verdicts = [attempts.verify_failed("pytest -q", 1, PYTEST_FAIL) for _ in range(5)]
    assert verdicts == [Verdict.GO_ON] * 4 + [Verdict.EXHAUSTED]
    record = attempts.close(abandoned=" b.py | 1 +")
    assert [(r.number, r.failures) for r in attempts.history] == [(1, 5), (2, 5), (3, 5)]
    assert attempts.history[0].abandoned == " a.py | 2 +-"
    assert attempts.history[0].rolled_back_to == "refs/x/1"
    assert record.abandoned == " b.py | 1 +"


def test_the_task_budget_is_obeyed() -> None:
    attempts = Attempts("schema", Budget(iterations=2, shifts=0))
    assert attempts.verify_failed("make t", 2, "x") is Verdict.GO_ON
    assert attempts.verify_failed("make t", 2, "x") is Verdict.EXHAUSTED


def test_last_errors_keep_the_newest_tails() -> None:
    attempts = Attempts("schema", Budget(iterations=100))
    for n in range(8):
        attempts.verify_failed("pytest", 1, f"error number {n}\n" + "x" * 5000)
    errors = attempts.last_errors
    assert len(errors) == 5 and all(len(e) <= 2001 for e in errors)
    assert errors[-1].endswith("x") and "error number" not in errors[-1]
    attempts2 = Attempts("schema", Budget())
    attempts2.verify_failed("pytest", 1, "first")
    attempts2.verify_failed("pytest", 1, "second")
    assert [e.splitlines()[-1] for e in attempts2.last_errors] == ["first", "second"]


def test_the_same_failure_three_times_in_a_row_shifts_below_five() -> None:
    attempts = Attempts("schema", Budget())
    outputs = [
        "2026-12-03T10:00:01Z boom at 0x7f3a2b1c00\n1 failed in 0.52s",
        "2026-12-03T10:00:09Z boom at 0x7f3a2b9d40\n1 failed in 0.61s",
        "2026-12-03T10:01:13Z boom at 0x7f3a2b0000\n1 failed in 1.02s",
    ]
    verdicts = [
        attempts.command_finished("pytest", 1, out, float(n)) for n, out in enumerate(outputs)
    ]
    assert verdicts == [Verdict.GO_ON, Verdict.GO_ON, Verdict.SHIFT]
    assert attempts.failures == 0
    assert attempts.ended is not None and "same way 3 times" in attempts.ended
    assert "boom" in attempts.last_errors[-1]


def test_a_different_count_is_not_the_same_failure() -> None:
    """Digits in timestamps and durations are blanked, counts are not: "3 failed" then
    "2 failed" is the agent getting somewhere."""
    assert failure_key("pytest", 1, "3 failed in 0.5s") != failure_key(
        "pytest", 1, "2 failed in 0.5s"
    )
    assert failure_key("pytest", 1, "3 failed in 0.5s") == failure_key(
        "pytest", 1, "3 failed in 9.1s"
    )
    assert failure_key("pytest", 1, "x") != failure_key("pytest", 2, "x")
    assert failure_key("pytest", 1, "x") != failure_key("pytest -x", 1, "x")


def test_a_success_between_failures_resets_the_run() -> None:
    attempts = Attempts("schema", Budget())
    for n in range(10):
        assert attempts.command_finished("pytest", 1, "boom", float(n)) is Verdict.GO_ON
        if n % 2 == 1:
            assert attempts.command_finished("cat app.py", 0, "code", float(n)) is Verdict.GO_ON
    fresh = Attempts("schema", Budget())
    fresh.command_finished("pytest", 1, "boom", 0.0)
    fresh.command_finished("pytest", 1, "boom", 1.0)
    fresh.command_finished("ls", 0, "", 2.0)
    assert fresh.command_finished("pytest", 1, "boom", 3.0) is Verdict.GO_ON
    assert fresh.command_finished("pytest", 1, "boom", 4.0) is Verdict.GO_ON
    assert fresh.command_finished("pytest", 1, "boom", 5.0) is Verdict.SHIFT


def test_alternating_failures_are_not_identical_until_each_repeats_three_times() -> None:
    """A->B->A->B does not count as the same failure; A/B three times each (six failures,
    no success between) is a loop too, and is called one."""
    attempts = Attempts("schema", Budget())
    seq = [("pytest", "boom A"), ("make build", "boom B")] * 3
    verdicts = [
        attempts.command_finished(cmd, 1, out, float(n)) for n, (cmd, out) in enumerate(seq)
    ]
    assert verdicts == [Verdict.GO_ON] * 5 + [Verdict.SHIFT]
    assert attempts.ended is not None and "alternating" in attempts.ended


def test_three_different_failures_go_on() -> None:
    attempts = Attempts("schema", Budget())
    for n, out in enumerate(["a", "b", "c", "a", "c", "b"]):
        assert attempts.command_finished("pytest", 1, out, float(n)) is Verdict.GO_ON


def test_no_progress_for_the_stall_time_exhausts_the_strategy() -> None:
    attempts = Attempts("schema", Budget(stall_s=100.0), started_at=1000.0)
    assert attempts.stalled(1099.0) is Verdict.GO_ON
    attempts.command_finished("pytest", 1, "boom", 1050.0)  # a failure is no progress
    assert attempts.stalled(1100.0) is Verdict.SHIFT
    assert attempts.ended == "no progress for 100 s"
    attempts.shifted(1200.0)
    assert attempts.stalled(1299.0) is Verdict.GO_ON
    attempts.command_finished("ls", 0, "", 1250.0)  # a success is
    assert attempts.stalled(1349.0) is Verdict.GO_ON
    attempts.verify_passed(1340.0)
    assert attempts.stalled(1439.0) is Verdict.GO_ON
    assert attempts.stalled(1440.0) is Verdict.SHIFT


def test_a_shift_resets_the_stuck_run() -> None:
    attempts = Attempts("schema", Budget())
    attempts.command_finished("pytest", 1, "boom", 0.0)
    attempts.command_finished("pytest", 1, "boom", 1.0)
    attempts.verify_failed("pytest", 1, "boom")
    attempts.verify_failed("pytest", 1, "boom")
    attempts.verify_failed("pytest", 1, "boom")
    attempts.verify_failed("pytest", 1, "boom")
    assert attempts.verify_failed("pytest", 1, "boom") is Verdict.SHIFT
    attempts.shifted(2.0)
    assert attempts.command_finished("pytest", 1, "boom", 3.0) is Verdict.GO_ON
    assert attempts.command_finished("pytest", 1, "boom", 4.0) is Verdict.GO_ON


def _write(log: SessionLog, task: str, passed: bool) -> None:
    log.append(
        TaskVerified.kind,
        TaskVerified(
            task=task, command="pytest -q", passed=passed, exit_code=0 if passed else 1
        ).data(),
        agent="builder",
    )


@pytest.mark.parametrize("failed", [0, 3, 5, 7, 12])
def test_a_resumed_session_continues_the_counts_the_log_holds(tmp_path: Path, failed: int) -> None:
    budget = Budget()
    live = Attempts("schema", budget)
    path = tmp_path / "sessions" / "s.jsonl"
    log = SessionLog.create(path, "s-1", env={})
    _write(log, "other", False)  # another task's failures are not this task's
    _write(log, "schema", True)
    for n in range(failed):
        _write(log, "schema", False)
        verdict = live.verify_failed("pytest -q", 1, "")
        if verdict is not Verdict.GO_ON:
            log.append(
                StrategyShifted.kind,
                StrategyShifted(
                    task="schema",
                    strategy=live.strategy,
                    failures=live.failures,
                    reason=live.ended,
                    rolled_back_to=f"refs/cockpit/snapshots/s-1/{n}",
                    abandoned=" app.py | 3 ++-",
                    last_error="AssertionError",
                ).data(),
                agent="builder",
            )
            live.shifted(
                float(n),
                abandoned=" app.py | 3 ++-",
                rolled_back_to=f"refs/cockpit/snapshots/s-1/{n}",
            )
        log.append(
            ToolFinished.kind, ToolFinished(exit_code=1, output="noise").data(), agent="builder"
        )
    log.close()
    rebuilt = attempts_from_log(read_events(path), "schema", budget)
    assert (rebuilt.strategy, rebuilt.failures) == (live.strategy, live.failures)
    assert [
        (r.number, r.failures, r.reason, r.abandoned, r.rolled_back_to) for r in rebuilt.history
    ] == [(r.number, r.failures, r.reason, r.abandoned, r.rolled_back_to) for r in live.history]
    # and it goes on from there: the next failures reach the same verdict as live counting
    assert rebuilt.verify_failed("pytest -q", 1, "") is live.verify_failed("pytest -q", 1, "")


def test_a_resumed_task_past_its_shifts_is_exhausted_at_its_next_end(tmp_path: Path) -> None:
    path = tmp_path / "sessions" / "s.jsonl"
    log = SessionLog.create(path, "s-1", env={})
    for number in (1, 2):
        log.append(
            StrategyShifted.kind,
            StrategyShifted(task="schema", strategy=number, failures=5, reason="5 failed").data(),
        )
    for _ in range(4):
        _write(log, "schema", False)
    log.close()
    rebuilt = attempts_from_log(read_events(path), "schema", Budget())
    assert (rebuilt.strategy, rebuilt.failures) == (3, 4)
    assert rebuilt.verify_failed("pytest -q", 1, "boom") is Verdict.EXHAUSTED
