"""Agents' commands never see cockpit's secrets, and the log never contains them."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote

from tests.supervisor.conftest import cockpit, events, session_log

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


PLANTED = "pl4nted-Value/with+odd=chars_0123456789-abcdefghijklmnopqrstuvwxyz"
TOOLS = """
import sys, urllib.parse
secret = open("secret.txt").read()
if sys.argv[1] == "url":
    print(urllib.parse.quote(secret, safe=""))
else:  # the cap (8,000 characters each side) falls inside the secret
    sys.stdout.write("x" * int(sys.argv[2]) + secret + "y" * int(sys.argv[3]))
"""
ENCODINGS_SCRIPT = r"""
agents:
  builder:
    - calls:
        - bash: {command: 'V=$(cat secret.txt); printf %s "$V" | base64'}
        - bash: {command: "base64 -w0 < secret.txt | tr '+/' '-_' | tr -d ="}
        - bash: {command: "base64 < notes.txt"}
        - bash: {command: "xxd -p secret.txt; od -An -tx1 secret.txt | tr -d ' \\n'; echo"}
        - bash: {command: "rev secret.txt"}
        - bash: {command: "python3 tools.py url"}
        - bash: {command: "python3 tools.py around 7990 20000"}
        - bash: {command: "python3 tools.py around 20000 7970"}
    - text: "done"
"""


def test_encoded_and_cut_forms_of_a_known_secret_never_reach_the_log(
    workspace: Path, tmp_path: Path
) -> None:
    """The agent reads a secret cockpit knows (MY_API_KEY) from a file and prints it
    encoded, and long outputs whose cap falls inside it: no form of it is on disk."""
    (workspace / "secret.txt").write_text(PLANTED)
    (workspace / "notes.txt").write_text(f"USER=me\nMY_API_KEY={PLANTED}\nSHELL=bash\n")
    (workspace / "tools.py").write_text(TOOLS)
    script = tmp_path / "s.yaml"
    script.write_text(ENCODINGS_SCRIPT)
    result = cockpit(
        workspace,
        "run",
        "--headless",
        "--agents",
        "builder",
        "--script",
        str(script),
        env={"MY_API_KEY": PLANTED},
    )
    assert result.returncode == 0, result.stderr
    log = session_log(workspace)
    finished = [e for e in events(log) if e["kind"] == "tool.finished"]
    assert len(finished) == 8 and all(e["data"]["exit_code"] == 0 for e in finished)
    assert finished[-1]["data"]["truncated"] and finished[-2]["data"]["truncated"]
    raw = PLANTED.encode()
    forms = {
        "raw": raw,
        "base64": base64.b64encode(raw),
        "base64 url": base64.urlsafe_b64encode(raw).rstrip(b"="),
        "base64 inside a longer text": base64.b64encode(b"MY_API_KEY=" + raw)[16:60],
        "hex": raw.hex().encode(),
        "hex lines": raw.hex()[:60].encode(),
        "reversed": raw[::-1],
        "url": quote(PLANTED, safe="").encode(),
        "a piece cut off its start": raw[:10],
        "a piece cut off its end": raw[-10:],
    }
    for path in sorted(p for p in log.parent.rglob("*") if p.is_file()):
        body = path.read_bytes()
        leaked = [name for name, form in forms.items() if form in body]
        assert not leaked, f"{path.name}: {leaked}"
    text = log.read_text()
    for how in ("base64", "hex", "reversed", "url"):
        assert f"[REDACTED:$MY_API_KEY:{how}]" in text
