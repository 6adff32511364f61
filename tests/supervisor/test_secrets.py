"""Agents' commands never see cockpit's secrets, and the log never contains them."""

from __future__ import annotations

from pathlib import Path

from tests.supervisor.conftest import cockpit, session_log

API_KEY = "sk-ant-api03-PLANTEDplantedPLANTED0123456789"
SERVICE_TOKEN = "planted-service-token-4242"

SCRIPT = """
agents:
  builder:
    - calls:
        - bash: {command: "env > env-dump.txt"}
        - bash: {command: "cat notes.txt"}
        - read_file: {path: notes.txt}
    - text: "done"
"""


def test_commands_see_no_keys_and_the_log_keeps_none(workspace: Path, tmp_path: Path) -> None:
    (workspace / "notes.txt").write_text(f"token: {SERVICE_TOKEN}\nkey: {API_KEY}\n")
    script = tmp_path / "s.yaml"
    script.write_text(SCRIPT)
    result = cockpit(
        workspace,
        "run",
        "--headless",
        "--agents",
        "builder",
        "--script",
        str(script),
        env={
            "ANTHROPIC_API_KEY": API_KEY,
            "MY_SERVICE_TOKEN": SERVICE_TOKEN,
            "HARMLESS_SETTING": "visible-value",
        },
    )
    assert result.returncode == 0, result.stderr
    dump = (workspace / "env-dump.txt").read_text()
    assert API_KEY not in dump and SERVICE_TOKEN not in dump
    assert "ANTHROPIC_API_KEY" not in dump and "MY_SERVICE_TOKEN" not in dump
    assert "HARMLESS_SETTING=visible-value" in dump  # scrubbing is targeted, not everything

    sessions = session_log(workspace).parent
    for path in sessions.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert API_KEY.encode() not in data, path
            assert SERVICE_TOKEN.encode() not in data, path
    assert API_KEY not in result.stdout and SERVICE_TOKEN not in result.stdout
    assert "[REDACTED" in session_log(workspace).read_text()
