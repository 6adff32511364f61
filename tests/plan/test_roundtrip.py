"""Rendering an unchanged plan gives back the very bytes it was parsed from."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.plan.document import Plan, load_plan
from tests.plan.strategies import markdownish

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(CORPUS.glob("*.md"))
PATH = Path("plan.md")


def test_the_corpus_covers_what_it_should() -> None:
    data = {file.name: file.read_bytes() for file in FILES}
    assert len(data) >= 14
    assert b"\r\n" in data["crlf.md"] and b"\n" not in data["crlf.md"].replace(b"\r\n", b"")
    assert not data["no_final_newline.md"].endswith(b"\n")
    assert data["empty.md"] == b""
    assert data["unicode.md"].startswith(b"\xef\xbb\xbf")
    assert b"\t" in data["tabs_trailing.md"] and b" \n" in data["tabs_trailing.md"]
    assert b"```" in data["code_blocks.md"] and b"~~~~" in data["code_blocks.md"]


@pytest.mark.parametrize("file", FILES, ids=[file.name for file in FILES])
def test_corpus_file_renders_byte_identical(file: Path) -> None:
    data = file.read_bytes()
    plan = load_plan(file)
    assert plan.render_bytes() == data
    assert plan.digest == hashlib.sha256(data).hexdigest()
    again = Plan.parse(plan.render_bytes(), file)
    assert again == plan


@pytest.mark.parametrize("file", FILES, ids=[file.name for file in FILES])
def test_corpus_file_as_text_renders_identical(file: Path) -> None:
    text = file.read_bytes().decode("utf-8", "surrogateescape")
    plan = Plan.parse(text, file)
    assert plan.render() == text
    assert plan.text == text
    assert plan.digest == hashlib.sha256(file.read_bytes()).hexdigest()


@given(st.text())
def test_any_text_round_trips(text: str) -> None:
    assert Plan.parse(text, PATH).render() == text


@given(st.binary())
def test_any_bytes_round_trip(data: bytes) -> None:
    plan = Plan.parse(data, PATH)
    assert plan.render_bytes() == data
    assert plan.digest == hashlib.sha256(data).hexdigest()


@settings(max_examples=300)
@given(markdownish())
def test_markdownish_text_round_trips_and_tasks_point_at_checkboxes(text: str) -> None:
    plan = Plan.parse(text, PATH)
    assert plan.render() == text
    lines = plan.lines
    for task in plan.tasks:
        assert "[" in lines[task.line - 1]
        assert task.status in ("todo", "doing", "blocked", "done")
        assert task.done == (task.status == "done")
        assert task.line in task.block
    assert len({task.id for task in plan.tasks}) == len(plan.tasks)
    for problem in plan.problems(["builder"]):
        assert 1 <= problem.line <= max(len(lines), 1)
