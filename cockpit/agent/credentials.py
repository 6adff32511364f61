"""Where the model API is and how to authenticate, read from the environment.

Kept apart from the backend so that a missing key is reported at once, before the screen
opens, without loading the Anthropic SDK (a second or more of imports) to say so.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from cockpit.errors import MissingCredentialsError

DEFAULT_BASE_URL = "https://api.anthropic.com"
CREDENTIALS_HELP = (
    "no model API is configured: set ANTHROPIC_API_KEY, or set ANTHROPIC_BASE_URL (and "
    "ANTHROPIC_AUTH_TOKEN if it needs one) to use a local Anthropic-compatible server such as "
    "Ollama or llama.cpp; or try `cockpit demo`, which needs neither"
)


@dataclass(frozen=True)
class Credentials:
    """Where the model API is and how to authenticate. Secrets never appear in `repr`."""

    api_key: str | None = field(default=None, repr=False)
    auth_token: str | None = field(default=None, repr=False)
    base_url: str | None = None

    @property
    def source(self) -> str:
        """The environment variable the credential came from, for error messages."""
        if self.api_key:
            return "ANTHROPIC_API_KEY"
        if self.auth_token:
            return "ANTHROPIC_AUTH_TOKEN"
        return "ANTHROPIC_BASE_URL (no token set)"


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials:
    """Credentials from `env` (default `os.environ`); `MissingCredentialsError` if none."""
    env = os.environ if env is None else env

    def get(name: str) -> str | None:
        return (env.get(name) or "").strip() or None

    creds = Credentials(
        api_key=get("ANTHROPIC_API_KEY"),
        auth_token=get("ANTHROPIC_AUTH_TOKEN"),
        base_url=get("ANTHROPIC_BASE_URL"),
    )
    if not (creds.api_key or creds.auth_token or creds.base_url):
        raise MissingCredentialsError(CREDENTIALS_HELP)
    return creds
