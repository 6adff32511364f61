"""The merge key on the screen: the ceremony merges the finished builder's branch onto the
integration branch (if the phase's own ceremony has not already), the page says what
happened, and only a y brings it into the user's branch (a fast-forward), which the log
records as the human's."""

from __future__ import annotations

import subprocess
from pathlib import Path

from textual.widgets import Static

from cockpit.ui.merge_screen import MergeScreen
from tests.ui._session import events, make_app, make_workspace, prepare, stop
from tests.waiting import wait_until

BUILDING = """
agents:
  builder:
    - calls:
        - write_file: {path: src/shop.py, content: "PRICE = 3\\n"}
        - update_task: {task: "Clean the build folder", status: done}
    - text: "Done."
"""


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    return done.stdout.strip()


def _page(screen: MergeScreen) -> str:
    return "\n".join(str(s.render()) for s in screen.query(Static))


async def _merge_screen(app: object, pilot: object) -> MergeScreen:
    from cockpit.ui.app import CockpitApp

    assert isinstance(app, CockpitApp)
    await wait_until(
        lambda: app.supervisor.statuses().get("builder") == "done",
        what="the builder to finish",
        pause=pilot.pause,  # type: ignore[attr-defined]
    )
    await pilot.press("M")  # type: ignore[attr-defined]
    await wait_until(
        lambda: isinstance(app.screen, MergeScreen),
        what="the merge page",
        pause=pilot.pause,  # type: ignore[attr-defined]
    )
    assert isinstance(app.screen, MergeScreen)
    return app.screen


async def test_m_merges_and_y_brings_the_work_into_the_users_branch(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    head = _git(root, "rev-parse", "HEAD")
    prepared = prepare(root, BUILDING, agents=["builder"], shared_tree=False)
    app = make_app(prepared)
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            screen = await _merge_screen(app, pilot)
            page = _page(screen)
            # merged now, or already by the phase's own ceremony (merge: auto)
            assert "builder: merged" in page or "builder: already merged" in page
            assert "Bring it into your branch?" in page and "src/shop.py" in page
            assert "fast-forward" in page
            assert _git(root, "rev-parse", "HEAD") == head  # nothing yet: it asks first
            await pilot.press("y")
            await wait_until(
                lambda: _git(root, "rev-parse", "HEAD") != head,
                what="the bring-in",
                pause=pilot.pause,
            )
        finally:
            await stop(app)
    assert (root / "src" / "shop.py").read_text() == "PRICE = 3\n"
    [brought] = events(prepared, "merge.brought")
    assert brought["data"]["by"] == "human" and brought["data"]["fast_forward"] is True
    # nothing else changed in the checkout: plan.md has the ticked box, as always
    assert _git(root, "status", "--porcelain") == "M plan.md"


async def test_n_leaves_the_users_checkout_as_it_was(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop")
    head = _git(root, "rev-parse", "HEAD")
    prepared = prepare(root, BUILDING, agents=["builder"], shared_tree=False)
    app = make_app(prepared)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            await _merge_screen(app, pilot)
            await pilot.press("n")
            await wait_until(lambda: app.screen is app.main, pause=pilot.pause)
        finally:
            await stop(app)
    assert _git(root, "rev-parse", "HEAD") == head
    assert not (root / "src").exists()
    assert events(prepared, "merge.brought") == []
    assert [e["agent"] for e in events(prepared, "merge.advanced")] == ["builder"]


async def test_in_a_shared_tree_the_merge_key_says_there_is_nothing_to_merge(
    tmp_path: Path,
) -> None:
    root = make_workspace(tmp_path / "shop")
    prepared = prepare(root, BUILDING, agents=["builder"], shared_tree=True)
    app = make_app(prepared)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            await wait_until(
                lambda: app.supervisor.statuses().get("builder") == "done", pause=pilot.pause
            )
            await pilot.press("M")
            await wait_until(lambda: app.supervisor.ceremony.problem is not None, pause=pilot.pause)
            assert "share one tree" in (app.supervisor.ceremony.problem or "")
            assert app.screen is app.main
        finally:
            await stop(app)
    assert events(prepared, "merge.started") == []
