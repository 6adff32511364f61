"""Bringing agents' work back: the scope check after the fact, the merge ceremony's engine
and the conflict radar. Everything runs on git plumbing in a subprocess and never touches
the user's checkout or index; a git failure is an error, never a guess.

- `git`          running git (async), `MergeError`, cockpit's identity for merge commits
- `names`        the session's branch names: `cockpit/<session>/<agent>`, `.../integration`
- `changes`      every path a branch and its worktree changed against the base
- `scope_check`  those paths against the agent's write scope: a `Quarantine`, or None
- `plumbing`     `merge-tree`, `commit-tree`, compare-and-swap `update-ref`, ref lookups
- `checkout`     a throwaway worktree of one commit, for the integration checks
- `ceremony`     `run_ceremony`: merge, check, advance or skip, one event per step
- `tips`         an agent's uncommitted work as one commit (fixed date: same work, same SHA)
- `radar`        `Radar`: overlapping changes between agents, and real conflicts

It sits above the policy (a scope is the policy's `WriteScope`, matched by its own globs)
and below the supervisor, which will run it.
"""
