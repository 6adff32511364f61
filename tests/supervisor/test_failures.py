"""Nothing fails in silence: a dead agent says why, a silent model is bounded."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from cockpit.agent.backends.base import EventCallback, TurnRequest, TurnResult
from cockpit.agent.runtime import AgentRuntime
from tests.fakeapi import FakeAnthropicAPI
from tests.supervisor._inprocess import finish, logged, start
from tests.supervisor.conftest import cockpit, events, of_kind, session_log

KEY = "sk-ant-test-key-not-real-000000"


class ExplodingBackend:
    """A backend with a bug of its own: not a `BackendError`, a plain crash."""

    name = "exploding"

    async def turn(self, request: TurnRequest, on_event: EventCallback) -> TurnResult:
        raise RuntimeError("the backend tripped over its own feet")


async def test_an_agent_that_crashes_is_failed_with_its_reason(workspace: Path) -> None:
    prepared = await start(workspace, "agents: {}\n", ["builder"])
    sup = prepared.supervisor
    try:
        runtime: AgentRuntime = sup.runtimes["builder"]
        await sup.wait()
        # the scripted turn already ran; crash the next one as a buggy backend would
        runtime.backend = ExplodingBackend()
        runtime.deliver("one more thing")
        sup.crew.launch(runtime)
        assert await sup.wait() == {"builder": "failed"}
        statuses = [e["data"] for e in logged(prepared, "agent.status")]
        assert statuses[-1]["status"] == "failed"
        assert "RuntimeError: the backend tripped over its own feet" in statuses[-1]["detail"]
        assert runtime.detail == statuses[-1]["detail"]
    finally:
        await finish(prepared)


def _headless(root: Path, api: FakeAnthropicAPI, *extra: str) -> tuple[int, str, str]:
    done = cockpit(
        root,
        "run",
        "--headless",
        "--agents",
        "builder",
        *extra,
        "make greet friendlier",
        env={"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": api.base_url},
    )
    return done.returncode, done.stdout, done.stderr


def _limits(root: Path, **limits: Any) -> None:
    (root / ".cockpit").mkdir(exist_ok=True)
    lines = "".join(f"  {name}: {value}\n" for name, value in limits.items())
    (root / ".cockpit" / "config.yaml").write_text("model:\n" + lines)


def test_a_plan_with_invalid_utf8_reaches_the_model(workspace: Path) -> None:
    (workspace / "plan.md").write_bytes(
        b"# Demo\n\n## Phase 1\n- [ ] Make greet friendlier \xff\xfe @builder\n"
    )
    with FakeAnthropicAPI([{"text": "Done."}]) as api:
        code, _out, err = _headless(workspace, api)
        requests = api.requests
    assert code == 0, err
    assert "Traceback" not in err
    sent = json.dumps(requests[0].body["messages"], ensure_ascii=False)
    assert "friendlier \ufffd\ufffd @builder" in sent
    assert "plan.md line 4: this line is not valid UTF-8" in err


def test_a_model_that_never_answers_stalls_then_fails_with_the_reason(workspace: Path) -> None:
    _limits(workspace, stalled_after=0.3, idle_timeout=0.8, retries=1)
    with FakeAnthropicAPI([{"hang": True}, {"hang": True}]) as api:
        code, _out, err = _headless(workspace, api)
        asked = len(api.requests)
    assert code == 1
    assert asked == 2  # asked once, then once again, then given up
    evs = events(session_log(workspace))
    statuses = [(e["data"]["status"], e["data"]["detail"]) for e in of_kind(evs, "agent.status")]
    kinds = [status for status, _ in statuses]
    # each ask stalls: once before the retry and again after it (a slow SDK load on a busy
    # machine may add a stall of its own before the first), then the agent fails
    assert kinds[-1] == "failed"
    retry = kinds.index("retrying")
    assert "stalled" in kinds[:retry] and "stalled" in kinds[retry:-1]
    stalled = dict(statuses)["stalled"]
    assert stalled.startswith("no answer from the model for ")
    failed = statuses[-1][1]
    assert "no answer from the model for" in failed and "gave up after 1 retries" in failed
    assert f"cockpit: builder: failed: {failed}" in err
    session = session_log(workspace).stem  # run inside the workspace: the id is enough
    assert err.rstrip().endswith(f"to continue: {sys.executable} -m cockpit resume {session}")


def test_a_slow_answer_shows_stalled_then_thinking_again(workspace: Path) -> None:
    _limits(workspace, stalled_after=0.2, idle_timeout=30)
    slow = {"text": "Slowly, but here.", "event_delay_s": 0.35, "chunk_chars": 100}
    with FakeAnthropicAPI([slow]) as api:
        code, _out, err = _headless(workspace, api)
    assert code == 0, err
    evs = events(session_log(workspace))
    kinds = [e["data"]["status"] for e in of_kind(evs, "agent.status")]
    assert "stalled" in kinds
    assert kinds[kinds.index("stalled") + 1] == "thinking" and kinds[-1] == "done"


def test_bad_model_limits_are_one_line_naming_the_file_and_line(workspace: Path) -> None:
    _limits(workspace, stalled_after=0.2, idle_timeout="soon")
    with FakeAnthropicAPI([]) as api:
        code, _out, err = _headless(workspace, api)
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "config.yaml:3: model: `idle_timeout` is a number of seconds" in err


def test_headless_names_plan_problems_with_the_workspaces_agents(workspace: Path) -> None:
    (workspace / "plan.md").write_text(
        "# Demo\n\n## Phase 1\n- [ ] Make greet friendlier @builder\n- [ ] Ship it @nobody\n"
    )
    with FakeAnthropicAPI([{"text": "Done."}]) as api:
        code, _out, err = _headless(workspace, api)
    assert code == 0, err
    line = next(x for x in err.splitlines() if "@nobody" in x)
    assert line.startswith("cockpit: plan.md line 5: @nobody is no agent (agents: ")
    # the workspace's agents, not only this session's (only the builder runs)
    assert "planner" in line and "reviewer" in line


def test_outside_git_the_missing_snapshots_are_said_once_at_the_start(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("def greet():\n    return 'hello'\n")
    edit = {"path": "src/app.py", "old": "'hello'", "new": "'hello, friend'"}
    with FakeAnthropicAPI([{"tool_use": {"name": "edit_file", "input": edit}}]) as api:
        code, _out, err = _headless(root, api)
    assert code == 0, err
    said = [line for line in err.splitlines() if "is not a git repository" in line]
    # once, as cockpit's own line (not a stray log record printed over the screen)
    assert said == [
        f"cockpit: {root} is not a git repository: tier-2 actions run without a snapshot "
        "and cannot be rolled back (run `git init` to have them)"
    ]
    skipped = of_kind(events(session_log(root)), "safeguard.snapshot")
    assert len(skipped) == 2 and all(
        "not a git repository" in s["data"]["skipped"] for s in skipped
    )


def test_a_headless_run_reads_the_model_limits_but_not_the_screens_keys(workspace: Path) -> None:
    """A key map that would stop the screen (two actions on `q`) does not stop a run that
    shows no keys; a bad `model:` section stops both, naming its line."""
    config = workspace / ".cockpit" / "config.yaml"
    config.parent.mkdir(exist_ok=True)
    config.write_text("keys:\n  zoom: q\nscreen:\n  scrollback: 5\n")
    with FakeAnthropicAPI([{"text": "Done."}]) as api:
        code, _out, err = _headless(workspace, api)
    assert code == 0, err
    config.write_text("keys:\n  zoom: q\nmodel:\n  idle_timeout: soon\n")
    with FakeAnthropicAPI([{"text": "Done."}]) as api:
        code, _out, err = _headless(workspace, api)
    assert code == 2
    assert f"{config}:4: model: `idle_timeout` is a number of seconds" in err
    assert "Traceback" not in err
