"""Redaction of command output: the cost of finding each known secret in its encodings.

Three secret-named env values (as a real environment has), on two texts of the same size
(8 MB; quick: 1 MB): ordinary command output, and the same with a secret, raw or encoded
(base64 at each alignment, hex, URL, reversed, wrapped base64), every 4 KB. Measured in the
same run, on the same text (medians):
- plain: one `re.sub` of the three exact values (the floor: no encodings, no token shapes);
- before: the redactor as it was until now (exact values, then one alternation of all the
  token shapes);
- cockpit: `Redactor.text`.
Also the cost per typical output (16 KB, the cap the model and the log event get).
"""

from __future__ import annotations

import base64
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from cockpit.session.redact import _TOKEN_PATTERNS, Redactor

ENV = {
    "ANTHROPIC_API_KEY": "sk-ant-api03-" + "Qx7_bN2pLm9w" * 8,
    "GITHUB_TOKEN": "ghp_" + "R4nd0mT0k3nV4lu3" * 2 + "abcd",
    "DB_PASSWORD": "correct horse battery staple 42",
    "HOME": "/home/someone",
}
LINE = "src/module_{n}.py:{n}: ordinary output, paths /usr/lib/x.so and numbers {n} 0x{n:x}\n"


def ordinary(size: int) -> str:
    lines: list[str] = []
    total = n = 0
    while total < size:
        line = LINE.format(n=n)
        lines.append(line)
        total += len(line)
        n += 1
    return "".join(lines)[:size]


def with_secrets(size: int) -> str:
    value = ENV["DB_PASSWORD"].encode()
    forms = [
        value.decode(),
        base64.b64encode(value).decode(),
        base64.b64encode(b"x" + value).decode(),
        base64.b64encode(b"xy" + value).decode(),
        value.hex(),
        value.decode()[::-1],
        "correct%20horse%20battery%20staple%2042",
        base64.encodebytes(b"PASSWORD=" + value * 3).decode(),
    ]
    text = ordinary(size)
    pieces = [text[k : k + 4096] + forms[(k // 4096) % len(forms)] for k in range(0, size, 4096)]
    return "".join(pieces)[:size]


def before_redactor(env: dict[str, str]) -> Callable[[str], str]:
    """The redactor as it was: exact values, then every token shape in one alternation."""
    values = sorted(
        (v for k, v in env.items() if re.search("KEY|TOKEN|SECRET|PASSWORD", k, re.I)),
        key=len,
        reverse=True,
    )
    exact = re.compile("|".join(re.escape(v) for v in values))
    tokens = re.compile(
        "|".join(f"(?P<{k.replace('-', '_')}>{p})" for k, p in _TOKEN_PATTERNS.items())
    )

    def redact(text: str) -> str:
        return tokens.sub("[REDACTED]", exact.sub("[REDACTED]", text))

    return redact


def median_s(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(quick: bool = False) -> dict[str, Any]:
    size, repeat = (1_000_000, 3) if quick else (8_000_000, 5)
    redactor = Redactor(ENV)
    values = [v for k, v in ENV.items() if k != "HOME"]
    plain = re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))
    before = before_redactor(ENV)
    result: dict[str, Any] = {"bytes": size, "secrets": len(values)}
    for name, text in (("ordinary", ordinary(size)), ("with_secrets", with_secrets(size))):
        t_plain = median_s(lambda t=text: plain.sub("[REDACTED]", t), repeat)
        t_before = median_s(lambda t=text: before(t), repeat)
        t_cockpit = median_s(lambda t=text: redactor.text(t), repeat)
        result[name] = {
            "plain_re_sub_ms": round(t_plain * 1000, 1),
            "before_ms": round(t_before * 1000, 1),
            "cockpit_ms": round(t_cockpit * 1000, 1),
            "mb_per_s": round(size / t_cockpit / 1e6, 1),
            "ratio_vs_plain_re_sub": round(t_cockpit / t_plain, 1),
            "ratio_vs_before": round(t_cockpit / t_before, 2),
        }
    typical = ordinary(16_000)
    per_output = median_s(lambda: [redactor.text(typical) for _ in range(100)], repeat) / 100
    result["typical_16kb_output_ms"] = round(per_output * 1000, 3)
    return result
