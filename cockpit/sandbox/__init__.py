"""The OS sandbox: every command cockpit runs for an agent, inside bubblewrap. What the
classifier misses, the operating system stops. No Textual, no policy: the policy decides
the `Boundary`, this package enforces it.

- `boundary`  `Boundary`, `Limits`, `Outcome`, `BlockedBy` and the `Executor` protocol
- `paths`     what is masked and read-only: `rules/sandbox.yaml` + `.cockpit/sandbox.yaml`
- `git_guard` what a command changed at the top of `.git` beyond git's working files, undone
- `pids`      `alive(pid)`: a killed cockpit's leftovers (named by pid) told from a live one's
- `files`     `FileWalls`: the same walls for the file tools, checked in-process
- `bwrap`     `bwrap_args`: the whole bubblewrap argument list, in one function
- `cgroup`    a cgroup per call: pids where RLIMIT_NPROC does not apply (root), and memory
- `local`     `LocalBwrap`: the executor that runs a command through bwrap here
- `unsandboxed` `Unsandboxed`: the executor the user chose with --no-sandbox (same limits)
- `streams`   reading a command's output within its limits: shared by the executors
- `files`     the file tools' walls: the same roots, checked in-process
- `blocked`   which boundary a failed command ran into, from its output
- `probe`     can bwrap run here, and if not, one line with the cause and the fix
- `trial`     the escapes `cockpit sandbox check` tries, and what happened
"""
