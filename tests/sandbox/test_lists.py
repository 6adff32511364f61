"""The masked and read-only lists: built in, extended by a workspace, never widened by
a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.errors import ConfigError
from cockpit.sandbox.paths import SANDBOX_RULES, SandboxLists, effective_lists, read_lists


def test_the_builtin_list_names_every_credential_the_issue_lists(tmp_path: Path) -> None:
    lists = effective_lists(tmp_path)
    for path in (".ssh", ".aws", ".config/gcloud", ".azure", ".config/gh", ".netrc"):
        assert path in lists.masked_home
    for path in (".docker/config.json", ".kube", ".gnupg", ".npmrc", ".pypirc"):
        assert path in lists.masked_home
    # found readable in review: git's stored tokens and other agents' own logins
    for path in (".git-credentials", ".config/git/credentials", ".claude/.credentials.json"):
        assert path in lists.masked_home
    for path in (".codex/auth.json", ".cargo/credentials.toml", ".config/hub"):
        assert path in lists.masked_home
    assert {".env", ".env.*"} <= set(lists.masked_workspace)
    entries = dict(lists.read_only_entries)
    for path in (".git/hooks", ".cockpit", ".claude", ".codex", ".gemini", ".git/info"):
        assert entries[path] is True  # a folder: protected before it exists
    assert entries[".git/config"] is False


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("masked: [a]\n", "'masked' must be a mapping"),
        ("masked:\n  home: /etc\n", "must be a list of paths"),
        ("masked:\n  home: [/etc/shadow]\n", "use a relative path"),
        ("read_only:\n  workspace: [../up]\n", "use a relative path"),
        ("- just a list\n", "expected a mapping"),
        ("unmasked:\n  workspace: .env.example\n", "'unmasked.workspace' must be a list"),
        ("masked: {home: [\n", "cannot read"),
    ],
)
def test_a_bad_workspace_file_is_one_clear_line(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / SANDBOX_RULES
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        read_lists(path)
    assert says in str(raised.value)
    assert "\n" not in str(raised.value)


def test_only_a_workspace_may_unmask_and_only_its_own_names(tmp_path: Path) -> None:
    builtin = SandboxLists((".ssh",), (".env", ".env.*"), (), unmasked_workspace=(".env",))
    workspace = SandboxLists((), ("*.pem",), (), unmasked_workspace=(".env.example",))
    lists = builtin.extended(workspace)
    assert lists.unmasked_workspace == (".env.example",)
    assert not lists.masks_name(".env.example")
    assert lists.masks_name(".env")
    assert lists.masks_name(".env.local")
    assert lists.masks_name("server.pem")
    assert not builtin.extended(SandboxLists((), (), ())).unmasked_workspace
