"""The session log: an append-only, hash-chained JSONL file that resume, replay and audit read.

- `cockpit.session.events`: the envelope of a line (`Event`), its byte format and schema.
- `cockpit.session.kinds`: one frozen dataclass per event kind, the registry, `UnknownEvent`;
  derived facts (`ApprovalResolved.granted`, `ModelMessage.text`) are written there once.
- `cockpit.session.log`: the writer (durable appends, group commit, artifacts, recovery).
- `cockpit.session.chain`: reading and checking the chain; `verify`: what a log must satisfy
  beyond it; `keys`: the user's log key and anchors (the keyed chain).
- `cockpit.session.state`: the fold of events into the state resume, replay and the screen use.
- `cockpit.session.audit`, `violations`, `show`: the audit report and ``cockpit log show``.
- `cockpit.session.status`: the agent statuses; `redact`, `encodings`, `dumps`: secrets
  never reach the log.

Nothing is imported here.
"""
