"""The supervisor: one session's agents, approvals and plan, driven from the screen or not.

Map (each module does one thing; the arrows of the layers point down this list):

- `core`: `Supervisor`, the agents' host: log first, then publish; the human's commands.
- `updates`: `SessionUpdate` (`Logged`, `StreamChunk`, `ApprovalAsked`), the one stream a
  screen or a terminal subscribes to, and `PendingApproval`.
- `approvals`: `ApprovalDesk`, the tier-3 queue: requests, answers, timeouts, session grants.
- `places`: `Workplaces`: where each agent works (its own worktree, or the shared tree),
  with the toolbox, policy and snapshots of that folder.
- `worktree_changes`: an agent's whole diff in its worktree against the session's base.
- `radar_watch`: `RadarWatch`: the conflict radar while agents work (``radar.overlap``).
- `snapshots`: git snapshots at the start and before tier-2 actions; each agent's changes.
- `crew`: `AgentCrew` and `AgentSetup`: a runtime and an asyncio task per agent.
- `steering`: `PlanSteering`: plan.md watched, task updates written, agents redirected.
- `launch`: assembling a session (new or resumed) from the workspace's files.
- `headless`: a session without the screen: `log show` lines and questions on the terminal.
- `ceremony`: the merge ceremony's driver (triage, commit, merge with checks, notes), for
  `cockpit merge` and the live session; `merge_triage`: which agents are queued and why the
  others are not; `merge_checks`: the integration checks through policy and sandbox;
  `merge_bring`: the integration branch into the user's branch, on the human's yes.
- `merging`: `LiveCeremony`, the ceremony inside a running session: on the merge key, and
  by itself when a phase's building is done; each verified task committed on its branch.
- `schedule`: `Scheduler`, an ordered plan's tasks handed over in their order, the task
  board (``task.state``), phases and gates, red first, escalation to the lead and the human.
- `checked_run`: a command cockpit runs on its own account (a check, a gate, red first)
  through the policy and the sandbox.
- `escape_hatch`: `EscapeHatch`, the escape hatch live: what exhausts a task's approach,
  the rollback, the agent told, its hypothesis asked, the report written, the task blocked.
- `escape`: the escape hatch's counting: `Attempts` of one task (failed verifies, stuck
  loops, stalls) give a `Verdict` (go on, shift strategy, exhausted), rebuilt from the log.
- `strategy_rollback`: `roll_back`, an exhausted strategy's tree back to the snapshot it
  began with (only the agent's paths in a shared tree), with what was thrown away.
- `blocker_report`: `BLOCKER_REPORT.md` of an exhausted task, safe from the agents' output.
"""
