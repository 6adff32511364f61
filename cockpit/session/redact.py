"""Secrets never reach the log: tokens by shape, and the values of secret-named env vars."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

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
_TOKEN_RE = re.compile(
    "|".join(f"(?P<{k.replace('-', '_')}>{p})" for k, p in _TOKEN_PATTERNS.items())
)
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
    string unredacted.
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self._env_values: dict[str, str] = {}
        for name, value in env.items():
            if is_secret_name(name) and len(value) >= _MIN_SECRET_LEN:
                self._env_values.setdefault(value, name)
        if self._env_values:
            alternatives = sorted(self._env_values, key=len, reverse=True)
            self._env_re: re.Pattern[str] | None = re.compile(
                "|".join(re.escape(v) for v in alternatives)
            )
        else:
            self._env_re = None

    def text(self, text: str) -> str:
        """``text`` with every secret it contains replaced."""
        if self._env_re is not None:
            text = self._env_re.sub(lambda m: f"[REDACTED:${self._env_values[m.group()]}]", text)
        return _TOKEN_RE.sub(_label, text)

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


def _label(match: re.Match[str]) -> str:
    kind = (match.lastgroup or "secret").replace("_", "-")
    if kind == "bearer-token":
        return "Bearer [REDACTED:bearer-token]"
    if kind == "aws-secret-key":  # keep the separator, drop the 40-character key
        return match.group()[:-40] + "[REDACTED:aws-secret-key]"
    return f"[REDACTED:{kind}]"
