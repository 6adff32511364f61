"""Assemble a session: workspace, log, policy, safeguard, agents, backends, supervisor.

Used by the headless run, the screen and the demo alike, so all three run the same session.
A new session is assembled in two steps, `begin_new` (the choices, and every mistake in
the user's files they reveal) and `NewSession.open` (the policy, the log, the supervisor),
so that the screen can draw its first frame in between; this module imports the second
step's machinery only when it runs.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.agent.catalog import AgentCatalog, load_agents, startup_notices
from cockpit.agent.credentials import credentials_from_env
from cockpit.agent.definition import AgentDefinition, compose_system_prompt
from cockpit.agent.models import session_model
from cockpit.agent.watchdog import ModelLimits
from cockpit.config.settings import Settings
from cockpit.config.workspace import Workspace
from cockpit.errors import CockpitError, LogError, UsageError
from cockpit.plan.document import Plan, load_plan
from cockpit.plan.model import Task, TaskState
from cockpit.safe_text import visible
from cockpit.session.kinds import SessionStarted
from cockpit.session.status import AgentStatus

if TYPE_CHECKING:
    from cockpit.agent.backends.base import Backend
    from cockpit.policy.engine import Policy
    from cockpit.sandbox.boundary import Executor
    from cockpit.session.log import SessionLog
    from cockpit.session.state import SessionState
    from cockpit.supervisor.core import AgentSetup, Supervisor
    from cockpit.worktrees.agents import AgentWorktrees, SharedTree

BackendFactory = Callable[[AgentDefinition, int], "Backend"]


@dataclass
class LaunchOptions:
    """What the command line (or the screen) asked for."""

    workspace: Workspace
    agents: list[str] | None = None
    plan: Path | None = None
    goal: str | None = None
    session_dir: Path | None = None
    script: Path | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    keep_alive: bool = False
    headless_deny: bool = False
    approval_timeout_s: float | None = None
    continue_tasks: bool | None = None
    """On resume, restart finished agents whose plan.md tasks are still open: True, False,
    or None to ask `confirm` (and, without it, only say how)."""
    confirm: Callable[[str], bool] | None = None
    """Asks the human a yes/no question before the session starts (None: no one to ask)."""
    model: str | None = None
    """The session's model (`--model`), for agents that name none or say `inherit`."""
    settings: Settings = field(default_factory=Settings)
    """The workspace's `.cockpit/config.yaml`, read by the CLI (the defaults otherwise)."""
    no_sandbox: bool = False
    """`--no-sandbox`: the user chose to run agents' commands with their full authority."""
    base: str | None = None
    """`--base REF`: where the agents' branches start (HEAD by default)."""
    shared_tree: bool = False
    """`--shared-tree`: every agent works in the workspace itself, as before worktrees."""

    @property
    def plan_path(self) -> Path:
        if self.plan is None:
            return self.workspace.root / "plan.md"
        return self.plan if self.plan.is_absolute() else self.workspace.root / self.plan

    @property
    def sessions_dir(self) -> Path:
        return self.session_dir or self.workspace.sessions_dir


@dataclass
class Prepared:
    """A session ready to start (or continue)."""

    supervisor: Supervisor
    log: SessionLog
    setups: list[AgentSetup]
    kickoff: dict[str, str]
    started: SessionStarted
    """What the launcher chose, for ``session.started`` (empty on a resume)."""
    state: SessionState | None = None
    recovered: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    """One-line warnings to show once at the start (on the screen, or printed headless):
    a skipped agent file as `file:line: reason`, a plan problem with its line."""

    @property
    def session(self) -> str:
        return self.log.session


def backend_factory(options: LaunchOptions, recorded: Mapping[str, Any]) -> BackendFactory:
    """Scripted when a script is given (or was used by the session being resumed)."""
    script = options.script or (
        Path(recorded["script"]) if recorded.get("name") == "scripted" else None
    )
    if script is not None:
        from cockpit.agent.backends.scripted import ScriptedBackend, load_script

        loaded = load_script(script)

        def scripted(defn: AgentDefinition, played: int) -> Backend:
            backend = ScriptedBackend(
                loaded.agents.get(defn.name, ()), agent=defn.name, done_text=loaded.done_text
            )
            backend.skip(played)
            return backend

        return scripted
    # The SDK is not imported here: it loads at the first model turn, after the first frame.
    credentials = credentials_from_env(options.env)  # says what to set when nothing is

    def anthropic(defn: AgentDefinition, played: int) -> Backend:
        from cockpit.agent.backends.deferred import DeferredAnthropic

        del played
        return DeferredAnthropic(credentials)

    return anthropic


def _backend_record(options: LaunchOptions) -> dict[str, Any]:
    if options.script is not None:
        return {"name": "scripted", "script": str(options.script.resolve())}
    return {"name": "anthropic", "base_url": options.env.get("ANTHROPIC_BASE_URL", "")}


def choose_agents(
    options: LaunchOptions, definitions: Mapping[str, AgentDefinition], plan: Plan
) -> list[str]:
    """--agents, else the owners named in plan.md, else the planner alone."""
    if options.agents:
        names = options.agents
    else:
        owners = [t.owner for t in plan.tasks if t.owner]
        names = list(dict.fromkeys(o for o in owners if o in definitions)) or ["planner"]
    unknown = [n for n in names if n not in definitions]
    if unknown:
        known = ", ".join(sorted(definitions))
        raise UsageError(f"no agent named {', '.join(unknown)} (agents here: {known})")
    return names


def kickoff_message(name: str, options: LaunchOptions, plan: Plan) -> str:
    """The first user message an agent gets: the goal, the plan, its tasks."""
    goal = options.goal or "(none given: work from plan.md)"
    parts = [f"Session goal: {goal}", ""]
    if plan.text.strip():
        parts += [f"plan.md ({options.plan_path}):", "```markdown", plan.text.rstrip(), "```"]
        mine = plan.tasks_for(name)
        if mine:
            parts += ["", "Your tasks:", *(f"- {t.title}" for t in mine)]
        else:
            parts += ["", "No task in plan.md is assigned to you yet."]
        if plan.ordered:
            parts += [
                "",
                "plan.md gives the order of the work: cockpit hands you your tasks one at a "
                "time, each when the tasks it waits for are done and its phase is open. Work "
                "only on the task handed to you.",
            ]
    else:
        parts.append("There is no plan.md yet.")
        if name == "planner":
            parts.append("Write plan.md for the goal above.")
    return "\n".join(parts)


def _open_session(
    options: LaunchOptions,
    log: SessionLog,
    env: Mapping[str, str],
    definitions: Mapping[str, AgentDefinition],
    make_backend: BackendFactory,
    sandbox: SandboxChoice,
    plan: Plan | None = None,
    *,
    policy: Policy | None = None,
    model_limits: ModelLimits | None = None,
) -> Supervisor:
    from cockpit.agent.environment import scrubbed_env
    from cockpit.agent.tools import Toolbox
    from cockpit.policy.engine import Policy
    from cockpit.safeguard.snapshots import Safeguard
    from cockpit.supervisor.core import AgentSetup, Supervisor

    root = options.workspace.root
    isolation = choose_isolation(options, log.session)

    def spawn(name: str) -> AgentSetup | None:
        defn = definitions.get(name)
        if defn is None:
            return None
        return AgentSetup(
            defn, compose_system_prompt(defn, options.workspace), make_backend(defn, 0)
        )

    if policy is None:
        policy = Policy.load(root, plan=options.plan_path)
    if model_limits is None:
        model_limits = options.settings.model
    # Said once at the start instead (`git_notice`): a warning printed from a worker
    # thread would land on the screen raw; each skipped snapshot is in the log too.
    safeguard = Safeguard(root, log.session, warn=lambda _message: None)
    agent_env = scrubbed_env(env)

    def make_toolbox(
        folder: Path, branch: str | None = None, plan: tuple[Path, Path] | None = None
    ) -> Toolbox:
        return Toolbox(
            folder,
            agent_env,
            log,
            sandbox.executor,
            options.settings.sandbox,
            walls_env=env,
            protected=(options.plan_path,),
            branch=branch,
            plan=plan,
        )

    toolbox = make_toolbox(root)
    return Supervisor(
        root,
        log,
        policy,
        safeguard,
        toolbox,
        keep_alive=options.keep_alive,
        approval_timeout_s=options.approval_timeout_s,
        approval_timeouts=options.settings.approvals.timeouts,
        headless_deny=options.headless_deny,
        plan_path=options.plan_path,
        spawn=spawn,
        agent_names=definitions,
        model_limits=model_limits,
        plan=plan,
        isolation=isolation,
        make_toolbox=make_toolbox,
        merge=options.settings.merge,
        orchestration=options.settings.orchestration,
    )


def choose_isolation(options: LaunchOptions, session: str) -> AgentWorktrees | SharedTree:
    """A worktree per agent in a git repository with a commit; otherwise (or with
    ``--shared-tree``) the one tree, and why. On resume the recorded base is kept.

    Raises:
        WorktreeError: ``--base`` names no commit, or another base than the session's.
    """
    from cockpit.worktrees.agents import isolation

    return isolation(options.workspace.root, session, options.base, shared=options.shared_tree)


def isolation_record(chosen: AgentWorktrees | SharedTree) -> dict[str, Any]:
    """How ``session.started`` says where the agents work."""
    from cockpit.worktrees.agents import SharedTree

    if isinstance(chosen, SharedTree):
        return {"mode": "shared", "reason": chosen.reason}
    return {"mode": "worktrees", "base": chosen.base, "integration": chosen.integration}


@dataclass
class NewSession:
    """A new session decided but not yet open: its agents, plan and backends are chosen
    and every mistake of the user's files that these reveal is reported (`begin_new`);
    `open` then loads the policy, creates the log and builds the supervisor.

    The screen draws its first frame from this (the agents' panes, the plan) and opens
    the session after it: the policy engine and the session machinery are a good part of
    the start-up time, and nothing on the first frame needs them.
    """

    options: LaunchOptions
    sandbox: SandboxProbe
    definitions: AgentCatalog
    names: list[str]
    plan: Plan
    model: str
    make_backend: BackendFactory
    prompts: dict[str, str]
    model_limits: ModelLimits
    notices: list[str] = field(default_factory=list)

    @property
    def agents(self) -> list[tuple[str, str]]:
        """Each agent's name and model, as its pane shows them."""
        return [(n, self.definitions[n].model) for n in self.names]

    def open(self) -> Prepared:
        """Load the policy (a bad rule file raises before any log exists), create the
        session log, build the supervisor."""
        from cockpit.policy.engine import Policy
        from cockpit.session.events import new_session_id
        from cockpit.session.log import SessionLog
        from cockpit.supervisor.core import AgentSetup

        options = self.options
        sandbox = self.sandbox.result()  # bwrap cannot run here: raises before any log
        policy = Policy.load(options.workspace.root, plan=options.plan_path)
        setups = [
            AgentSetup(
                self.definitions[n], self.prompts[n], self.make_backend(self.definitions[n], 0)
            )
            for n in self.names
        ]
        session = new_session_id()
        log = SessionLog.create(options.sessions_dir / f"{session}.jsonl", session, env=options.env)
        try:
            supervisor = _open_session(
                options,
                log,
                options.env,
                self.definitions,
                self.make_backend,
                sandbox,
                self.plan,
                policy=policy,
                model_limits=self.model_limits,
            )
        except Exception:
            log.close()
            raise
        return Prepared(
            supervisor=supervisor,
            log=log,
            setups=setups,
            kickoff={n: kickoff_message(n, options, self.plan) for n in self.names},
            started=SessionStarted(
                goal=options.goal,
                backend=_backend_record(options),
                model=self.model,
                skipped_agents=self.definitions.skipped_records(),
                sandbox=sandbox.label,
                isolation=isolation_record(supervisor.isolation),
            ),
            # after the first frame: it asks git (the first frame's notices are the ones above)
            notices=[*self.notices, *running_sessions_notice(options.workspace)],
        )


@dataclass(frozen=True)
class SandboxChoice:
    """How agents' commands run in this session, and how `session.started` says it."""

    executor: Executor
    label: str


def choose_sandbox(options: LaunchOptions) -> SandboxChoice:
    """bubblewrap, or no sandbox when the user chose that (`--no-sandbox`, `sandbox: off`).
    Never a silent fallback: where bwrap cannot run this raises with the cause and fix.

    Raises:
        SandboxUnavailable: bwrap is missing or cannot make its namespaces here.
    """
    from cockpit.sandbox.local import LocalBwrap
    from cockpit.sandbox.probe import SandboxUnavailable, require
    from cockpit.sandbox.unsandboxed import Unsandboxed

    if options.no_sandbox:
        return SandboxChoice(Unsandboxed(), "off (--no-sandbox)")
    if not options.settings.sandbox.enabled:
        return SandboxChoice(Unsandboxed(), "off (sandbox: off in .cockpit/config.yaml)")
    try:
        bwrap = require()
    except SandboxUnavailable as exc:
        raise SandboxUnavailable(
            f"{exc}; cockpit does not start agents without it. To run them unsandboxed "
            "anyway (their commands get your full authority): --no-sandbox, or "
            "`sandbox: off` in .cockpit/config.yaml"
        ) from None
    return SandboxChoice(LocalBwrap(bwrap), f"bwrap {bwrap}")


class SandboxProbe:
    """`choose_sandbox` on a thread, started with the launch and awaited when the session
    opens: trying bwrap takes a process start, which the first frame need not wait for.
    Whether the session is sandboxed at all is known at once (it is the user's choice)."""

    def __init__(self, options: LaunchOptions) -> None:
        self.sandboxed = not options.no_sandbox and options.settings.sandbox.enabled
        self._choice: SandboxChoice | None = None
        self._error: CockpitError | None = None
        self._thread = threading.Thread(target=self._choose, args=(options,), daemon=True)
        self._thread.start()

    def _choose(self, options: LaunchOptions) -> None:
        try:
            self._choice = choose_sandbox(options)
        except CockpitError as exc:
            self._error = exc

    def result(self) -> SandboxChoice:
        """The choice; raises what choosing raised (bwrap cannot run here)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._choice is not None
        return self._choice


def begin_new(options: LaunchOptions) -> NewSession:
    """A new session's choices (agents, plan, model, backends), checked: a missing key, an
    unknown agent, a bad config.yaml or a missing built-in raise here."""
    workspace = options.workspace
    model = session_model(options.model, options.env)
    definitions = load_agents(workspace, default_model=model)
    plan = load_plan(options.plan_path)
    names = choose_agents(options, definitions, plan)
    make_backend = backend_factory(options, {})  # a missing key is said before anything runs
    prompts = {n: compose_system_prompt(definitions[n], workspace) for n in names}
    return NewSession(
        options=options,
        sandbox=SandboxProbe(options),  # last: it starts a thread
        definitions=definitions,
        names=names,
        plan=plan,
        model=model,
        make_backend=make_backend,
        prompts=prompts,
        model_limits=options.settings.model,
        notices=[*git_notice(workspace), *startup_notices(definitions, names, model)],
    )


def prepare_new(options: LaunchOptions) -> Prepared:
    """A new session: choose agents, create the log, build the supervisor."""
    return begin_new(options).open()


def running_sessions_notice(workspace: Workspace) -> list[str]:
    """Another cockpit running in this repository (it holds its agents' worktrees): both
    read plan.md, and both would do its tasks."""
    from cockpit.worktrees.registry import running_sessions

    others = running_sessions(workspace.root)
    if not others:
        return []
    return [
        f"another cockpit is running in this repository ({', '.join(others)}): both read "
        "plan.md and both will take its tasks; quit one of them unless that is what you want"
    ]


def git_notice(workspace: Workspace) -> list[str]:
    """Outside git, say once that tier-2 actions cannot be snapshotted."""
    if (workspace.root / ".git").exists():
        return []
    return [
        f"{workspace.root} is not a git repository: tier-2 actions run without a snapshot "
        "and cannot be rolled back (run `git init` to have them)"
    ]


def find_session(sessions_dir: Path, session: str | None) -> Path:
    """The log of ``session`` (an id or a path), or the latest one."""
    if session:
        candidate = Path(session)
        if candidate.suffix == ".jsonl" and candidate.exists():
            return candidate
        path = sessions_dir / f"{session}.jsonl"
        if path.exists():
            return path
        raise UsageError(f"no session {session} in {sessions_dir}")
    logs = sorted(sessions_dir.glob("*.jsonl")) if sessions_dir.is_dir() else []
    if not logs:
        raise UsageError(f"no session to resume in {sessions_dir}; start one with `cockpit`")
    return logs[-1]


def prepare_resume(options: LaunchOptions, session: str | None) -> Prepared:
    """Reopen a session's log (cutting a torn tail), fold it, rebuild its agents."""
    from cockpit.agent.changes import ChangeTracker
    from cockpit.session.chain import read_events
    from cockpit.session.log import SessionLog
    from cockpit.session.state import StateBuilder
    from cockpit.supervisor.core import AgentSetup

    path = find_session(options.sessions_dir, session)
    sandbox = choose_sandbox(options)
    log = SessionLog.open(path, env=options.env)
    try:
        builder, seen = StateBuilder(), ChangeTracker(options.workspace.root)
        for event in read_events(path):
            builder.apply(event)
            seen.apply(event)
        state = builder.state
        started = session_started(path)
        recorded_backend = started.backend or {}
        if options.plan is None and started.plan:
            options.plan = Path(str(started.plan))
        if options.goal is None and started.goal:
            options.goal = str(started.goal)
        if options.model is None and isinstance(started.model, str):
            options.model = started.model
        # Where its agents worked, as recorded: a log from before worktrees shared a tree.
        options.base = None
        options.shared_tree = (started.isolation or {}).get("mode") != "worktrees"
        model = session_model(options.model, options.env)
        definitions = load_agents(options.workspace, default_model=model)
        make_backend = backend_factory(options, recorded_backend)

        def setup(name: str) -> AgentSetup:
            defn = definitions[name]
            agent = state.agents.get(name)
            messages = agent.messages if agent is not None else []
            played = sum(1 for m in messages if m.get("role") == "assistant")
            return AgentSetup(
                defn, compose_system_prompt(defn, options.workspace), make_backend(defn, played)
            )

        setups = [
            setup(name)
            for name, agent in state.agents.items()
            if name in definitions
            # a finished agent the merge ceremony left a note for goes on with it
            and (agent.status not in (AgentStatus.DONE, AgentStatus.FAILED) or agent.undelivered)
        ]
        plan = load_plan(options.plan_path)
        notes, notices = _continue_open_tasks(
            options, plan, state, definitions, {s.definition.name for s in setups}, path
        )
        setups += [setup(name) for name in notes]
        supervisor = _open_session(
            options, log, options.env, definitions, make_backend, sandbox, plan
        )
        supervisor.changes_seen = seen
    except Exception:
        log.close()
        raise
    recovered = {
        "agents": {name: a.status for name, a in state.agents.items()},
        "resumed": [s.definition.name for s in setups],
        "continued": sorted(notes),
        "interrupted_calls": [c.call for c in state.open_calls],
        "pending_approvals": [c.call for c in state.pending_approvals],
        "log_recoveries": len(state.recoveries),
        "skipped_agents": definitions.skipped_records(),
        "sandbox": sandbox.label,
    }
    return Prepared(
        supervisor=supervisor,
        log=log,
        setups=setups,
        kickoff=notes,
        started=SessionStarted(),
        state=state,
        recovered=recovered,
        notices=[
            *startup_notices(definitions, [s.definition.name for s in setups], model),
            *(visible(line) for line in notices),  # task titles from plan.md
        ],
    )


def _continue_open_tasks(
    options: LaunchOptions,
    plan: Plan,
    state: SessionState,
    definitions: Mapping[str, AgentDefinition],
    resumed: set[str],
    log_path: Path,
) -> tuple[dict[str, str], list[str]]:
    """plan.md's open tasks whose owner will not run on its own: the note each owner gets
    when the human agrees to continue them, and a line for each task no one can take."""
    if plan.ordered:
        # The scheduler hands the open tasks over in their order (from the board the log
        # kept); an owner that never started gets its first message when that comes.
        owners = {t.owner for t in plan.tasks if t.owner and not t.done}
        fresh = sorted(o for o in owners if o in definitions and o not in state.agents)
        return {o: kickoff_message(o, options, plan) for o in fresh}, []
    waiting: dict[str, list[Task]] = {}
    notices: list[str] = []
    for task in plan.tasks:
        ticked = task.id in state.unverified  # ticked by an edit, never verified: open
        if (task.status == TaskState.DONE and not ticked) or task.owner in resumed:
            continue
        where = f"plan.md line {task.line}: “{task.title}” is open"
        if task.owner is None:
            notices.append(f"{where} but has no @owner, so no agent will take it")
        elif task.owner not in definitions:
            known = ", ".join(sorted(definitions))
            notices.append(f"{where} but @{task.owner} is no agent here (agents: {known})")
        else:
            waiting.setdefault(task.owner, []).append(task)
    if not waiting:
        return {}, notices
    listed = "; ".join(
        f"{owner} ({state.agents[owner].status if owner in state.agents else 'never started'}): "
        + ", ".join(f"“{t.title}”" for t in tasks)
        for owner, tasks in waiting.items()
    )
    question = f"plan.md still has open tasks for agents that stopped: {listed}"
    agreed = options.continue_tasks
    if agreed is None and options.confirm is not None:
        agreed = options.confirm(question + ". Continue them?")
    if not agreed:
        how = "" if agreed is False else f"; `cockpit resume --continue {log_path}` continues them"
        return {}, [f"{question}{how}", *notices]
    notes = {}
    for owner, tasks in waiting.items():
        if owner in state.agents:
            listing = "\n".join(f"- {t.title} [{t.status}]" for t in tasks)
            notes[owner] = (
                "The session was resumed. These tasks of yours are still open in plan.md; "
                f"continue them:\n{listing}"
            )
        else:
            notes[owner] = kickoff_message(owner, options, plan)
    return notes, notices


def session_started(path: Path) -> SessionStarted:
    """A log's first event, ``session.started``."""
    from cockpit.session.chain import read_events

    for event in read_events(path):
        if isinstance(body := event.body, SessionStarted):
            return body
        break
    raise LogError(f"{path}:1: the log does not begin with session.started")
