"""The user's log key and anchors: where they live, how audit uses them, what it says."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from cockpit.session.events import GENESIS
from cockpit.session.log import SessionLog
from tests.session._util import REPO, cockpit, lines_of, write_session


def _config() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"]) / "cockpit"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_key_is_made_on_first_use_private_and_never_written_out(tmp_path: Path) -> None:
    assert not _config().exists()
    path = tmp_path / "s.jsonl"
    write_session(path, session="s-key").close()
    key = (_config() / "log.key").read_text().strip()
    assert len(bytes.fromhex(key)) == 32
    assert (_mode(_config()), _mode(_config() / "log.key")) == (0o700, 0o600)
    anchor = _config() / "anchors" / "s-key.json"
    assert _mode(anchor) == 0o600
    assert json.loads(anchor.read_text())["seq"] == len(lines_of(path)) - 1
    run = cockpit("audit", "--json", path)
    texts = [path.read_text(), path.with_suffix(".head").read_text(), anchor.read_text()]
    texts += [run.out, run.err, cockpit("audit", path).out, cockpit("log", "show", path).out]
    assert all(key not in text for text in texts)
    # A second log uses the same key: one per user, not one per session.
    write_session(tmp_path / "t.jsonl", session="s-key-2").close()
    assert (_config() / "log.key").read_text().strip() == key


def test_a_keyed_log_says_so(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_session(path).close()
    run = cockpit("audit", "--json", path)
    assert run.code == 0, run.out
    assert run.json["chain"]["kind"] == "keyed"
    text = cockpit("audit", path).out
    assert text.startswith("VALID: ")
    assert "checked: keyed with this user's key" in text
    assert "every 'mac' verifies" in text


def test_an_old_unkeyed_log_still_audits_as_unkeyed(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    write_session(path).close()
    # The log as cockpit wrote it before keyed chains: v 1 lines, no 'mac', no anchor.
    old = tmp_path / "before" / "old.jsonl"
    old.parent.mkdir()
    log = SessionLog.create(old, "s-before", env={}, keyed=False)
    log.append("session.started", {"agents": ["builder"]})
    log.append("human.message", {"text": "hello"})
    log.close()
    assert all(json.loads(raw)["v"] == 1 and "mac" not in json.loads(raw) for raw in lines_of(old))
    run = cockpit("audit", "--json", old)
    assert run.code == 0, run.out
    assert run.json["valid"] is True
    assert run.json["chain"]["kind"] == "unkeyed"
    text = cockpit("audit", old).out
    assert text.startswith("VALID: ")
    assert "unkeyed: protects against accidents only" in text
    # Resumed, it stays one kind of log from first line to last.
    log = SessionLog.open(old, env={})
    log.append("session.resumed", {})
    log.close()
    assert "mac" not in json.loads(lines_of(old)[-1])
    assert cockpit("audit", "--json", old).json["chain"]["kind"] == "unkeyed"


def test_a_keyed_log_audited_by_a_user_without_the_key(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_session(path).close()
    elsewhere = tmp_path / "other-machine"  # no key there at all
    run = cockpit("audit", "--json", path, config=elsewhere)
    assert run.code == 3, run.out
    assert run.json["chain"]["kind"] == "foreign"
    text = cockpit("audit", path, config=elsewhere)
    assert text.code == 3
    assert text.out.startswith("UNVERIFIED: ")
    assert "this user cannot verify the keys" in text.out
    assert "only the plain chain was checked" in text.out
    assert "this user has no log key" in text.out
    assert not (elsewhere / "cockpit").exists()  # auditing never makes a key


def test_a_keyed_log_audited_by_a_user_with_another_key(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_session(path).close()
    other = tmp_path / "other-user"
    made = cockpit("audit", path, config=other)  # nothing made yet; now give them a key
    assert made.code == 3
    (other / "cockpit").mkdir(parents=True, mode=0o700)
    (other / "cockpit" / "log.key").write_text(os.urandom(32).hex() + "\n")
    run = cockpit("audit", "--json", path, config=other)
    assert (run.code, run.json["chain"]["kind"]) == (3, "foreign")
    # The plain chain still catches accidents there.
    lines = lines_of(path)
    path.write_bytes(b"".join(lines[:4] + lines[5:]))
    broken = cockpit("audit", "--json", path, config=other)
    assert (broken.code, broken.json["first_bad_line"]) == (1, 5)


def test_a_keyed_session_rewritten_as_unkeyed_is_caught_by_its_anchor(tmp_path: Path) -> None:
    """Stripping every 'mac' and recomputing the chain as an old log would look: the
    anchor outside the workspace says this user's cockpit wrote the session keyed."""
    path = tmp_path / "s.jsonl"
    write_session(path, session="s-down").close()
    prev, out = GENESIS, []
    for raw in lines_of(path):
        obj = {k: v for k, v in json.loads(raw).items() if k != "mac"}
        obj.update(v=1, prev=prev)
        line = json.dumps(obj, separators=(",", ":")).encode()
        prev = hashlib.sha256(line).hexdigest()
        out.append(line + b"\n")
    path.write_bytes(b"".join(out))
    head = {"session": "s-down", "seq": len(out) - 1, "digest": prev, "ts": obj["ts"]}
    path.with_suffix(".head").write_text(json.dumps(head))
    run = cockpit("audit", "--json", path)
    assert (run.code, run.json["first_bad_line"]) == (1, 1)
    assert "unkeyed: it was rewritten" in run.json["reason"]


def test_audit_piped_into_head_exits_1_on_an_invalid_log(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_session(path).close()
    lines = lines_of(path)
    # Long enough that the reader is gone before the report is written.
    path.write_bytes(b"".join(lines[:7] + lines[8:]))
    script = f"set -o pipefail; {sys.executable} -m cockpit audit {path} | head -1"
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout.startswith("INVALID: ")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    # And a valid log piped the same way exits 0.
    good = tmp_path / "g.jsonl"
    write_session(good, session="s-good").close()
    script = f"set -o pipefail; {sys.executable} -m cockpit audit {good} | head -1"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=REPO)
    assert (done.returncode, done.stderr) == (0, "")


def test_audit_exit_code_survives_a_reader_that_closed_first(tmp_path: Path) -> None:
    """The cockpit process itself, with its stdout a pipe nobody reads any more."""
    path = tmp_path / "s.jsonl"
    write_session(path).close()
    lines = lines_of(path)
    path.write_bytes(b"".join(lines[:3] + lines[4:]))
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte
    proc = subprocess.run(
        [sys.executable, "-m", "cockpit", "audit", str(path)],
        stdout=write,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    os.close(write)
    assert proc.returncode == 1
    assert proc.stderr == ""


def test_log_show_says_when_the_log_is_cut_torn_or_broken(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_session(path).close()
    lines = lines_of(path)
    whole = cockpit("log", "show", path)
    assert whole.code == 0
    assert "--" not in whole.out.splitlines()[-1]

    path.write_bytes(b"".join(lines[:-2]))  # cut: the head file says more was written
    cut = cockpit("log", "show", path)
    assert cut.code == 1
    assert cut.out.splitlines()[-1].startswith(f"-- CUT at line {len(lines) - 1}: ")
    assert len(cut.out.splitlines()) == len(lines) - 2 + 1

    fragment = b'{"v":2,"seq":' + str(len(lines)).encode() + b',"ts":"2026-'
    path.write_bytes(b"".join(lines) + fragment)  # torn: a crash mid-write
    torn = cockpit("log", "show", path)
    assert torn.code == 1
    assert torn.out.splitlines()[-1].startswith(f"-- TORN at line {len(lines) + 1}: ")

    path.write_bytes(b"".join(lines[:5] + lines[6:]))  # broken: a line removed
    broken = cockpit("log", "show", path)
    assert broken.code != 0
    assert f"{path}:6:" in broken.err
