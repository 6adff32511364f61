"""A git worktree and a branch per writing agent, and removing them without losing work.

- `agents`    `isolation()`: `AgentWorktrees` (attach an agent: create, or re-attach on
              resume) or `SharedTree` (outside git, no commit yet, ``--shared-tree``)
- `include`   `.worktreeinclude`: the gitignored files copied into each new worktree
- `state`     `WorktreeState`: branch, head, base, unmerged commits, dirty files
- `removal`   `clean` (only merged and clean) and `discard` (after the human confirmed)
- `registry`  git's list of worktrees, and the lock a running session holds on its own
- `layout`    names: `cockpit/<session>/<agent>`, the integration branch, the base ref,
              `.cockpit/worktrees/<session>/<agent>` (why there: its docstring)
- `git`       git as a subprocess that fails closed, and `WorktreeError`

Above `safeguard` (it reuses `git_exclude` and `secret_paths`), below `agent`.
"""
