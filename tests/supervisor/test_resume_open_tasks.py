"""`cockpit resume` on a session whose agents stopped while plan.md still has open tasks."""

from __future__ import annotations

from pathlib import Path

from tests.supervisor.conftest import cockpit, events, of_kind, session_log

SCRIPT = """
agents:
  builder:
    - text: "I will get to it later."
    - calls:
        - edit_file: {path: src/app.py, old: "'hello'", new: "'hello, friend'"}
    - calls:
        - update_task: {task: "Make greet friendlier", status: done}
    - text: "Done now."
"""


def _first_run(workspace: Path, tmp_path: Path) -> Path:
    script = tmp_path / "script.yaml"
    script.write_text(SCRIPT)
    first = cockpit(workspace, "run", "--headless", "--agents", "builder", "--script", str(script))
    assert first.returncode == 0, first.stderr
    return session_log(workspace)


def test_resume_says_which_open_tasks_wait_and_how_to_continue(
    workspace: Path, tmp_path: Path
) -> None:
    log = _first_run(workspace, tmp_path)
    again = cockpit(workspace, "resume", "--headless")
    assert again.returncode == 0, again.stderr
    assert (
        "plan.md still has open tasks for agents that stopped: builder (done): "
        "“Make greet friendlier”" in again.stdout
    )
    assert f"`cockpit resume --continue {log}` continues them" in again.stdout
    assert "nothing left to do" in again.stdout
    assert (workspace / "src" / "app.py").read_text().count("friend") == 0


def test_resume_continue_restarts_the_owner_with_its_open_tasks(
    workspace: Path, tmp_path: Path
) -> None:
    log = _first_run(workspace, tmp_path)
    again = cockpit(tmp_path, "resume", "--headless", "--continue", str(log))  # another cwd
    assert again.returncode == 0, again.stderr
    assert "friend" in (workspace / "src" / "app.py").read_text()
    assert "- [x] Make greet friendlier @builder" in (workspace / "plan.md").read_text()
    evs = events(log)
    (resumed,) = of_kind(evs, "session.resumed")
    assert resumed["data"]["recovered"]["continued"] == ["builder"]
    told = [
        block["text"]
        for e in of_kind(evs, "model.message")
        if e["seq"] > resumed["seq"] and e["data"]["message"]["role"] == "user"
        for block in e["data"]["message"]["content"]
        if block.get("type") == "text"
    ]
    assert "still open in plan.md" in told[0] and "Make greet friendlier [todo]" in told[0]


def test_open_tasks_no_agent_can_take_are_named_with_their_line(
    workspace: Path, tmp_path: Path
) -> None:
    _first_run(workspace, tmp_path)
    plan = workspace / "plan.md"
    plan.write_text(plan.read_text() + "- [ ] Ship it @nobody\n- [ ] Tidy up\n")
    again = cockpit(workspace, "resume", "--headless")
    assert again.returncode == 0, again.stderr
    assert "plan.md line 5: “Ship it” is open but @nobody is no agent here" in again.stdout
    assert "plan.md line 6: “Tidy up” is open but has no @owner" in again.stdout


def test_open_task_titles_reach_the_terminal_with_their_control_codes_shown(
    workspace: Path, tmp_path: Path
) -> None:
    _first_run(workspace, tmp_path)
    plan = workspace / "plan.md"
    plan.write_text(plan.read_text() + "- [ ] Ship \x1b]0;PWNED\x07 it\n")
    again = cockpit(workspace, "resume", "--headless")
    assert again.returncode == 0, again.stderr
    assert "“Ship \\x1b]0;PWNED\\x07 it” is open but has no @owner" in again.stdout
    assert "\x1b" not in again.stdout and "\x07" not in again.stdout
