"""A 2 MB diff opens at once: the code is lexed block by block as it is drawn, never the
whole diff up front."""

from __future__ import annotations

import time

from textual.app import App

from cockpit.agent.changes import AgentChanges
from cockpit.ui.changes_view import ChangesScreen
from cockpit.ui.diff_view import BLOCK_LINES, DiffTranscript
from tests.waiting import wait_until


def big_diff(lines: int) -> AgentChanges:
    body = [
        f"+def f{i}(x):  # step {i}" if i % 2 else f'+    return x + "{i}"' for i in range(lines)
    ]
    diff = "\n".join(
        [
            "diff --git a/src/big.py b/src/big.py",
            "new file mode 100644",
            "--- /dev/null",
            "+++ b/src/big.py",
            f"@@ -0,0 +1,{lines} @@",
            *body,
        ]
    )
    return AgentChanges("builder", "abc", diff, ["src/big.py"])


async def test_a_two_megabyte_diff_opens_at_once_and_colours_only_what_is_drawn() -> None:
    changes = big_diff(70_000)
    assert len(changes.diff) > 2_000_000 - 400_000
    app: App[None] = App()
    async with app.run_test(size=(120, 40)) as pilot:
        began = time.perf_counter()
        app.push_screen(ChangesScreen(changes))
        await wait_until(
            lambda: (
                isinstance(app.screen, ChangesScreen)
                and any(t.highlighted_blocks for t in app.screen.query(DiffTranscript))
            ),
            what="the first screenful drawn",
            pause=pilot.pause,
        )
        transcript = app.screen.query_one(DiffTranscript)
        opened = time.perf_counter() - began
        assert transcript.line_count > 70_000
        assert transcript.highlighted_blocks == 1  # the first screenful's block
        transcript.action_scroll_end()
        await wait_until(lambda: transcript.highlighted_blocks > 1, pause=pilot.pause)
        assert transcript.highlighted_blocks == 2  # and the last one's, nothing between
        assert 70_000 // BLOCK_LINES > 300
        assert opened < 5.0, f"{opened:.2f} s to open"
