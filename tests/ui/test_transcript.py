"""The transcript widget: streaming into the open line, wrapping, the bound, selection."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.geometry import Offset
from textual.selection import Selection

from cockpit.ui.transcript import Transcript
from cockpit.ui.wrap import visible, wrap_ascii, wrap_cells
from tests.waiting import wait_until


class Host(App[None]):
    def __init__(self, max_lines: int = 100) -> None:
        super().__init__()
        self.max_lines = max_lines

    def compose(self) -> ComposeResult:
        yield Transcript(self.max_lines)


async def test_streamed_text_continues_the_open_line() -> None:
    app = Host()
    async with app.run_test(size=(60, 10)):
        t = app.query_one(Transcript)
        for chunk in ("Hel", "lo, ", "world", ".\nSecond", " line"):
            t.write(chunk)
        assert t.text == "Hello, world.\nSecond line"
        t.write_lines([("tier-2", "[T2] $ pytest")])
        t.write("More text")
        assert t.text.splitlines() == ["Hello, world.", "Second line", "[T2] $ pytest", "More text"]
        t.write(" and output", "dim")  # another style starts its own line
        assert t.text.splitlines()[-1] == " and output"


async def test_long_lines_wrap_and_rewrap_when_the_width_changes() -> None:
    app = Host()
    async with app.run_test(size=(30, 10)) as pilot:
        t = app.query_one(Transcript)
        t.write_lines([("text", "word " * 20)])
        narrow = t.row_count
        assert narrow > 3
        await pilot.resize_terminal(100, 10)
        await pilot.pause()
        assert t.row_count < narrow
        assert t.virtual_size.height == t.row_count
        assert t.text == "word " * 20


async def test_scrollback_is_bounded() -> None:
    app = Host(max_lines=50)
    async with app.run_test(size=(40, 10)):
        t = app.query_one(Transcript)
        for n in range(500):
            t.write(f"line {n}\n")
        assert t.line_count == 50
        assert t.text.splitlines()[0] == "line 450"
        t.flush()  # the scroll range follows at the next redraw
        assert t.virtual_size.height == 50


async def test_selection_copies_wrapped_lines_without_extra_breaks() -> None:
    app = Host()
    async with app.run_test(size=(20, 10)):
        t = app.query_one(Transcript)
        long_command = "$ rm -rf build dist node_modules"
        t.write_lines([("tier-3", long_command), ("ok", "done")])
        rows = t.row_count
        selected = t.get_selection(Selection(Offset(0, 0), Offset(0, rows)))
        assert selected is not None
        assert selected[0] == f"{long_command}\ndone"


async def test_it_renders_the_rows_it_holds() -> None:
    app = Host()
    async with app.run_test(size=(40, 6)) as pilot:
        t = app.query_one(Transcript)
        t.write_lines([("tier-1", "[T1] read_file plan.md"), ("fail", "  ✗ exit 1")])
        await pilot.pause()
        shown = [t.render_line(y).text for y in range(2)]
        assert shown[0].startswith("[T1] read_file plan.md")
        assert shown[1].startswith("  ✗ exit 1")


async def test_it_follows_new_lines_until_the_reader_scrolls_up() -> None:
    app = Host(max_lines=1000)
    async with app.run_test(size=(40, 8)) as pilot:
        t = app.query_one(Transcript)
        for n in range(50):
            t.write(f"line {n}\n")
        t.flush()  # what the redraw timer does, ten times a second
        await pilot.pause()
        assert t.scroll_y == t.max_scroll_y > 0
        t.scroll_to(y=0, animate=False)
        await pilot.pause()
        t.write("line 50\n")
        t.flush()
        await pilot.pause()
        assert t.scroll_y == 0  # the reader stays where they were
        t.scroll_end(animate=False)
        await pilot.pause()
        t.write("line 51\n")
        t.flush()
        await pilot.pause()
        assert t.scroll_y == t.max_scroll_y


async def test_selection_still_lands_on_the_rows_shown_after_old_ones_dropped() -> None:
    app = Host(max_lines=5)
    async with app.run_test(size=(40, 10)) as pilot:
        t = app.query_one(Transcript)
        for n in range(12):
            t.write(f"line {n}\n")
        t.flush()
        await pilot.pause()
        strips = t.render_lines(t.region.reset_offset)
        shown = [strip.text.strip() for strip in strips if strip.text.strip()]
        assert shown == [f"line {n}" for n in range(7, 12)]
        # Where a mouse press on "line 9" would start a selection: the offset drawn there.
        row = shown.index("line 9")
        metas = [seg.style.meta for seg in strips[row] if seg.style and seg.style.meta]
        start = Offset(*metas[0]["offset"])
        selected = t.get_selection(Selection(start, Offset(0, start.y + 2)))
        assert selected is not None
        assert selected[0] == "line 9\nline 10\n"


@given(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=300),
    st.integers(min_value=1, max_value=80),
)
def test_wrapped_rows_fit_and_join_back_into_the_line(text: str, width: int) -> None:
    rows = wrap_ascii(text, width)
    assert "".join(rows) == text  # a copied selection gives back the line as written
    assert all(len(visible(row, width)) <= width for row in rows)  # what is drawn fits
    assert all(rows[:-1])  # no empty row in the middle
    # A continuation row never starts with a space: the break's spaces end the row before.
    assert not any(row.startswith(" ") for row in rows[1:])
    assert rows == wrap_cells(text, width)  # the fast path wraps as the general one
    for row in rows[:-1]:
        if " " in row.strip(" ") and len(row.rstrip(" ")) < width:
            assert row.endswith(" ")  # broken at a space


def test_wrapping_prefers_spaces_and_breaks_long_words() -> None:
    assert wrap_ascii("the quick brown fox", 10) == ["the quick ", "brown fox"]
    assert wrap_ascii("abcdefghijkl", 5) == ["abcde", "fghij", "kl"]
    assert wrap_ascii("", 5) == [""]
    # A word as wide as the row stays whole; the spaces of a break end the row before it.
    assert wrap_ascii("hello world and more", 5) == ["hello ", "world ", "and ", "more"]
    assert wrap_ascii("  gap found", 6) == ["  gap ", "found"]  # the indentation stays
    assert wrap_ascii("abc de fg", 3) == ["abc ", "de ", "fg"]
    path = "/home/dev/src/textstats/core.py"
    assert path in wrap_ascii(f"edit {path}", len(path))


@given(st.text(max_size=200), st.integers(min_value=2, max_value=60))
def test_wide_characters_wrap_by_the_cells_they_take(text: str, width: int) -> None:
    rows = wrap_cells(text, width)
    assert "".join(rows) == text
    # what is drawn fits (the spaces that end a row are not drawn)
    assert all(cell_len(row.rstrip(" ")) <= width for row in rows if len(row.rstrip(" ")) > 1)
    assert all(rows[:-1])
    assert not any(row.startswith(" ") for row in rows[1:])


def test_a_line_of_wide_characters_is_shown_whole() -> None:
    rows = wrap_cells("日本語のテキストを表示します", 10)
    assert rows == ["日本語のテ", "キストを表", "示します"]


async def test_each_line_is_drawn_in_its_own_style() -> None:
    app = Host()
    async with app.run_test(size=(60, 8)) as pilot:
        t = app.query_one(Transcript)
        t.write_lines(
            [
                ("tier-3", "[T3] $ rm -rf build"),  # printable ASCII: drawn directly
                ("tier-3", "[T3] $ rm -rf ~/café"),  # through Rich
                ("tier-1", "[T1] read_file plan.md"),
            ]
        )
        t.flush()
        await pilot.pause()
        danger = t.get_component_rich_style("transcript--tier-3")
        safe = t.get_component_rich_style("transcript--tier-1")
        assert danger.color != safe.color
        strips = t.render_lines(t.region.reset_offset)
        for row, expected in ((0, danger), (1, danger), (2, safe)):
            text = next(seg for seg in strips[row] if seg.text.strip())
            assert text.style is not None
            assert text.style.color == expected.color, strips[row].text
            assert bool(text.style.bold) == bool(expected.bold)


async def test_a_resize_drops_the_selection_instead_of_marking_other_text() -> None:
    app = Host()
    async with app.run_test(size=(30, 10)) as pilot:
        t = app.query_one(Transcript)
        t.write_lines([("text", "first line " * 4), ("text", "second line"), ("text", "third")])
        t.flush()
        await pilot.pause()
        app.screen.selections = {t: Selection(Offset(0, 3), Offset(6, 3))}
        assert t.text_selection is not None
        await pilot.resize_terminal(80, 10)  # the rows are wrapped (and numbered) anew
        await pilot.pause()
        assert t.text_selection is None


async def test_selected_text_stays_readable_on_the_selection_colour() -> None:
    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        t = app.query_one(Transcript)
        t.write_lines([("text", "plain words here"), ("tier-1", "[T1] read_file x")])
        t.flush()
        await pilot.pause()
        app.screen.selections = {t: Selection(Offset(0, 0), Offset(5, 1))}
        await pilot.pause()
        strips = t.render_lines(t.region.reset_offset)
        selected = [strips[0].crop(0, 5), strips[1].crop(0, 5)]
        unselected_bg = next(iter(strips[1].crop(8, 12))).style.bgcolor  # type: ignore[union-attr]
        for strip, style_name in zip(selected, ("text", "tier-1"), strict=True):
            for segment in strip:
                assert segment.style is not None
                assert segment.style.color != segment.style.bgcolor  # the text is seen
                assert segment.style.bgcolor != unselected_bg  # and marked as selected
                own = t.get_component_rich_style(f"transcript--{style_name}").color
                assert segment.style.color == own  # in its own colour


async def test_home_shows_the_first_line_while_the_agent_writes_on() -> None:
    app = Host(max_lines=1000)
    async with app.run_test(size=(40, 10)) as pilot:
        app.animation_level = "full"  # as in a terminal (tests run without animations)
        t = app.query_one(Transcript)
        t.focus()
        for n in range(200):
            t.write(f"line {n}\n")
        await wait_until(
            lambda: t.scroll_y == t.max_scroll_y > 0, what="the end shown", pause=pilot.pause
        )
        # What Home does, with the stream's next redraw right behind it (a pilot key press
        # would wait for the scroll to end first, which a streaming agent does not).
        await t.run_action("scroll_home")
        end = t.max_scroll_y
        t.write("line 200\n")
        t.flush()
        await wait_until(
            lambda: t.max_scroll_y > end, what="the new line laid out", pause=pilot.pause
        )
        for _ in range(5):  # and it stays there, frame after frame
            await pilot.pause()
            rows = [strip.text.strip() for strip in t.render_lines(t.region.reset_offset)]
            assert t.scroll_y == 0
            assert rows[0] == "line 0"
        await t.run_action("scroll_end")  # and End follows the stream again
        t.write("line 201\n")
        t.flush()

        def showing_the_end() -> bool:
            rows = [strip.text.strip() for strip in t.render_lines(t.region.reset_offset)]
            return t.scroll_y == t.max_scroll_y and "line 201" in rows

        await wait_until(showing_the_end, what="the end followed again", pause=pilot.pause)


async def test_continuation_rows_start_with_the_next_word() -> None:
    app = Host()
    async with app.run_test(size=(20, 10)) as pilot:
        t = app.query_one(Transcript)
        # 18 cells a row: the first row's last word ends on its last cell
        t.write_lines([("text", "The plan covers it now: no gaps found at all")])
        t.flush()
        await pilot.pause()
        rows = [strip.text for strip in t.render_lines(t.region.reset_offset)]
        shown = [row.rstrip() for row in rows if row.strip()]
        assert len(shown) > 2
        assert not any(row.startswith(" ") for row in shown)
        selected = t.get_selection(Selection(Offset(0, 0), Offset(0, 99)))
        assert selected is not None
        assert selected[0] == "The plan covers it now: no gaps found at all"
