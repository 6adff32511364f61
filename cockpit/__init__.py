"""cockpit: a terminal cockpit for supervising coding agents.

The packages, top down: each imports only from those below it (an import-linter layers
contract in pyproject.toml, type-only imports counted, no cycles in any package).

- `cli`         the entry layer: argparse, `Settings` built and passed down, all printing
- `ui`          the Textual screen (the only package that imports Textual), and replay's
- `supervisor`  one session: agents, approvals, plan steering, launch, headless driving
- `agent`       an agent's definition, its runtime (turns, tool gate), tools, backends
- `merge`       agents' branches brought back: scope check, merge ceremony, conflict radar
- `policy`      the tiered-autonomy classifier: shell parsing, programs, rules, scope
- `plan`        plan.md parsed, rendered byte for byte, diffed, watched, updated
- `replay`      a session log played back: index, reader, states, player, details
- `worktrees`   a git worktree and branch per writing agent; removing them losing nothing
- `safeguard`   git snapshots before tier-2 actions, and rollback
- `session`     the hash-chained log: events and their typed kinds, state, audit, redaction
- `sandbox`     agents' commands inside bubblewrap: the boundary, the executor, the probe
- `config`      paths, the config file, the key table, the user's folder, YAML with lines
- `safe_text`   control and invisible characters shown as escapes, on every surface
- `errors`      `CockpitError` and its kinds: what the CLI turns into one line
- `__main__`    `python -m cockpit`
"""

__version__ = "0.1.0"
