"""Agents: who they are (their files), how one runs (its loop through the policy's gate),
and the model backends behind them. Above the policy (it asks it), below the supervisor
(which hosts each loop). The layers: catalog > claude_code > definition; runtime > turns |
gate > steps > boundary.

- `definition`     cockpit's agent files: name, tools, model, write scope, system prompt
- `claude_code`    Claude Code subagent files, read the way Claude Code reads them
- `catalog`        every agent a workspace can run, built-ins overridden by name
- `project_rules`  the repository's `AGENTS.md` / `CLAUDE.md`, given to every agent
- `models`         model aliases and prices
- `credentials`    where the model API is and how to authenticate (environment)
- `backends/`      the model backends: one small interface, Anthropic, scripted
- `host`           what a loop needs from its session (`AgentHost`), approval words
- `runtime`        `AgentRuntime`: the loop, and the supervisor's commands to it
- `turns`          the model's side: one turn streamed, watched, redirected, logged
- `gate`           each tool call through the policy: decide, ask, snapshot, run
- `steps`          the state and logged steps that `turns` and `gate` share
- `boundary`       a tool call as a policy action, and the policy's answer for this agent
- `calls`          tool calls as the API and the log see them: blocks, results
- `tools`          the tools an agent may call: schemas, input checks, running them
- `output`         a command's output on its way to the log, cut without cutting secrets
- `environment`    the environment a command sees: cockpit's secrets scrubbed
- `changes`        what an agent changed: per-write diffs and its whole diff
- `watchdog`       a model request that never answers is bounded, and says so
"""
