"""Secrets never reach the log: tokens by shape, and the values of secret-named env vars,
as they are and in the encodings a command commonly prints."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from cockpit.session.dumps import runs
from cockpit.session.encodings import encoded_forms, literal_pattern

# Shapes of well-known credentials. Each group name becomes the redaction label.
_TOKEN_PATTERNS = {
    "anthropic-key": r"sk-ant-[A-Za-z0-9_\-]{16,}",
    "openai-key": r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}",
    "github-token": r"(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})",
    "aws-access-key": r"(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}",
    # After its name in any case and quoting: `export AWS_SECRET_ACCESS_KEY=...`, a
    # credentials file's `aws_secret_access_key = ...`, JSON's `"aws_secret_access_key": "..."`.
    "aws-secret-key": r"(?i:(?<=aws_secret_access_key))[\"']?\s*[=:]\s*[\"']?[A-Za-z0-9/+=]{40}",
    "slack-token": r"xox[abposr]-[A-Za-z0-9\-]{10,}",
    "slack-webhook": r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+",
    "bearer-token": r"(?i:bearer)\s+[A-Za-z0-9._~+/\-]{8,}=*",
    "private-key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
}
# Each shape runs alone: most start with a literal, which the engine finds at memchr
# speed, and an alternation of them all lost that (ten times slower). The two that start
# in any case scan every position, so they run only when their name is in the text.
# Short texts (most of an event's strings) take one scan of all the shapes at once: there
# the cost is the calls, not the characters.
_TOKENS = [(kind, re.compile(pattern)) for kind, pattern in _TOKEN_PATTERNS.items()]
_ANY_CASE = {"aws-secret-key": "aws_secret_access_key", "bearer-token": "bearer"}
_ALL_TOKENS = re.compile(
    "|".join(f"(?P<{k.replace('-', '_')}>{p})" for k, p in _TOKEN_PATTERNS.items())
)
_SHORT = 4096
_SECRET_NAME_RE = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD", re.IGNORECASE)
_MIN_SECRET_LEN = 6  # shorter values ("1", "yes") would redact half of every log


def is_secret_name(name: str) -> bool:
    """Whether an environment variable's name says it holds a secret."""
    return bool(_SECRET_NAME_RE.search(name))


class Redactor:
    """Replaces secrets in event data with ``[REDACTED:<what>]``.

    Built once per log writer from the environment it runs in; applied to every string in
    an event's data, keys included (tool inputs come from the model), and to the text of any
    other value (bytes, exceptions, paths), which the writer would otherwise turn into a
    string unredacted. A secret-named env value is found as it is and in the encodings a
    command commonly prints (`encodings.py`), also when laid out over lines (`dumps.py`:
    wrapped base64 or hex, `xxd`, `hexdump -C`, `od -tx1`); a token
    by its shape, written forwards or reversed.
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self._labels: dict[str, str] = {}
        values: dict[str, str] = {}
        for name, value in env.items():
            if is_secret_name(name) and len(value) >= _MIN_SECRET_LEN:
                values.setdefault(value, name)
        for value, name in values.items():
            self._labels.setdefault(value, f"[REDACTED:${name}]")
        for value, name in values.items():
            for form, how in encoded_forms(value).items():
                if len(form) >= _MIN_SECRET_LEN:
                    self._labels.setdefault(form, f"[REDACTED:${name}:{how}]")
        self._env_re: re.Pattern[str] | None = None
        if self._labels:
            self._env_re = re.compile(literal_pattern(self._labels))

    def text(self, text: str) -> str:
        """``text`` with every secret it contains replaced."""
        spans = self.spans(text)
        if not spans:
            return text
        out: list[str] = []
        at = 0
        for start, end, label in spans:
            out.append(text[at:start])
            out.append(label)
            at = end
        out.append(text[at:])
        return "".join(out)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Where the secrets in ``text`` are: ``(start, end, label)``, in order, apart."""
        found: list[tuple[int, int, str]] = []
        if self._env_re is not None:
            labels = self._labels
            found += [(m.start(), m.end(), labels[m.group()]) for m in self._env_re.finditer(text)]
            if "\n" in text or " " in text:
                found += self._laid_out(text)
        found += _token_spans(text)
        return _apart(found)

    def _laid_out(self, text: str) -> list[tuple[int, int, str]]:
        """Secrets a command laid out over lines: wrapped base64 or hex, hex dumps."""
        assert self._env_re is not None
        found: list[tuple[int, int, str]] = []
        for joined, where in runs(text):
            for m in self._env_re.finditer(joined):
                found.append((where[m.start()], where[m.end() - 1] + 1, self._labels[m.group()]))
        return found

    def data(self, value: Any) -> Any:
        """A copy of a JSON-like value with every string redacted."""
        if isinstance(value, str):
            return self.text(value)
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, dict):
            return {
                (self.text(key) if isinstance(key, str) else key): self.data(v)
                for key, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        if isinstance(value, bytes | bytearray):
            return self.text(bytes(value).decode("utf-8", "replace"))
        return self.text(str(value))

    def safe_cut(self, text: str, at: int, *, keep: str) -> int:
        """Where to cut ``text`` near ``at`` so that no secret is split by the cut: moved
        to the secret's start when the part before it is kept (``keep="head"``), to its
        end when the part after it is (``keep="tail"``). A half secret is not redacted."""
        for start, end, _ in self.spans(text):
            if start < at < end:
                return start if keep == "head" else end
        return at


def _token_spans(text: str) -> list[tuple[int, int, str]]:
    """Tokens by their shape, written forwards or reversed (`rev`)."""
    backwards = text[::-1]
    n = len(text)
    found: list[tuple[int, int, str]] = []
    if n < _SHORT:
        for m in _ALL_TOKENS.finditer(text):
            kind = (m.lastgroup or "secret").replace("_", "-")
            found.append((m.start(), m.end(), _label(kind, m.group())))
        for m in _ALL_TOKENS.finditer(backwards):
            kind = (m.lastgroup or "secret").replace("_", "-")
            found.append((n - m.end(), n - m.start(), f"[REDACTED:{kind}:reversed]"))
        return found
    lowered = text.lower()
    for kind, pattern in _TOKENS:
        name = _ANY_CASE.get(kind)
        if name is None or name in lowered:
            found += [(m.start(), m.end(), _label(kind, m.group())) for m in pattern.finditer(text)]
        if name is None or name[::-1] in lowered:
            found += [
                (n - m.end(), n - m.start(), f"[REDACTED:{kind}:reversed]")
                for m in pattern.finditer(backwards)
            ]
    return found


def _label(kind: str, matched: str) -> str:
    if kind == "bearer-token":
        return "Bearer [REDACTED:bearer-token]"
    if kind == "aws-secret-key":  # keep the separator, drop the 40-character key
        return matched[:-40] + "[REDACTED:aws-secret-key]"
    return f"[REDACTED:{kind}]"


def _apart(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Spans in order, overlapping ones merged (the first one's label)."""
    merged: list[tuple[int, int, str]] = []
    for start, end, label in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, label))
    return merged
