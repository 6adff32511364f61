"""update_task: the agent's one edit, which never touches another byte or the human's text."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import cockpit.plan.update as update_module
from cockpit.errors import ConfigError
from cockpit.plan.document import Plan, load_plan
from cockpit.plan.model import STATES
from cockpit.plan.update import apply_status, clean_note, update_task
from tests.plan.strategies import markdownish

PLAN = """# Project
Notes stay exactly as they are.\t

## Phase 1
- [ ] Add a login endpoint @builder
      verify: pytest tests/test_login.py
- [ ] Write the schema @planner
  - [ ] Nested subtask
- [x] Fix typo in README
* [ ] Review @reviewer
  Status: doing — reading
  verify: ruff check .
"""


def write(tmp_path: Path, text: str | bytes = PLAN) -> Path:
    path = tmp_path / "plan.md"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_adds_a_status_line_after_the_verify_lines(tmp_path: Path) -> None:
    path = write(tmp_path)
    result = update_task(
        path, "Add a login", "doing", "wiring the route", agent="builder", seen=load_plan(path)
    )
    assert (result.outcome, result.ok, result.conflict) == ("written", True, False)
    expected = PLAN.replace(
        "      verify: pytest tests/test_login.py\n",
        "      verify: pytest tests/test_login.py\n      status: doing — wiring the route\n",
    )
    assert path.read_text() == expected
    assert result.plan is not None and result.plan.render() == expected
    assert result.task is not None
    assert (result.task.status, result.task.note, result.task.done) == (
        "doing",
        "wiring the route",
        False,
    )


def test_done_checks_the_box_and_replaces_the_status_line(tmp_path: Path) -> None:
    path = write(tmp_path)
    result = update_task(path, "Review", "done", None, agent="reviewer", seen=load_plan(path))
    assert result.outcome == "written"
    expected = PLAN.replace("* [ ] Review", "* [x] Review").replace(
        "  Status: doing — reading", "  Status: done"
    )
    assert path.read_text() == expected
    again = update_task(path, "Review", "blocked", "ci down", agent="reviewer", seen=result.plan)
    assert again.outcome == "written"
    assert path.read_text() == PLAN.replace(
        "  Status: doing — reading", "  Status: blocked — ci down"
    )


def test_capital_x_is_kept_when_already_done(tmp_path: Path) -> None:
    path = write(tmp_path, "- [X] Ship @builder\n")
    update_task(path, "Ship", "done", "shipped", agent="builder", seen=None)
    assert path.read_text() == "- [X] Ship @builder\n      status: done — shipped\n"


def test_nested_task_gets_its_status_line_under_its_title(tmp_path: Path) -> None:
    path = write(tmp_path)
    result = update_task(path, "Nested", "doing", "", agent="planner", seen=load_plan(path))
    assert result.outcome == "written"
    assert path.read_text() == PLAN.replace(
        "  - [ ] Nested subtask\n", "  - [ ] Nested subtask\n        status: doing\n"
    )


def test_crlf_file_stays_crlf_and_byte_identical_elsewhere(tmp_path: Path) -> None:
    original = PLAN.replace("\n", "\r\n").encode()
    path = write(tmp_path, original)
    result = update_task(path, "Add a login", "done", "ok", agent="builder", seen=load_plan(path))
    assert result.outcome == "written"
    assert path.read_bytes() == original.replace(
        b"- [ ] Add a login endpoint @builder\r\n      verify: pytest tests/test_login.py\r\n",
        b"- [x] Add a login endpoint @builder\r\n      verify: pytest tests/test_login.py\r\n"
        b"      status: done \xe2\x80\x94 ok\r\n",
    )


def test_last_line_without_newline_keeps_having_none(tmp_path: Path) -> None:
    path = write(tmp_path, "# P\r\n- [ ] Last @builder")
    update_task(path, "Last", "blocked", "need input", agent="builder", seen=None)
    assert path.read_bytes() == (
        "# P\r\n- [ ] Last @builder\r\n      status: blocked — need input".encode()
    )


def test_only_the_task_lines_change_in_a_messy_file(tmp_path: Path) -> None:
    messy = (Path(__file__).parent / "corpus" / "tabs_trailing.md").read_bytes()
    path = write(tmp_path, messy)
    update_task(path, "tab-indented child", "doing", "again", agent="builder", seen=None)
    before, after = messy.split(b"\n"), path.read_bytes().split(b"\n")
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [6]
    assert after[6] == "  \t  status: doing — again".encode()


def test_note_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "- [ ] T @builder\n")
    update_task(path, "T", "Doing", "  two\nlines\r\n here ", agent="builder", seen=None)
    assert path.read_text() == "- [ ] T @builder\n      status: doing — two lines here\n"
    update_task(path, "T", "doing", "x" * 1000, agent="builder", seen=None)
    status = path.read_text().splitlines()[1]
    assert len(status) < 340 and status.endswith("…")


def test_same_state_twice_is_unchanged_and_not_written(tmp_path: Path) -> None:
    path = write(tmp_path)
    first = update_task(path, "Review", "doing", "reading", agent="reviewer", seen=None)
    assert first.outcome == "unchanged" and first.ok
    assert path.read_text() == PLAN


def test_human_edit_of_that_task_wins(tmp_path: Path) -> None:
    path = write(tmp_path)
    seen = load_plan(path)
    human = PLAN.replace("      verify: pytest tests/test_login.py", "      verify: pytest -x")
    path.write_text(human)
    result = update_task(path, "Add a login", "done", "all green", agent="builder", seen=seen)
    assert (result.outcome, result.conflict, result.ok) == ("conflict", True, False)
    assert path.read_text() == human
    assert result.human_line == "- [ ] Add a login endpoint @builder\n      verify: pytest -x"
    assert "human edited this task" in result.message and "verify: pytest -x" in result.message
    assert result.plan is not None
    retry = update_task(path, "Add a login", "done", "all green", agent="builder", seen=result.plan)
    assert retry.outcome == "written"
    assert "verify: pytest -x\n      status: done — all green\n" in path.read_text()


def test_human_edit_of_another_task_does_not_conflict(tmp_path: Path) -> None:
    path = write(tmp_path)
    seen = load_plan(path)
    human = PLAN.replace("Notes stay", "Notes now say") + "- [ ] New task @planner\n"
    path.write_text(human)
    result = update_task(path, "Add a login", "doing", None, agent="builder", seen=seen)
    assert result.outcome == "written"
    assert path.read_text() == human.replace(
        "test_login.py\n", "test_login.py\n      status: doing\n"
    )


def test_task_removed_or_retitled_by_the_human_is_a_conflict(tmp_path: Path) -> None:
    path = write(tmp_path)
    seen = load_plan(path)
    human = PLAN.replace("Add a login endpoint", "Add an OAuth login")
    path.write_text(human)
    result = update_task(path, "Add a login endpoint", "done", None, agent="builder", seen=seen)
    assert result.outcome == "conflict"
    assert "removed or retitled" in result.message
    assert path.read_text() == human


def test_human_save_racing_the_write_keeps_the_human_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path)
    seen = load_plan(path)
    human = PLAN.replace("- [ ] Add a login endpoint", "- [x] Add a login endpoint")
    real = update_module.apply_status

    def human_saves_meanwhile(*args: object, **kwargs: object) -> str:
        text = real(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text(human)
        return text

    monkeypatch.setattr(update_module, "apply_status", human_saves_meanwhile)
    result = update_task(path, "Add a login", "doing", "mine", agent="builder", seen=seen)
    assert result.outcome == "conflict"
    assert path.read_text() == human


def test_another_agents_task_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path)
    result = update_task(path, "Write the schema", "done", None, agent="builder", seen=None)
    assert (result.outcome, result.ok) == ("refused", False)
    assert "belongs to @planner, not @builder" in result.message
    inherited = update_task(path, "Nested subtask", "done", None, agent="builder", seen=None)
    assert inherited.outcome == "refused" and "@planner" in inherited.message
    assert path.read_text() == PLAN


def test_unowned_task_may_be_updated_by_any_agent(tmp_path: Path) -> None:
    path = write(tmp_path)
    result = update_task(path, "Fix typo", "doing", None, agent="builder", seen=None)
    assert result.outcome == "written"
    assert "- [ ] Fix typo in README\n      status: doing\n" in path.read_text()


def test_unknown_task_lists_close_matches(tmp_path: Path) -> None:
    path = write(tmp_path)
    result = update_task(path, "Add a logon endpoint", "done", None, agent="builder", seen=None)
    assert result.outcome == "unknown"
    assert "no task matches 'Add a logon endpoint'" in result.message
    assert '"Add a login endpoint" @builder (id phase-1/add-a-login-endpoint' in result.message
    assert path.read_text() == PLAN


def test_ambiguous_reference_and_bad_state_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path)
    ambiguous = update_task(path, "phase-1/", "done", None, agent="builder", seen=None)
    assert ambiguous.outcome == "refused" and "matches several tasks" in ambiguous.message
    bad = update_task(path, "Add a login", "finished", None, agent="builder", seen=None)
    assert bad.outcome == "refused"
    assert bad.message == "unknown status 'finished'; use todo, doing, blocked, done"
    assert path.read_text() == PLAN


def test_missing_plan_has_no_tasks(tmp_path: Path) -> None:
    result = update_task(tmp_path / "plan.md", "x", "done", None, agent="builder", seen=None)
    assert result.outcome == "unknown" and "the plan has no tasks" in result.message
    assert not (tmp_path / "plan.md").exists()


def test_write_is_atomic_keeps_mode_and_follows_symlinks(tmp_path: Path) -> None:
    real = write(tmp_path)
    os.chmod(real, 0o640)
    link = tmp_path / "link.md"
    link.symlink_to(real)
    inode = os.stat(real).st_ino
    result = update_task(link, "Add a login", "doing", None, agent="builder", seen=None)
    assert result.outcome == "written"
    assert link.is_symlink()
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640
    assert os.stat(real).st_ino != inode
    assert "status: doing" in real.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.md", "plan.md"]


def test_unreadable_plan_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "plan.md").mkdir()
    with pytest.raises(ConfigError, match=r"plan\.md"):
        update_task(tmp_path / "plan.md", "x", "done", None, agent="builder", seen=None)


def test_result_plan_is_what_is_on_disk(tmp_path: Path) -> None:
    path = write(tmp_path)
    result = update_task(path, "Add a login", "blocked", "why", agent="builder", seen=None)
    assert result.plan == Plan.parse(path.read_bytes(), path)


@settings(max_examples=300, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    markdownish(),
    st.data(),
    st.sampled_from(STATES),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zl", "Zp"])),
)
def test_apply_status_touches_only_the_task_lines(
    text: str, data: st.DataObject, state: str, note: str
) -> None:
    plan = Plan.parse(text, Path("plan.md"))
    assume(plan.tasks)
    task = data.draw(st.sampled_from(plan.tasks))
    note = clean_note(note)
    new = Plan.parse(apply_status(plan, task, state, note), Path("plan.md"))
    old_lines, new_lines = list(plan.lines), list(new.lines)
    inserted = len(new_lines) - len(old_lines)
    assert inserted == (0 if task.status_line else 1)
    status_index = (task.status_line or max(task.block) + 1) - 1
    untouched = [i for i in range(len(old_lines)) if i != task.line - 1 and i != status_index]
    for i in untouched:
        j = i + inserted if i >= status_index else i
        if inserted and i == max(task.block) - 1 and not old_lines[i].endswith("\n"):
            # the file ended here without a newline: the new status line takes that place
            assert new_lines[j] in (old_lines[i] + "\n", old_lines[i] + "\r\n")
        else:
            assert new_lines[j] == old_lines[i]
    updated = new.task(task.id)
    assert updated is not None
    assert (updated.status, updated.note, updated.done) == (state, note, state == "done")
    others = [t.content() for t in plan.tasks if t.id != task.id]
    assert others == [t.content() for t in new.tasks if t.id != task.id]


def test_concurrent_agents_never_lose_each_others_updates(tmp_path: Path) -> None:
    agents = [f"agent{i}" for i in range(8)]
    path = write(tmp_path, "".join(f"- [ ] Task {name} @{name}\n" for name in agents))
    seen = load_plan(path)

    def work(name: str) -> None:
        mine = seen
        for round_ in range(5):
            result = update_task(
                path, f"Task {name}", "doing", f"round {round_}", agent=name, seen=mine
            )
            assert result.outcome == "written", result.message
            mine = result.plan

    with ThreadPoolExecutor(len(agents)) as pool:
        list(pool.map(work, agents))
    final = load_plan(path)
    assert [(task.owner, task.status, task.note) for task in final.tasks] == [
        (name, "doing", "round 4") for name in agents
    ]
