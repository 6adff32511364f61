"""Tiered autonomy: classify shell commands and file tool calls into tier 1, 2, 3 or deny.

policy = Policy.load(workspace_root)           # cockpit.policy.engine
decision = policy.classify(ShellAction("git status && pwd", cwd))   # cockpit.policy.model
decision.tier            # Tier.RUN (logged as 1)
decision.to_dict()       # {"tier": 1, "reasons": [...], "rules": [...]}
decision.network         # False: the sandbox runs it without the network
policy.assess(action, scope=agent.write_scope)  # an agent's action, its scope included

Import each name from its own module: the tiers and decisions (`model`) are small and every
agent module needs them, while the engine (tree-sitter, the bash grammar, the rule
modules) is tens of milliseconds that the screen's first frame does not wait for. This
package imports nothing.

The layers, bottom up (each imports only from those before it):

- `model`      the vocabulary: actions in (`ShellAction`, `FileAction`), `Tier` (an ordered
               enum, written 1/2/3/"deny"), `Decision` and `Assessment` out
- `paths`      where a path really points: cwd, workspace, symlinks followed
- `remotes`    the git remotes a repository's `.git/config` names (read, git never run)
- `shell/`     bash parsing and words: a command line -> the simple commands it runs
- `programs/`  one module per program family, and the registry that picks the handler
- `rules/`     rule files, how rules match, the built-in checks, session grants
- `subjects`   what a decision is about, and how its items settle into one tier
- `effects`    what a command does to paths: reads, writes, deletes, checked
- `classify`   one pure function from an action to a `Decision`
- `scope`      `WriteScope`: one agent's write scope, decided as a deny naming its file
- `engine`     `Policy`: the rules, the grants, `classify`, and `assess` for one agent

Git snapshots (`Safeguard`) live in `cockpit.safeguard`; `cockpit check`, `cockpit rules`
and `cockpit rollback` in `cockpit.cli.policy`.
"""
