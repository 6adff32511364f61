"""The one exception family. The CLI turns each into a single clear line."""

from __future__ import annotations


class CockpitError(Exception):
    """Base of every error cockpit reports to a person."""

    exit_code = 2


class UsageError(CockpitError):
    """The command line or an argument is wrong."""


class ConfigError(CockpitError):
    """A configuration, rule, agent or plan file is malformed (message names file:line)."""


class LogError(CockpitError):
    """A session log cannot be opened, read or appended to."""


class LogCorruptError(LogError):
    """A session log is damaged somewhere other than a torn last line."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class PolicyError(CockpitError):
    """The policy engine could not be set up."""


class SafeguardError(CockpitError):
    """A snapshot or rollback failed."""


class BackendError(CockpitError):
    """A model backend failed in a way the agent cannot recover from."""


class MissingCredentialsError(CockpitError):
    """No API key or base URL is configured for the model backend."""
