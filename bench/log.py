"""Session-log benchmarks, each as a ratio to a bare baseline measured in the same run.

1. Durable appends per second, one writer, vs a bare ``os.write`` + ``os.fsync`` loop of the
   same line size (goal >= 0.7x). cockpit syncs with ``fdatasync``, so a bare
   ``os.write`` + ``os.fdatasync`` loop is reported beside it.
2. Eight writer threads sharing fsyncs (group commit) vs the same bare loop (goal >= 3x).
3. ``audit`` of a realistic 1M-event keyed log vs a bare loop that only does what the format
   asks of any verifier: ``json.loads``, sha256 and the stdlib's one-shot HMAC-SHA256 of each
   line (goal <= 2x); the ratio to the pre-key baseline (no HMAC) is printed beside it; the
   CLI's wall time; peak memory at 100k and 1M events (goal: flat).
4. ``fold`` over 1M events: events per second, with and without reading.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

from cockpit.config.user import config_dir
from cockpit.session.audit import audit
from cockpit.session.chain import read_events
from cockpit.session.events import GENESIS
from cockpit.session.keys import (
    KEY_FILE,
    MAC_SUFFIX_LEN,
    Anchor,
    keyed_line,
    load_key,
    write_anchor,
)
from cockpit.session.log import SessionLog
from cockpit.session.state import fold

REPO = Path(__file__).resolve().parent.parent
THREADS = 8
SESSION = "20261121-101500-bench"


def run(quick: bool = False) -> dict[str, Any]:
    """Run every benchmark; return the figures (nothing is printed)."""
    appends = 300 if quick else 1000
    per_thread = 60 if quick else 400
    big = 20_000 if quick else 1_000_000
    small = 5_000 if quick else 100_000
    rounds = 1 if quick else 5
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-") as tmp:
        folder = Path(tmp)
        line_size = _typical_line_size(folder)
        single = _single_appends(folder, line_size, appends, rounds)
        concurrent = _concurrent_writers(folder, per_thread, rounds)
        big_log = folder / "big.jsonl"
        small_log = folder / "small.jsonl"
        generate_log(big_log, big)
        generate_log(small_log, small, session_id=f"{SESSION}-small")  # its own anchor
        audit_figures = _audit(big_log, min(rounds, 3))
        memory = {
            f"{small}_events": _peak_rss(small_log),
            f"{big}_events": _peak_rss(big_log),
        }
        fold_figures = _fold(big_log)
    fsync_rate, fdatasync_rate = single["fsync"], single["fdatasync"]
    return {
        "quick": quick,
        "line_bytes": line_size,
        "append_single": {
            "events": appends,
            "cockpit_per_s": round(single["cockpit"]),
            "bare_fsync_per_s": round(fsync_rate),
            "bare_fdatasync_per_s": round(fdatasync_rate),
            "ratio": round(single["cockpit"] / fsync_rate, 2),
            "ratio_vs_fdatasync": round(single["cockpit"] / fdatasync_rate, 2),
            "goal": ">= 0.7",
        },
        "append_8_threads": {
            "events": THREADS * per_thread,
            "cockpit_per_s": round(concurrent["per_s"]),
            "fsyncs_per_event": round(concurrent["syncs_per_event"], 3),
            "ratio": round(concurrent["per_s"] / fsync_rate, 2),
            "ratio_vs_fdatasync": round(concurrent["per_s"] / fdatasync_rate, 2),
            "goal": ">= 3",
        },
        "audit": {"events": big, **audit_figures, "goal": "<= 2", "peak_rss_mb": memory},
        "fold": {"events": big, **fold_figures},
    }


# -- a realistic log, built fast -----------------------------------------------------------


def _cycle(n: int) -> list[tuple[str, str | None, str | None, int, dict[str, Any]]]:
    """One agent iteration: a model turn and a tool call, as (kind, agent, call, it, data)."""
    agent = ("builder", "tester", "reviewer")[n % 3]
    call = f"c-{n}"
    it = n // 3
    command = ("pytest -q tests/unit", "git diff --stat", "rm -rf build", "ls -la src")[n % 4]
    tier = (1, 2, 3, "deny")[n % 4] if n % 10 else 3
    rows: list[tuple[str, str | None, str | None, int, dict[str, Any]]] = [
        (
            "model.message",
            agent,
            None,
            it,
            {
                "message": {
                    "role": "assistant",
                    "content": [
                        {"type": "text", "text": f"Next I will run `{command}` to check step {n}."},
                        {"type": "tool_use", "id": f"toolu_{n:08d}", "name": "bash"},
                    ],
                }
            },
        ),
        (
            "model.usage",
            agent,
            None,
            it,
            {
                "model": "claude-sonnet-4",
                "input_tokens": 1200 + n % 500,
                "output_tokens": 80 + n % 40,
                "cache_read_input_tokens": 9000,
                "cost_usd": 0.0042,
            },
        ),
        ("tool.requested", agent, call, it, {"tool": "bash", "input": {"command": command}}),
        (
            "policy.decided",
            agent,
            call,
            it,
            {
                "tier": tier,
                "reasons": [f"{command.split()[0]}: tier {tier}"],
                "rules": [{"id": "builtin:rm-recursive", "source": "rules/base.yaml:12"}],
            },
        ),
    ]
    if tier == "deny":
        return rows
    if tier == 3:
        by = ("human", "rule", "headless", "timeout")[n % 4]
        approved = by != "timeout"
        rows.append(("approval.requested", agent, call, it, {"tool": "bash", "command": command}))
        rows.append(("approval.resolved", agent, call, it, {"approved": approved, "by": by}))
        if not approved:
            return rows
    rows.append(("tool.started", agent, call, it, {"tool": "bash", "command": command}))
    rows.append(
        (
            "tool.finished",
            agent,
            call,
            it,
            {"exit_code": int(n % 7 == 0), "output": "collected 12 items\n12 passed"},
        )
    )
    return rows


def generate_log(path: Path, events: int, *, session_id: str = SESSION) -> None:
    """Write a chained log of ``events`` realistic events with its head file, without the
    writer (no fsync per event): the line bytes are exactly what the writer produces, keyed
    lines under the user's log key, and the anchor beside the key."""
    key = load_key(create=True)
    assert key is not None
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True).encode
    sha256 = hashlib.sha256
    session = dumps(session_id)
    prev = GENESIS
    seq = 0
    n = 0
    buf: list[bytes] = []
    with path.open("wb") as f:
        while seq < events:
            for kind, agent, call, it, data in _cycle(n):
                if seq >= events:
                    break
                ms = seq  # one event a millisecond
                ts = (
                    f"2026-11-21T{10 + ms // 3_600_000 % 14:02d}:{ms // 60_000 % 60:02d}:"
                    f"{ms // 1000 % 60:02d}.{ms % 1000 * 1000:06d}Z"
                )
                line = keyed_line(
                    key,
                    (
                        f'{{"v":2,"seq":{seq},"ts":"{ts}","session":{session},'
                        f'"agent":{dumps(agent)},"iteration":{it},"kind":"{kind}",'
                        f'"call":{dumps(call)},"data":{dumps(data)},"prev":"{prev}"}}'
                    ).encode(),
                )
                prev = sha256(line).hexdigest()
                buf.append(line)
                seq += 1
            n += 1
            if len(buf) >= 10_000:
                f.write(b"\n".join(buf) + b"\n")
                buf.clear()
        if buf:
            f.write(b"\n".join(buf) + b"\n")
    path.with_suffix(".head").write_text(
        json.dumps({"session": session_id, "seq": events - 1, "digest": prev, "ts": ts})
    )
    write_anchor(key, Anchor(session_id, events - 1, prev, ts, str(path)))


# -- appends -------------------------------------------------------------------------------


def _event_data(i: int) -> dict[str, Any]:
    return {"tool": "bash", "input": {"command": f"pytest -q tests/unit/test_{i % 50}.py"}}


def _typical_line_size(folder: Path) -> int:
    path = folder / "size.jsonl"
    log = SessionLog.create(path, SESSION, env={})
    for i in range(20):
        log.append("tool.requested", _event_data(i), agent="builder", call=f"c-{i}")
    log.close()
    return round(path.stat().st_size / 20)


def _single_appends(folder: Path, size: int, count: int, rounds: int) -> dict[str, float]:
    """Per round, a bare fsync loop, a bare fdatasync loop and cockpit's writer, one after
    the other, so all three see the same disk weather; medians over the rounds."""
    line = b"x" * (size - 1) + b"\n"
    rates: dict[str, list[float]] = {"fsync": [], "fdatasync": [], "cockpit": []}
    for r in range(rounds):
        for name, sync in (("fsync", os.fsync), ("fdatasync", os.fdatasync)):
            path = folder / f"bare-{name}-{r}.log"
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                start = time.perf_counter()
                for _ in range(count):
                    os.write(fd, line)
                    sync(fd)
                rates[name].append(count / (time.perf_counter() - start))
            finally:
                os.close(fd)
            path.unlink()
        path = folder / f"single-{r}.jsonl"
        log = SessionLog.create(path, SESSION, env={})
        start = time.perf_counter()
        for i in range(count):
            log.append("tool.requested", _event_data(i), agent="builder", call=f"c-{i}")
        rates["cockpit"].append(count / (time.perf_counter() - start))
        log.close()
    return {name: statistics.median(values) for name, values in rates.items()}


def _concurrent_writers(folder: Path, per_thread: int, rounds: int) -> dict[str, float]:
    rates, syncs_per_event = [], []
    real_fdatasync = os.fdatasync
    for r in range(rounds):
        path = folder / f"threads-{r}.jsonl"
        log = SessionLog.create(path, SESSION, env={})
        barrier = threading.Barrier(THREADS + 1)
        syncs = 0

        def counting(fd: int) -> None:
            nonlocal syncs
            syncs += 1
            real_fdatasync(fd)

        def work(w: int, log: SessionLog = log, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            for i in range(per_thread):
                log.append("tool.requested", _event_data(i), agent=f"agent-{w}", call=f"{w}-{i}")

        threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
        for t in threads:
            t.start()
        os.fdatasync = counting
        try:
            barrier.wait()
            start = time.perf_counter()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
        finally:
            os.fdatasync = real_fdatasync
        log.close()
        rates.append(THREADS * per_thread / elapsed)
        syncs_per_event.append(syncs / (THREADS * per_thread))
    return {
        "per_s": statistics.median(rates),
        "syncs_per_event": statistics.median(syncs_per_event),
    }


# -- audit and fold ------------------------------------------------------------------------


def _bare_parse_and_hash(path: Path) -> None:
    loads, sha256 = json.loads, hashlib.sha256
    with path.open("rb") as f:
        for line in f:
            loads(line)
            sha256(line[:-1]).hexdigest()


def _bare_parse_hash_and_mac(path: Path) -> None:
    """The bare loop plus the one HMAC a keyed line needs, by the stdlib's fastest call."""
    secret = bytes.fromhex((config_dir() / KEY_FILE).read_text("ascii").strip())
    loads, sha256, mac = json.loads, hashlib.sha256, hmac.digest
    cut = MAC_SUFFIX_LEN + 1  # the mac field and the newline
    with path.open("rb") as f:
        for line in f:
            loads(line)
            sha256(line[:-1]).hexdigest()
            mac(secret, line[:-cut] + b"}", "sha256").hex()


def _audit_once(path: Path) -> None:
    report = audit(path)
    try:
        if not report.valid:
            raise RuntimeError(f"generated log does not audit: {report.reason}")
    finally:
        report.close()


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _audit(path: Path, rounds: int) -> dict[str, Any]:
    # Interleaved, best of each: the baseline and audit see the same machine.
    unkeyed, bare, ours = float("inf"), float("inf"), float("inf")
    for _ in range(rounds):
        unkeyed = min(unkeyed, _timed(lambda: _bare_parse_and_hash(path)))
        bare = min(bare, _timed(lambda: _bare_parse_hash_and_mac(path)))
        ours = min(ours, _timed(lambda: _audit_once(path)))
    start = time.perf_counter()
    cli = subprocess.run(
        [sys.executable, "-m", "cockpit", "audit", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=REPO,
        check=False,
    )
    cli_s = time.perf_counter() - start
    if cli.returncode != 0:
        raise RuntimeError(f"cockpit audit failed: {cli.stderr.decode().strip()}")
    return {
        "audit_s": round(ours, 2),
        "bare_json_sha256_hmac_s": round(bare, 2),
        "ratio": round(ours / bare, 2),
        "bare_json_sha256_s": round(unkeyed, 2),
        "ratio_vs_unkeyed_baseline": round(ours / unkeyed, 2),
        "audit_events_per_s": round(_events(path) / ours),
        "cli_wall_s": round(cli_s, 2),
        "log_mb": round(path.stat().st_size / 1e6, 1),
    }


_RSS_SCRIPT = """
import resource, sys
from pathlib import Path
from cockpit.session.audit import audit
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
report = audit(Path(sys.argv[1]))
assert report.valid, report.reason
report.close()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before, after)
"""

_CLI_RSS_SCRIPT = """
import resource, subprocess, sys
subprocess.run([sys.executable, "-m", "cockpit", "audit", *sys.argv[1:]],
               stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _peak_rss(path: Path) -> dict[str, float]:
    """Peak RSS in MB of `audit` in a fresh process (after imports, and its growth), and of
    the whole CLI with the text and the JSON report."""
    out = subprocess.run(
        [sys.executable, "-c", _RSS_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    ).stdout.split()
    before, after = (int(x) / 1024 for x in out)
    figures = {"audit_peak": round(after, 1), "audit_growth": round(after - before, 1)}
    for label, args in (("cli_text_peak", [str(path)]), ("cli_json_peak", ["--json", str(path)])):
        kb = subprocess.run(
            [sys.executable, "-c", _CLI_RSS_SCRIPT, *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=True,
        ).stdout
        figures[label] = round(int(kb) / 1024, 1)
    return figures


def _events(path: Path) -> int:
    return int(json.loads(path.with_suffix(".head").read_text())["seq"]) + 1


def _fold(path: Path) -> dict[str, Any]:
    events = _events(path)
    start = time.perf_counter()
    for _ in read_events(path):
        pass
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    state = fold(read_events(path))
    fold_read_s = time.perf_counter() - start
    if state.events != events:
        raise RuntimeError(f"fold saw {state.events} of {events} events")
    # Fold alone, over events already in memory (the first 200k: 1M Event objects would
    # measure the allocator, not fold).
    loaded = list(islice(read_events(path), 200_000))
    start = time.perf_counter()
    fold(loaded)
    fold_only = round(len(loaded) / (time.perf_counter() - start))
    del loaded
    return {
        "read_events_per_s": round(events / read_s),
        "fold_and_read_events_per_s": round(events / fold_read_s),
        "fold_and_read_s": round(fold_read_s, 2),
        "fold_only_events_per_s": fold_only,
        "resident_calls": len(state.calls),
    }
