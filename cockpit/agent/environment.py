"""The environment an agent's command sees: cockpit's own secrets scrubbed out."""

from __future__ import annotations

import re
from collections.abc import Mapping

_SECRET_NAME = re.compile(
    r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH(?!OR)|COOKIE|SESSION_ID|PRIVATE", re.IGNORECASE
)
_SECRET_PREFIXES = (
    "ANTHROPIC_",
    "OPENAI_",
    "COCKPIT_",
    "CLAUDE_",
    "AWS_",
    "AZURE_",
    "GOOGLE_",
    "GCP_",
    "GH_",
    "GITHUB_",
    "GITLAB_",
    "HF_",
    "HUGGING",
    "NPM_",
    "PYPI_",
    "SLACK_",
    "DOCKER_",
    "SSH_AUTH_SOCK",
    "GPG_AGENT",
)
# What every command gets regardless: no pager waiting on a terminal, git never prompting.
_FIXED = {
    "PAGER": "cat",
    "GIT_PAGER": "cat",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "/bin/false",
    "SSH_ASKPASS": "/bin/false",
    "COCKPIT_AGENT_COMMAND": "1",
}


def is_scrubbed(name: str) -> bool:
    """Whether ``name`` is kept out of agents' commands."""
    upper = name.upper()
    return bool(_SECRET_NAME.search(upper)) or upper.startswith(_SECRET_PREFIXES)


def scrubbed_env(env: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``env`` without API keys, tokens, credentials or cockpit's own settings."""
    clean = {name: value for name, value in env.items() if not is_scrubbed(name)}
    clean.update(_FIXED)
    return clean
