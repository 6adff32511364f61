"""The tier-2 safeguard: git snapshots of the working tree before a risky action, and the
rollback that restores one. It is not shell knowledge: the policy says *when* to snapshot,
this package says *how*, and keeps secrets and `.cockpit/` out of every snapshot.

- `snapshots`      `Safeguard` and `Snapshot`: take, list and restore snapshots (GitPython)
- `session_index`  a session's own git index, so a snapshot hashes only what changed
- `git_exclude`    keeps `.cockpit/` out of `git status` without touching `.gitignore`
- `secret_paths`   where secrets live on disk; the policy reads the same list (tier 3)

Import `Safeguard` and `Snapshot` from `snapshots`, when they are used: GitPython is not
needed before a session opens. This package imports nothing.
"""
