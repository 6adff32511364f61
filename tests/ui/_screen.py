"""Reading the screen as a person sees it: the text of every row, as composed."""

from __future__ import annotations

from typing import Any

from textual.app import App


def screen_rows(app: App[Any]) -> list[str]:
    """The terminal's rows as plain text (what the human sees, colours aside)."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip).rstrip() for strip in strips]


def screen_text(app: App[Any]) -> str:
    return "\n".join(screen_rows(app))
