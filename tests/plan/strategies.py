"""Hypothesis strategies for plan-like text: random text alone rarely makes a task."""

from __future__ import annotations

from hypothesis import strategies as st

PIECES = [
    "# Phase",
    "## Phase 2 ##",
    "Setext",
    "===",
    "---",
    "- [ ] task @builder",
    "- [x] done task",
    "* [X] star @reviewer",
    "1. [ ] numbered",
    "  - [ ] nested",
    "\t- [ ] tabbed",
    "      verify: pytest",
    "      status: doing — note",
    "  status: wip",
    "verify: orphan",
    "```",
    "~~~",
    "    indented code",
    "<!--",
    "-->",
    "<!-- - [ ] hidden -->",
    "- [-] odd",
    "prose with @builder mention",
    "",
    "   ",
    "ünï 🚀",
]


@st.composite
def markdownish(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(st.sampled_from(PIECES), max_size=30))
    endings = draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(pieces)))
    text = "".join(piece + ending for piece, ending in zip(pieces, endings, strict=False))
    return text[: draw(st.integers(0, len(text)))] if draw(st.booleans()) else text
