"""The entry layer: argparse and everything printed or asked on the terminal. No other
package prints; this one builds the `Settings` and the launch options and passes them down.

- `main`      `cockpit`: the command table, dispatch, every failure as one line
- `run`       `cockpit run` and `cockpit resume` (screen or `--headless`)
- `screen`    a session on the screen, and what the terminal says after it
- `headless`  the console of a headless session: event lines, tier-3 questions
- `farewell`  each agent's final status, the log, the command that carries on
- `demo`      `cockpit demo`: an offline session with scripted agents
- `replay`    `cockpit replay`: the replay screen, or paced `log show` lines
- `log`       `cockpit log ...` and `cockpit audit`
- `policy`    `cockpit check`, `cockpit rules`, `cockpit rollback`
- `agents`    `cockpit agents`
- `init`      `cockpit init [--team NAME]`: a team's agents, rules and plan.md template
- `sandbox`   `cockpit sandbox check`: escapes tried through bwrap, what holds
- `worktrees` `cockpit worktrees [--json]`, `worktrees clean`, `worktrees discard`
- `merge`     `cockpit merge [SESSION] [--bring-in]`: the merge ceremony, offline
"""
