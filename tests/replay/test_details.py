"""Details of an event (Enter): full command, reasons, rules, decision, output, artifact."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cockpit.replay.details import read_artifact
from cockpit.replay.player import Player
from cockpit.session.show import format_line
from tests.replay._logs import lines_of, realistic


def _open(tmp_path: Path) -> tuple[Player, Path]:
    path = tmp_path / "s.jsonl"
    realistic(path).close()
    return Player.open(path), path


def _find(player: Player, kind: str, call: str) -> int:
    for i in range(player.total):
        event = player.event(i)
        if event.kind == kind and event.call == call:
            return i
    raise AssertionError(f"no {kind} for {call}")


def test_a_failed_command_shows_its_artifact_text(tmp_path: Path) -> None:
    player, path = _open(tmp_path)
    i = _find(player, "tool.finished", "c-8")
    details = player.details(i)
    assert details.line == format_line(player.event(i))
    assert details.command == "make\ntest"  # the full command, lines and all
    assert details.call is not None and details.call.exit_code == 2
    assert details.call.reasons == ["runs project code"]
    assert details.artifact_path == (path.parent / "s" / "c-8.out").resolve()
    assert details.artifact_problem is None
    assert details.artifact_text == "".join(f"line {n}\n" for n in range(5000))
    page = details.render()
    assert "  make\n  test" in page and "reason: runs project code" in page
    assert "rule: r1 (x:1)" in page and "exit code: 2" in page and "line 4999" in page


def test_the_request_shows_what_came_of_it(tmp_path: Path) -> None:
    player, _ = _open(tmp_path)
    details = player.details(_find(player, "tool.requested", "c-2"))
    call = details.call
    assert call is not None and details.command == "pip install rich"
    assert (call.tier, call.approval, call.decided_by, call.exit_code) == (
        3,
        "approved",
        "human",
        0,
    )
    assert details.output == "ok\n"
    assert "decision: approved by human" in details.render()
    allowed = player.details(_find(player, "tool.started", "c-1")).render()
    assert "decision: allowed by policy" in allowed and "tier: 1" in allowed
    denied = player.details(_find(player, "policy.decided", "c-5"))
    assert denied.call is not None and denied.call.denied
    assert "decision: denied by rule: curl piped to a shell" in denied.render()


def test_a_message_shows_in_full(tmp_path: Path) -> None:
    player, _ = _open(tmp_path)
    i = next(k for k in range(player.total) if player.event(k).kind == "model.message")
    details = player.details(i)
    assert details.call is None and details.text == "assistant:\nI will run the tests."


def test_an_artifact_that_changed_or_went_missing_says_so(tmp_path: Path) -> None:
    player, path = _open(tmp_path)
    i = _find(player, "tool.finished", "c-8")
    target = path.parent / "s" / "c-8.out"
    target.write_text("edited\n")
    details = player.details(i)
    assert details.artifact_text == "edited\n"
    assert details.artifact_problem is not None and "sha256" in details.artifact_problem
    target.unlink()
    assert player.details(i).artifact_problem == "the artifact file is missing"


def test_only_files_beside_the_log_are_read(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("no")
    log = tmp_path / "logs" / "s.jsonl"
    log.parent.mkdir()
    target, text, problem = read_artifact(log, {"path": "../secret.txt"})
    assert target == (tmp_path / "secret.txt").resolve()
    assert text is None and problem == "outside the log's folder: not read"
    assert read_artifact(log, {"path": ""})[2] == "the event names no artifact file"


def test_a_large_artifact_is_capped_but_hashed_whole(tmp_path: Path) -> None:
    log = tmp_path / "s.jsonl"
    body = b"x" * 5000
    (tmp_path / "big.out").write_bytes(body)
    sha = hashlib.sha256(body).hexdigest()
    _, text, problem = read_artifact(log, {"path": "big.out", "sha256": sha}, cap=100)
    assert text == "x" * 100 and problem == "only the first 100 bytes are shown"


def test_details_of_each_event_never_fail(tmp_path: Path) -> None:
    player, path = _open(tmp_path)
    for i, raw in enumerate(lines_of(path)):
        details = player.details(i)
        assert details.event.seq == i and details.data == json.loads(raw)["data"]
        assert details.render().startswith(details.line)


def test_an_edit_shows_its_diff_from_any_of_its_events(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    log = realistic(path)
    kw = {"agent": "builder", "iteration": 7, "call": "c-20"}
    edit = {"path": "src/app.py", "old": "'hello'", "new": "'hi'"}
    diff = "--- a/src/app.py\n+++ b/src/app.py\n@@ -1 +1 @@\n-x = 'hello'\n+x = 'hi'\n"
    log.append("tool.requested", {"tool": "edit_file", "input": edit}, **kw)
    log.append("policy.decided", {"tier": 2, "reasons": ["edits a file"], "rules": []}, **kw)
    log.append("tool.started", {"tool": "edit_file", "command": "edit_file src/app.py"}, **kw)
    log.append("tool.finished", {"exit_code": None, "output": "edited", "diff": diff}, **kw)
    log.close()
    player = Player.open(path)
    for kind in ("policy.decided", "tool.finished"):
        page = player.details(_find(player, kind, "c-20")).render()
        assert "diff:\n--- a/src/app.py" in page and "+x = 'hi'" in page, kind
