"""Parsing plan.md: phases, tasks, owners, verify and status lines, and problems by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.errors import ConfigError
from cockpit.plan.document import Plan, load_plan
from cockpit.plan.model import Task

CORPUS = Path(__file__).parent / "corpus"
AGENTS = ("builder", "planner", "reviewer")


def parse(text: str) -> Plan:
    return Plan.parse(text, Path("plan.md"))


def only(plan: Plan) -> Task:
    assert len(plan.tasks) == 1, plan.tasks
    return plan.tasks[0]


def messages(plan: Plan, agents: tuple[str, ...] | None = AGENTS) -> list[tuple[int, str]]:
    return [(problem.line, problem.message) for problem in plan.problems(agents)]


def test_the_example_from_the_brief() -> None:
    plan = load_plan(CORPUS / "basic.md")
    assert [(phase.title, phase.level, phase.line) for phase in plan.phases] == [
        ("Project title (prose is kept byte for byte)", 1, 1),
        ("Phase 1", 2, 4),
        ("Phase 2", 2, 11),
    ]
    login, schema, nested, review = plan.tasks
    assert login == Task(
        id="phase-1/add-a-login-endpoint",
        title="Add a login endpoint",
        owner="builder",
        done=False,
        status="doing",
        note="wiring the route",
        verify=("pytest tests/test_login.py",),
        phase="Phase 1",
        line=5,
        parent=None,
        block=(5, 6, 7),
        status_line=7,
    )
    assert (schema.title, schema.owner, schema.done, schema.status) == (
        "Write the schema",
        "planner",
        True,
        "done",
    )
    assert (nested.owner, nested.parent, nested.status) == ("planner", schema.id, "todo")
    assert review.verify == ("pytest tests/test_login.py", "ruff check .")
    assert review.phase == "Phase 2"
    assert messages(plan) == []


def test_crlf_plan_parses_like_lf() -> None:
    crlf = load_plan(CORPUS / "crlf.md")
    lf = parse(crlf.text.replace("\r\n", "\n"))
    assert [task.content() for task in crlf.tasks] == [task.content() for task in lf.tasks]
    assert crlf.tasks[0].note == "wiring the route"


@pytest.mark.parametrize(
    ("line", "done"),
    [
        ("- [ ] t", False),
        ("* [ ] t", False),
        ("+ [x] t", True),
        ("- [X] t", True),
        ("1. [ ] t", False),
        ("12) [x] t", True),
        ("-\t[ ]\tt", False),
        ("   - [ ] t", False),
    ],
)
def test_checkbox_forms(line: str, done: bool) -> None:
    task = only(parse(line + "\n"))
    assert (task.title, task.done) == ("t", done)


@pytest.mark.parametrize(
    "line", ["-[ ] t", "- [] t", "- [ ]t", "[ ] t", "- [  ] t", "text - [ ] t"]
)
def test_not_checkboxes(line: str) -> None:
    assert parse(line + "\n").tasks == ()


@pytest.mark.parametrize("mark", ["-", "~", "/"])
def test_odd_marks_are_problems_not_tasks(mark: str) -> None:
    plan = parse(f"# P\n- [{mark}] cancelled\n")
    assert plan.tasks == ()
    assert messages(plan) == [(2, f"[{mark}] is no checkbox state; write [ ] or [x]")]


def test_code_blocks_comments_and_front_matter_hide_checkboxes() -> None:
    plan = load_plan(CORPUS / "code_blocks.md")
    assert [(task.title, task.verify) for task in plan.tasks] == [("Real task", ("bash run.sh",))]
    assert messages(plan) == [(30, "this code block is never closed: the rest of the file is code")]
    front = load_plan(CORPUS / "comments_frontmatter.md")
    assert [task.title for task in front.tasks] == ["Visible task"]
    assert [phase.title for phase in front.phases] == ["Front matter above"]


def test_breaks_around_tasks_are_not_front_matter() -> None:
    plan = parse("---\n- [ ] kept @builder\n---\n")
    assert [task.title for task in plan.tasks] == ["kept"]


def test_fence_closes_only_with_the_same_kind_and_length() -> None:
    text = "````\n```\n- [ ] in\n~~~~\n````\n- [ ] out\n"
    assert [task.title for task in parse(text).tasks] == ["out"]


def test_unclosed_comment_is_a_problem() -> None:
    plan = parse("- [ ] a\n<!--\n- [ ] b\n")
    assert [task.title for task in plan.tasks] == ["a"]
    assert messages(plan) == [
        (2, "this HTML comment is never closed: the rest of the file is hidden")
    ]


def test_indented_list_continuation_is_not_code() -> None:
    text = "- Area\n\n    - [ ] deep task @builder\n\n        verify: make\n"
    task = only(parse(text))
    assert (task.title, task.verify) == ("deep task", ("make",))


def test_headings_of_every_level() -> None:
    plan = load_plan(CORPUS / "headings.md")
    assert [(phase.title, phase.level) for phase in plan.phases] == [
        ("One", 1),
        ("Two", 2),
        ("Three", 3),
        ("Four", 4),
        ("Five", 5),
        ("Six", 6),
        ("indented three is a heading", 1),
        ("", 1),
    ]
    first, second = plan.tasks
    assert first.id == "indented-three-is-a-heading/under-three"
    assert (second.phase, second.id) == ("", "under-an-empty-heading")


def test_setext_headings_and_thematic_breaks() -> None:
    plan = load_plan(CORPUS / "prose.md")
    assert [(phase.title, phase.level, phase.line) for phase in plan.phases] == [
        ("Release plan", 1, 1),
        ("Setext heading", 1, 21),
        ("Another one", 2, 24),
    ]
    after_task = parse("- [ ] t\n---\n- [ ] u\n")
    assert after_task.phases == ()
    assert [task.title for task in after_task.tasks] == ["t", "u"]


def test_nesting_and_owner_inheritance() -> None:
    plan = load_plan(CORPUS / "nested.md")
    by_title = {task.title: task for task in plan.tasks}
    auth = by_title["Auth service"]
    assert by_title["Token refresh"].owner == "builder"
    assert by_title["Token refresh"].parent == auth.id
    assert by_title["Token refresh"].verify == ("pytest -k refresh",)
    assert by_title["Password hashing"].owner == "reviewer"
    assert by_title["Password hashing"].note == "argon2id"
    assert by_title["Star bullet task"].owner is None
    assert by_title["Star bullet task"].parent is None
    assert by_title["Ten"].status == "done"
    assert by_title["Ten"].note == "waiting on the schema"
    assert by_title["Loose list item"].verify == ("make check",)


def test_owner_is_the_trailing_at_word_only() -> None:
    task = only(parse("- [ ] Email @alice about the API @builder\n"))
    assert (task.title, task.owner) == ("Email @alice about the API", "builder")
    assert only(parse("- [ ] mail bob@example.com\n")).owner is None
    plan = parse("- [ ] ask @builder first\n")
    assert only(plan).owner is None
    assert messages(plan) == [(1, "@builder inside the title is not the owner; put it at the end")]


@pytest.mark.parametrize(
    ("value", "status", "note"),
    [
        ("doing — wiring the route", "doing", "wiring the route"),
        ("doing – en dash", "doing", "en dash"),
        ("doing -- two hyphens", "doing", "two hyphens"),
        ("doing - one hyphen", "doing", "one hyphen"),
        ("blocked: waiting on @planner", "blocked", "waiting on @planner"),
        ("blocked waiting", "blocked", "waiting"),
        ("DOING", "doing", ""),
        ("  todo   ", "todo", ""),
        ("doing —", "doing", ""),
    ],
)
def test_status_grammar(value: str, status: str, note: str) -> None:
    task = only(parse(f"- [ ] t\n  status: {value}\n"))
    assert (task.status, task.note, task.status_line) == (status, note, 2)


def test_checkbox_wins_over_status() -> None:
    done = only(parse("- [x] t\n  status: doing — almost\n"))
    assert (done.done, done.status, done.note) == (True, "done", "almost")
    reopened = only(parse("- [ ] t\n  status: done — was finished\n"))
    assert (reopened.done, reopened.status) == (False, "todo")


def test_status_problems() -> None:
    plan = parse("# P\n- [ ] t\n  status: wip — hmm\n  status: doing\n- [ ] u\n  status: ✓\n")
    t, u = plan.tasks
    assert (t.status, t.note, t.status_line) == ("todo", "hmm", 3)
    assert u.status == "todo"
    assert messages(plan) == [
        (3, "unknown status 'wip'; use todo, doing, blocked, done"),
        (4, "this task already has a status: line; the first one counts"),
        (
            6,
            "cannot read this status: line; write status: STATE — note "
            "(todo, doing, blocked, done)",
        ),
    ]


def test_verify_lines() -> None:
    task = only(parse("- [ ] t\n    verify: `pytest -q`\n    Verify: ruff check .\n"))
    assert task.verify == ("pytest -q", "ruff check .")
    assert task.block == (1, 2, 3)
    plan = parse("- [ ] t\n    verify:\n- [x]\n")
    assert plan.tasks[0].verify == ()
    assert messages(plan) == [
        (2, "this verify: line has no command"),
        (3, "this task has no title"),
    ]


def test_orphan_verify_and_status_lines() -> None:
    plan = parse(
        "# Notes\nverify: this is prose at the margin\n\n- [ ] t\nverify: pytest\n"
        "\n## Two\n  status: doing\n"
    )
    assert only(plan).verify == ()
    assert messages(plan) == [
        (5, "this verify: line belongs to no task; indent it under its task"),
        (8, "this status: line belongs to no task; indent it under its task"),
    ]


def test_unknown_owner_and_other_problems_have_their_lines() -> None:
    plan = parse(
        "# P\n\n- [ ] a @ghost\n- [ ] b @builder @reviewer\n- [ ] @planner\n- [ ] a @builder\n"
    )
    assert messages(plan) == [
        (3, "@ghost is no agent (agents: builder, planner, reviewer)"),
        (4, "one agent owns a task, not several (@builder, @reviewer); @reviewer counts"),
        (5, "this task has no title"),
        (6, 'task "a" appears twice in this phase (first on line 3); this one\'s id is p/a-2'),
    ]
    assert [task.id for task in plan.tasks] == ["p/a", "p/b", "p/task", "p/a-2"]
    assert plan.tasks[1].owner == "reviewer"
    assert (3, "@ghost is no agent (agents: builder, planner, reviewer)") not in messages(
        plan, None
    )


def test_invalid_utf8_is_a_problem_on_its_line() -> None:
    plan = load_plan(CORPUS / "invalid_utf8.md")
    assert messages(plan) == [(1, "this line is not valid UTF-8")]
    assert plan.phases[0].title == "Bad bytes \ufffd\ufffd here"
    assert only(plan).title == "task with \ufffd broken byte"
    late = Plan.parse(b"ok\nok\n- [ ] \xff\n", Path("p.md"))
    assert messages(late) == [(3, "this line is not valid UTF-8")]


def test_ids_are_stable_slugs() -> None:
    plan = load_plan(CORPUS / "unicode.md")
    assert [task.id for task in plan.tasks] == [
        "フェーズ-1/ログインを追加",
        "フェーズ-1/ajouter-l-écran-d-accueil",
        "フェーズ-1/مهمة-عربية",
        "フェーズ-1/emoji-task",
    ]
    assert plan.phases[0].title == "Plan ✈ für Ünïcode"
    before = parse("## P\n- [ ] Add login @builder\n")
    after = parse("Intro.\n\n## P\n\n- [x] Add login @reviewer\n  status: done\n")
    assert before.tasks[0].id == after.tasks[0].id == "p/add-login"


def test_find_task() -> None:
    plan = load_plan(CORPUS / "basic.md")
    login = plan.tasks[0]
    assert plan.find_task("phase-1/add-a-login-endpoint") == login
    assert plan.find_task("Add a login endpoint") == login
    assert plan.find_task("add a LOGIN endpoint") == login
    assert plan.find_task("add a lo") == login
    assert plan.find_task("- [ ] Add a login endpoint @builder") == login
    assert plan.find_task("phase-2/") == plan.tasks[3]
    assert plan.find_task("phase-1/") is None
    assert len(plan.matches("phase-1/")) == 3
    assert plan.find_task("deploy") is None
    assert plan.find_task("  ") is None
    assert plan.close_matches("Add a logn endpoint")[0] == login


def test_exact_title_beats_prefix() -> None:
    plan = parse("- [ ] Test\n- [ ] Test everything\n")
    assert plan.find_task("Test") == plan.tasks[0]
    assert plan.find_task("test e") == plan.tasks[1]


def test_tasks_for() -> None:
    plan = load_plan(CORPUS / "basic.md")
    assert [task.title for task in plan.tasks_for("planner")] == [
        "Write the schema",
        "nested subtask",
    ]
    assert plan.tasks_for("nobody") == []


def test_load_plan_missing_and_unreadable(tmp_path: Path) -> None:
    missing = load_plan(tmp_path / "plan.md")
    assert (missing.tasks, missing.render(), missing.path) == ((), "", tmp_path / "plan.md")
    (tmp_path / "dir.md").mkdir()
    with pytest.raises(ConfigError, match=r"dir\.md"):
        load_plan(tmp_path / "dir.md")
