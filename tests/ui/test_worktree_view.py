"""The fold behind the badge and the radar, and the words it gives the screen (pure)."""

from __future__ import annotations

from typing import Any

from cockpit.session.events import Event
from cockpit.session.kinds import AgentStarted, RadarOverlap, SessionStarted
from cockpit.ui.diff_view import code_lines, highlight_block, lexer_for
from cockpit.ui.worktree_view import (
    WorktreeFold,
    isolation_badge,
    isolation_note,
    pane_radar,
    radar_lines,
)

BASE = "0123456789abcdef0123456789abcdef01234567"


def event(kind: str, data: dict[str, Any], agent: str | None = None) -> Event:
    return Event(
        seq=0, ts="2026-12-03T10:00:00.000000Z", session="s", kind=kind, agent=agent, data=data
    )


def radar(a: str, b: str, paths: list[str], conflict: bool = False, **more: Any) -> Event:
    data = {"agents": [a, b], "paths": paths, "conflict": conflict, **more}
    return event(RadarOverlap.kind, data)


def plain(fold: WorktreeFold) -> str:
    return "\n".join(line.plain for line in radar_lines(fold))


def test_the_latest_word_per_pair_counts_and_an_empty_one_clears_it() -> None:
    fold = WorktreeFold()
    assert fold.take(radar("builder", "builder2", ["src/a.py", "src/b.py"])) == {
        "builder",
        "builder2",
    }
    header = pane_radar("builder", fold)
    assert header is not None and header.plain == "⚠ overlaps builder2 (2 files)"
    assert "$warning" in str(header.spans)
    fold.take(radar("builder", "builder2", ["src/a.py"], True, conflicts=["src/a.py"]))
    header = pane_radar("builder2", fold)
    assert header is not None and header.plain == "✖ conflicts with builder: src/a.py"
    assert "$error" in str(header.spans)
    assert plain(fold) == "Conflict radar\n✖ builder ↔ builder2 conflict\n    src/a.py"
    assert fold.take(radar("builder", "builder2", [])) == {"builder", "builder2"}
    assert pane_radar("builder", fold) is None and radar_lines(fold) == []


def test_a_conflict_comes_first_and_the_others_are_counted() -> None:
    fold = WorktreeFold()
    fold.take(radar("a", "b", ["x.py"]))
    fold.take(radar("a", "c", ["y.py"], True, conflicts=["y.py"]))
    header = pane_radar("a", fold)
    assert header is not None and header.plain == "✖ conflicts with c: y.py +1"
    lines = plain(fold).split("\n")
    assert lines.index("✖ a ↔ c conflict") < lines.index("⚠ a ↔ b overlap")


def test_what_git_and_agents_named_is_shown_never_obeyed() -> None:
    fold = WorktreeFold()
    fold.take(radar("a", "b\x1b]0;owned\x07", ["src/\x1b[2Jx.py"], True))
    header = pane_radar("a", fold)
    assert header is not None
    assert "\x1b" not in header.plain and "\\x1b[2Jx.py" in header.plain
    assert "\x1b" not in plain(fold) and "\\x1b]0;owned\\x07" in plain(fold)


def test_the_badge_and_the_help_line_say_where_agents_work() -> None:
    fold = WorktreeFold()
    worktrees = {"mode": "worktrees", "base": BASE, "integration": "cockpit/s/integration"}
    fold.take(event(SessionStarted.kind, {"workspace": "/w", "isolation": worktrees}))
    fold.take(event(AgentStarted.kind, {"worktree": "/w/t", "branch": "cockpit/s/b"}, "b"))
    assert fold.base == BASE and fold.places["b"].branch == "cockpit/s/b"
    assert [isolation_badge(fold.isolation, d).plain for d in (2, 1, 0)] == [  # type: ignore[union-attr]
        "⎇ worktrees 0123456",
        "⎇ worktrees",
        "⎇ wt",
    ]
    assert "from the base 0123456789ab (merged onto cockpit/s/integration)" in (
        isolation_note(fold.isolation) or ""
    )
    shared = {"mode": "shared", "reason": "not a git repository: every agent works here"}
    assert isolation_badge(shared) is not None
    assert isolation_badge(shared).plain == "shared tree"  # type: ignore[union-attr]
    assert isolation_note(shared) == ("Shared tree: not a git repository: every agent works here")
    assert isolation_badge(None) is None  # a log from before worktrees says nothing


def test_hunk_lines_are_lexed_by_their_file_type() -> None:
    diff = [
        "diff --git a/src/a.py b/src/a.py",
        "@@ -1 +1,2 @@",
        "-x = 1",
        '+x = "two"',
        "diff --git a/notes.unknownext b/notes.unknownext",
        "@@ -0,0 +1 @@",
        "+def not code",
    ]
    found = code_lines(diff)
    assert [c is not None for c in found] == [False, False, True, True, False, False, True]
    assert lexer_for("src/a.py") is not None and lexer_for("notes.unknownext") is None
    spans = highlight_block(lexer_for("src/a.py"), ["x = 1", 'x = "two"'])
    assert [name for _, _, name in spans[0]] == ["number"]
    strings = "".join('x = "two"'[a:b] for a, b, name in spans[1] if name == "string")
    assert strings == '"two"'
