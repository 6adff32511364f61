"""`cockpit replay`: play a session log back, headless or on the screen.

- `cockpit.replay.index`: the index kept beside the log (``<session>.idx``): per event its
  byte offset, timestamp, kind and marker flags; verified and extended incrementally.
- `cockpit.replay.lines`: what the index reads from a line (kind codes, marker flags, time).
- `cockpit.replay.reader`: random access to events through the index, chain-checked.
- `cockpit.replay.states`: the session state at any event (checkpoints + a short fold).
- `cockpit.replay.player`: the transport (play, speed, idle cap, step, markers, seek,
  follow) with no Textual in it; its docstring is the API the screen uses.
- `cockpit.replay.details`: everything about one event (command, reasons, output, artifact).
- `cockpit.cli.replay`: the ``cockpit replay`` subcommand.

Nothing is imported here, so registering the subcommand stays cheap.
"""
