"""What reaches the disk: no secrets, private modes, and odd files handled in one line."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from cockpit.errors import LogCorruptError, LogError
from cockpit.session.chain import read_events
from cockpit.session.log import SessionLog
from cockpit.session.state import fold
from tests.session._util import cockpit, one_line, python, write_session

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKENS = {
    "anthropic-key": "sk-ant-api03-" + "Ab3_x9Yq" * 6,
    "openai-key": "sk-proj-" + "x9YbQ2wE" * 5,
    "github-token": "ghp_" + "a1B2c3D4e5" * 4,
    "github-pat": "github_pat_11ABCDEFG0" + "abcdefghij" * 4,
    "aws-access-key": "AKIAQWERTYUIOPASDFGH",
    "slack-token": "xoxb-123456789012-abcdefghijkl",
    "slack-webhook": "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX",
}
ENV = {
    "MY_SERVICE_API_KEY": "svc-7f3a9c1e2b4d",
    "DB_PASSWORD": 'correct "horse" battery',
    "DEPLOY_TOKEN": "dtok_0a1b2c3d4e",
    "client_secret": "clientsecret99",
    "HOME": "/home/someone",  # not secret-named: left alone
    "SHORT_KEY": "1",  # too short to redact without wrecking every log
}
SECRETS = [*TOKENS.values(), AWS_SECRET, "abc.def-ghi_jkl.mno"] + [
    v for k, v in ENV.items() if k not in ("HOME", "SHORT_KEY")
]


def _forms(secret: str) -> list[bytes]:
    """The raw bytes and the JSON-escaped bytes of a secret."""
    return [secret.encode(), json.dumps(secret)[1:-1].encode()]


def _leaks(folder: Path) -> list[str]:
    found = []
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        body = f.read_bytes()
        for secret in SECRETS:
            if any(form in body for form in _forms(secret)):
                found.append(f"{f.name}: {secret}")
    return found


def test_secrets_never_reach_the_disk(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    path = folder / "s.jsonl"
    log = SessionLog.create(path, "s-redact", env=ENV)
    # Each secret as it would show up: tokens by their shape, an AWS secret after its name,
    # a bearer token after "Bearer", env values anywhere.
    everything = " ".join(
        [
            *TOKENS.values(),
            f"aws_secret_access_key={AWS_SECRET}",
            "Authorization: bearer abc.def-ghi_jkl.mno",
            *(v for k, v in ENV.items() if k not in ("HOME", "SHORT_KEY")),
        ]
    )
    curl = "curl -H 'Authorization: Bearer abc.def-ghi_jkl.mno'"
    returned = log.append(
        "tool.requested",
        {
            "tool": "bash",
            "input": {
                "command": f"{curl} {TOKENS['slack-webhook']}",
                "env": {"OPENAI_API_KEY": TOKENS["openai-key"], "list": [[everything]]},
            },
        },
        agent="builder",
        call="c-1",
    )
    log.append("tool.started", {"command": f"export AWS_SECRET_ACCESS_KEY={AWS_SECRET}"})
    log.append("model.message", {"message": {"role": "user", "content": everything}})
    log.append("human.message", {"text": f'{{"aws_secret_access_key": "{AWS_SECRET}"}}'})
    # Not strings: an exception, bytes, a tuple, a secret used as a key.
    log.append(
        "tool.finished",
        {
            "error": RuntimeError(f"401 for {TOKENS['anthropic-key']}"),
            "output": everything.encode(),
            "pair": (ENV["DEPLOY_TOKEN"], 1),
            TOKENS["github-token"]: "as a key",
        },
    )
    artifact = log.write_artifact("out.txt", f"stdout\n{everything}\n")
    log.write_artifact("raw.bin", everything.encode())
    log.append("tool.finished", {"exit_code": 0, "artifact": artifact}, call="c-1")
    log.close()

    assert _leaks(folder) == []
    text = path.read_text()
    for label in (*TOKENS, "bearer-token", "aws-secret-key"):
        label = "github-token" if label == "github-pat" else label
        assert f"[REDACTED:{label}]" in text, label
    for name in ("MY_SERVICE_API_KEY", "DB_PASSWORD", "DEPLOY_TOKEN", "client_secret"):
        assert f"[REDACTED:${name}]" in text, name
    assert "/home/someone" not in text  # never in the data; HOME is just not a secret name
    assert "SHORT_KEY" not in text
    assert not any(
        form in json.dumps(returned.data).encode() for s in SECRETS for form in _forms(s)
    )
    assert cockpit("audit", path).code == 0
    assert all(s not in cockpit("log", "show", path).out for s in SECRETS)


def test_ordinary_text_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "plain.jsonl"
    log = SessionLog.create(path, "s-plain", env={"SHORT_KEY": "1", "HOME": "/home/x"})
    text = "run sk-short, bearer of news, 1 + 1, /home/x, ghp_ and AKIA"
    log.append("human.message", {"text": text})
    log.close()
    assert [e.data["text"] for e in read_events(path)] == [text]


UMASK_ZERO_WRITER = """
import os, sys
from pathlib import Path
from cockpit.session.log import SessionLog
os.umask(0)
path = Path(sys.argv[1])
log = SessionLog.create(path, "s-mode", env={})
for i in range(50):
    log.append("human.message", {"text": str(i)})
log.write_artifact("out.txt", "x" * 1000)
log.close()
log = SessionLog.open(path, env={})
log.append("human.message", {"text": "again"})
log.close()
"""


def test_files_are_private_even_with_an_open_umask(tmp_path: Path) -> None:
    path = tmp_path / "sessions" / "s.jsonl"
    run = python(UMASK_ZERO_WRITER, path)
    assert run.code == 0, run.err

    def mode(p: Path) -> int:
        return stat.S_IMODE(p.stat().st_mode)

    assert mode(path) == 0o600
    assert mode(path.with_suffix(".head")) == 0o600
    assert mode(path.with_suffix("") / "out.txt") == 0o600
    assert mode(path.with_suffix("")) == 0o700
    assert mode(path.parent) == 0o700
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_unknown_kinds_from_a_newer_cockpit(tmp_path: Path) -> None:
    path = tmp_path / "newer.jsonl"
    log = write_session(path)
    log.append("agent.dreamed", {"dream": {"of": ["sheep", 1.5]}}, agent="builder", call="c-1")
    log.append("tool.teleported", {"to": "mars"}, agent="tester", call="c-new", iteration=9)
    log.append("session.ended", {"reason": "done"})
    log.close()

    run = cockpit("audit", "--json", path)
    assert run.code == 0
    assert run.json["valid"] is True
    assert run.json["events"] == len(path.read_bytes().splitlines())

    events = list(read_events(path))
    state = fold(events)
    assert state.kinds["agent.dreamed"] == 1
    assert state.kinds["tool.teleported"] == 1
    assert "c-new" not in state.calls  # an unknown kind is counted, not interpreted
    assert state.calls["c-1"].exit_code == 0
    assert state.agents["tester"].iteration == 9
    assert state.ended

    shown = cockpit("log", "show", path)
    assert shown.code == 0
    dreamed = [line for line in shown.out.splitlines() if "agent.dreamed" in line]
    assert len(dreamed) == 1
    assert dreamed[0].split(" | ")[1] == "builder"


def test_fresh_empty_log_audits_valid(tmp_path: Path) -> None:
    path = tmp_path / "fresh.jsonl"
    SessionLog.create(path, "s-fresh", env={}).close()
    assert path.read_bytes() == b""
    run = cockpit("audit", "--json", path)
    assert run.code == 0
    assert (run.json["valid"], run.json["events"], run.json["head"]["status"]) == (True, 0, "ok")
    text = cockpit("audit", path)
    assert text.code == 0
    assert "no events" in text.out
    assert cockpit("log", "show", path).out == ""
    log = SessionLog.open(path, env={})
    assert (log.session, log.next_seq) == ("s-fresh", 0)
    log.close()


def test_zero_byte_log_without_head(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.touch()
    run = cockpit("audit", "--json", path)
    assert run.code == 1
    assert "Traceback" not in run.err
    assert (run.json["valid"], run.json["events"], run.json["head"]["status"]) == (
        False,
        0,
        "missing",
    )
    shown = cockpit("log", "show", path)
    assert (shown.code, shown.out, shown.err) == (0, "", "")
    assert list(read_events(path)) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"hello, this is not a log\n", "not valid JSON"),
        (b"\x00\xff\xfe garbage \x80\n", "not valid JSON"),
        (b"[1, 2, 3]\n", "not a JSON object"),
        (b'{"hello": "world"}\n', "missing field(s)"),
        (b"\n", "empty line"),
    ],
)
def test_not_a_log(tmp_path: Path, body: bytes, reason: str) -> None:
    path = tmp_path / "notalog.jsonl"
    path.write_bytes(body)

    run = cockpit("audit", "--json", path)
    assert run.code == 1
    assert "Traceback" not in run.err
    assert run.json["first_bad_line"] == 1
    assert reason in run.json["reason"]
    text = cockpit("audit", path)
    assert text.code == 1
    assert f"line 1 (seq 0): {reason}" in text.out

    shown = cockpit("log", "show", path)
    assert shown.code != 0
    assert f"notalog.jsonl:1: {reason}" in one_line(shown)

    with pytest.raises(LogCorruptError) as info:
        SessionLog.open(path, env={})
    assert info.value.line == 1
    with pytest.raises(LogCorruptError):
        list(read_events(path))


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: None, "no such log file"),
        (lambda p: p.mkdir(), "is a directory"),
    ],
    ids=["missing", "directory"],
)
def test_no_log_there(tmp_path: Path, make: object, words: str) -> None:
    path = tmp_path / "x.jsonl"
    make(path)  # type: ignore[operator]

    run = cockpit("audit", path)
    assert run.code == 1
    assert words in one_line(run)
    assert one_line(run).startswith("INVALID: ")
    as_json = cockpit("audit", "--json", path)
    assert as_json.code == 1
    assert as_json.json["valid"] is False
    assert words in as_json.json["reason"]
    shown = cockpit("log", "show", path)
    assert shown.code == 2
    assert one_line(shown) == f"cockpit: {path}: {words}" + (
        "" if words == "no such log file" else ", not a log file"
    )
    with pytest.raises(LogError, match=words):
        SessionLog.open(path, env={})


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_session(path).close()
    before = path.read_bytes()
    with pytest.raises(LogError, match="already exists"):
        SessionLog.create(path, "s-other", env={})
    assert path.read_bytes() == before


def test_writer_refuses_what_its_reader_would_reject(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    log = SessionLog.create(path, "s-strict", env={})
    log.append("human.message", {"text": "before"})
    for bad in ({"kind": ""}, {"agent": 7}, {"call": ["c-1"]}):
        kind = bad.get("kind", "human.message")
        with pytest.raises(ValueError):
            log.append(kind, {}, agent=bad.get("agent"), call=bad.get("call"))  # type: ignore[arg-type]
    log.append("human.message", {"text": "after"})
    log.close()
    assert [e.data["text"] for e in read_events(path)] == ["before", "after"]
    assert cockpit("audit", path).code == 0
