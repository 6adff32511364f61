"""The file tools' walls, checked in-process: the same roots and lists as bwrap, symlinks
resolved at the moment of the check, protected names refused before they exist."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from cockpit.sandbox.boundary import BlockedBy
from cockpit.sandbox.files import FileWalls, WallError
from tests.sandbox.conftest import Sandbox


def walls(sandbox: Sandbox, writable: tuple[Path, ...] = ()) -> FileWalls:
    boundary = sandbox.boundary()
    if writable:
        boundary = replace(boundary, writable=writable)
    return FileWalls.of(boundary, sandbox.env)


def refused(check: object, path: Path | str) -> WallError:
    assert callable(check)
    with pytest.raises(WallError) as raised:
        check(Path(path))
    assert "\n" not in str(raised.value)
    return raised.value


def test_a_new_file_in_a_new_folder_inside_the_workspace_is_writable(sandbox: Sandbox) -> None:
    target = walls(sandbox).writable(Path("src/deep/new.py"))
    assert target == sandbox.workspace / "src" / "deep" / "new.py"
    target.parent.mkdir(parents=True)
    target.write_text("x = 1\n")  # what the tool then does


def test_writing_outside_the_workspace_is_refused_naming_the_wall(sandbox: Sandbox) -> None:
    error = refused(walls(sandbox).writable, "/etc/passwd")
    assert error.blocked_by is BlockedBy.READ_ONLY
    assert str(error) == "/etc/passwd: outside the sandbox's writable roots (read-only filesystem)"
    error = refused(walls(sandbox).writable, "../outside/x")
    assert str(error).startswith(f"{sandbox.outside / 'x'}: outside the sandbox's writable")


def test_a_symlink_in_the_workspace_leading_outside_is_refused(sandbox: Sandbox) -> None:
    (sandbox.workspace / "link").symlink_to(sandbox.outside / "pwned")  # dangling, too
    (sandbox.workspace / "dir").symlink_to(sandbox.outside)
    error = refused(walls(sandbox).writable, "link")
    assert error.blocked_by is BlockedBy.READ_ONLY
    assert str(error).endswith(f"; it leads to {sandbox.outside / 'pwned'}")
    refused(walls(sandbox).writable, "dir/new/file.txt")
    assert not (sandbox.outside / "pwned").exists()


def test_a_symlink_made_after_the_walls_were_built_is_resolved_at_the_check(
    sandbox: Sandbox,
) -> None:
    checked = walls(sandbox)
    assert checked.writable(Path("later")) == sandbox.workspace / "later"
    (sandbox.workspace / "later").symlink_to("/etc/hostname")
    assert refused(checked.writable, "later").blocked_by is BlockedBy.READ_ONLY


def test_a_symlink_that_stays_inside_writes_to_its_target(sandbox: Sandbox) -> None:
    (sandbox.workspace / "docs").mkdir()
    (sandbox.workspace / "latest").symlink_to("docs")
    assert walls(sandbox).writable(Path("latest/a.md")) == sandbox.workspace / "docs" / "a.md"


@pytest.mark.parametrize(
    "path",
    [
        ".git/hooks/pre-commit",
        ".git/config",
        ".claude/settings.json",  # .claude does not exist
        ".cockpit/rules/x.yaml",
        "src/../.gemini/settings.json",
        ".codex",
    ],
)
def test_protected_paths_inside_the_workspace_are_read_only(sandbox: Sandbox, path: str) -> None:
    error = refused(walls(sandbox).writable, path)
    assert error.blocked_by is BlockedBy.READ_ONLY
    assert str(error) == f"{os.path.normpath(path)}: read-only inside the workspace"


def test_a_link_to_a_protected_path_is_refused_by_its_target(sandbox: Sandbox) -> None:
    (sandbox.workspace / "hooks").symlink_to(".git/hooks")
    error = refused(walls(sandbox).writable, "hooks/pre-push")
    assert str(error) == (
        "hooks/pre-push: read-only inside the workspace; it leads to .git/hooks/pre-push"
    )


def test_credentials_are_masked_for_reading_and_writing(sandbox: Sandbox) -> None:
    (sandbox.home / ".ssh").mkdir()
    (sandbox.home / ".ssh" / "id_rsa").write_text("KEY\n")
    for check in (walls(sandbox).readable, walls(sandbox).writable):
        error = refused(check, sandbox.home / ".ssh" / "id_rsa")
        assert error.blocked_by is BlockedBy.MASKED
        assert str(error) == "~/.ssh/id_rsa: masked by the sandbox"
    assert str(refused(walls(sandbox).readable, "~/.aws/credentials")).startswith("~/.aws/")
    refused(walls(sandbox).readable, sandbox.xdg / "cockpit" / "log.key")


def test_a_link_to_credentials_is_masked_by_its_target(sandbox: Sandbox) -> None:
    (sandbox.home / ".netrc").write_text("machine x password hunter2\n")
    (sandbox.workspace / "notes.txt").symlink_to(sandbox.home / ".netrc")
    error = refused(walls(sandbox).readable, "notes.txt")
    assert error.blocked_by is BlockedBy.MASKED
    assert str(error) == "notes.txt: masked by the sandbox; it leads to ~/.netrc"


def test_env_files_are_masked_at_any_depth_even_before_they_exist(sandbox: Sandbox) -> None:
    deep = sandbox.workspace / "a" / "b" / "c" / "d" / "e"
    deep.mkdir(parents=True)
    (deep / ".env.local").write_text("DB_PASSWORD=swordfish\n")
    assert refused(walls(sandbox).readable, deep / ".env.local").blocked_by is BlockedBy.MASKED
    assert refused(walls(sandbox).writable, ".env").blocked_by is BlockedBy.MASKED


def test_a_workspace_rule_unmasks_its_own_env_example(sandbox: Sandbox) -> None:
    (sandbox.workspace / ".cockpit").mkdir()
    (sandbox.workspace / ".cockpit" / "sandbox.yaml").write_text(
        "unmasked:\n  workspace: ['.env.example']\n"
    )
    (sandbox.workspace / ".env.example").write_text("DB_PASSWORD=\n")
    assert walls(sandbox).readable(Path(".env.example")) == sandbox.workspace / ".env.example"
    refused(walls(sandbox).readable, ".env")


def test_the_rest_of_the_filesystem_is_readable_but_not_what_only_cockpit_sees(
    sandbox: Sandbox,
) -> None:
    assert walls(sandbox).readable(Path("/etc/hostname")) == Path("/etc/hostname")
    for path in ("/proc/self/environ", f"/proc/{os.getppid()}/environ", "/dev/sda", "/tmp/x"):
        error = refused(walls(sandbox).readable, path)
        assert error.blocked_by is BlockedBy.MASKED
        assert str(error).startswith(f"{path}: not visible inside the sandbox")


def test_a_root_the_human_widened_is_writable(sandbox: Sandbox) -> None:
    widened = walls(sandbox, writable=(sandbox.outside,))
    assert widened.writable(sandbox.outside / "out.txt") == sandbox.outside / "out.txt"
    refused(walls(sandbox).writable, sandbox.outside / "out.txt")
