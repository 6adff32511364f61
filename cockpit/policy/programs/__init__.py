"""What each program does with its arguments: one module per family of programs, each a
table of handlers that report findings on one invocation, and the registry that picks one.
Above `shell`, below `rules` and `classify`.

- `knowledge`        what a handler sees: `Invocation`, `Ctx`, `Handler`, argument parsing
- `registry`         which handler handles which program (`handler_for`)
- `system`           network clients, containers, services, processes, harmless builtins
- `packages`         package managers: project installs, user/system installs, publishing
- `interpreters`     language runtimes and build tools, inline code and piped code
- `readers`          programs that read files (pagers, filters, searchers, checksums)
- `scripts`          sed and awk, whose scripts can run programs and write files
- `fs`               programs that create, change, move or delete files; `find`, `fd`
- `git`              git, argument by argument, dispatching to `git_subcommands`
- `git_subcommands`  git's subcommands one by one: read-only, local, remote, destructive
- `wrappers`         programs that run other programs (`timeout`, `sudo`, shells, `eval`)
- `env_vars`         environment variables that change what programs run (`LD_PRELOAD`...)
"""
