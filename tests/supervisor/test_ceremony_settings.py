"""The ``merge: integration:`` setting: the command(s) the ceremony runs after each merge
besides the merged tasks' ``verify:``, read from `.cockpit/config.yaml`, a mistake named by
file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config.settings import load_settings
from cockpit.errors import ConfigError
from tests.cli.merge_sessions import Agent, kinds_of, make_session, merge_cli


@pytest.mark.parametrize(
    ("text", "commands"),
    [
        ("", ()),
        ("merge:\n  integration: make test\n", ("make test",)),
        ("merge:\n  integration: [make lint, make test]\n", ("make lint", "make test")),
    ],
)
def test_the_integration_commands_are_read(
    tmp_path: Path, text: str, commands: tuple[str, ...]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(text)
    assert load_settings(config).merge.integration == commands


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("merge: make test\n", ":1: merge: is a mapping"),
        ("merge:\n  integrate: make\n", ":2: merge: unknown setting `integrate`"),
        ("merge:\n  integration: [make, 3]\n", ":2: merge: integration is a command or a list"),
        ("merge:\n  integration: ''\n", ":2: merge: integration is a command or a list"),
    ],
)
def test_a_bad_merge_section_names_file_and_line(tmp_path: Path, text: str, said: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=said):
        load_settings(config)


def test_cockpit_merge_runs_the_configured_integration_command_after_each_merge(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    make_session(
        root,
        Agent("builder", {"src/app.py": "APP = 1\n"}),
        Agent("tester", {"tests/t.py": "T = 1\n"}),
        config="merge:\n  integration: test ! -e tests/t.py\n",
    )

    merged = merge_cli(root)

    assert merged.returncode == 0, merged.stderr
    checked = [d for k, _a, d in kinds_of(root) if k == "merge.checked"]
    assert [c["passed"] for c in checked] == [True, False]
    assert [c["command"] for c in checked[1]["commands"]] == [  # type: ignore[union-attr]
        "true",
        "test ! -e tests/t.py",
    ]
    assert "told tester:" in merged.stdout
