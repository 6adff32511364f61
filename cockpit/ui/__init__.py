"""The cockpit screen (Textual). The only package that imports Textual.

The CLI runs it (`cockpit.cli.screen`, `cockpit.cli.replay`). Importing this package
imports nothing else.
Attributes go down (the app sets what a screen shows), messages go up (a screen posts what
the human asked for; the app does it through the supervisor).

The live session:
- `app`: `CockpitApp`, wires one session's supervisor to the screen; opening and closing.
- `feed`: the supervisor's `SessionUpdate`s queued and merged, drained once per batch.
- `session_view`: the fold of the events shown, recent calls, the log view's lines.
- `screen`: `CockpitScreen`: status line, panes, plan view; its keys post messages.
- `agent_pane`: one pane per agent: a header over its transcript.
- `transcript`, `wrap`: an agent's styled lines, wrapped, bounded, selectable.
- `render`: events to styled lines (pure).
- `plan_view`: plan.md's phases and tasks, kept live.
- `board`: an ordered plan's task board (each task's state from the log's fold), pure.
- `inbox`, `approval`: the tier-3 prompt, one at a time, most critical first.
- `blocked`: the inbox's other item: a blocked task waiting for the human, its panel.
- `notify`: desktop notifications by escape sequence.
- `grants`, `grants_screen`: "allow for this session" offered, listed and revoked.
- `changes_view`: an agent's diff since the session started (its worktree against the base).
- `diff_view`: a diff's code syntax-coloured by file type, lazily, block by block.
- `worktree_view`: where agents work (the top line's badge) and the conflict radar on the
  panes' headers and in the plan view: a fold of the logged events (pure).
- `recent`, `live_details`: Enter on a pane: the agent's recent calls in full.
- `dialogs`, `help_keys`: the message box, the help page and the log view.
- `settings`: Textual bindings built from the one key table (`cockpit.config.keys`).

Replay:
- `replay`: `ReplayApp`, a session log played through the live panes.
- `replay_screen`: `ReplayScreen`, the live screen with the transport's keys.
- `replay_transport`: the player on its own thread, reporting to the screen.
- `replay_view`: the replay's own lines (timeline, frame), pure.
- `branch_diff`: an agent's branch as it is now against the session's base (replay's diff).
- `merge_screen`: the merge key's page: the ceremony's outcome, then the bring-in question.
"""
