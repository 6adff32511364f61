"""What a human may be offered when the sandbox stopped a command: never more than one
folder, never one that runs code by itself, never the home folder for one file in it."""

from __future__ import annotations

from pathlib import Path

from cockpit.agent.blocks import offer, widenable, written_path
from cockpit.sandbox.blocked import recognise
from cockpit.sandbox.boundary import NO_WIDENING, BlockedBy, Boundary


def test_the_path_a_read_only_error_names_is_absolute_or_none() -> None:
    assert written_path("touch: cannot touch '/opt/x': Read-only file system") == Path("/opt/x")
    assert written_path("OSError: [Errno 30] Read-only file system: '/var/tmp/a/f'") == Path(
        "/var/tmp/a/f"
    )
    # a relative path is not an absolute one cut out of it ("/rv-escape" was logged)
    assert written_path("OSError: [Errno 30] Read-only file system: 'lnk/rv-escape'") is None


def test_folders_a_yes_never_makes_writable(tmp_path: Path) -> None:
    home, workspace = tmp_path / "home", tmp_path / "ws"
    for folder in ("home/.local/bin", "home/.config/autostart", "home/projects/x", "ws/src"):
        (tmp_path / folder).mkdir(parents=True)
    masked = (home / ".ssh",)
    assert widenable(home / "projects" / "x", workspace, home, masked)
    for refused in (
        home,  # one new file in the home folder is not the whole home
        home / ".local" / "bin",  # on the PATH: runs by itself
        home / ".config" / "autostart",
        workspace / "src",  # the workspace's own walls stay
        Path("/etc"),
        tmp_path / "missing",
    ):
        assert not widenable(refused, workspace, home, masked), refused


def test_an_offer_for_a_program_that_says_it_was_stopped_in_an_autostart_folder(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    said = f"OSError: [Errno 30] Read-only file system: '{home}/.local/bin/tool'"
    assert offer(BlockedBy.READ_ONLY, said, NO_WIDENING, tmp_path / "ws", home, ()) is None


def test_a_memory_kill_is_named(tmp_path: Path) -> None:
    walls = Boundary(workspace=tmp_path, home=tmp_path)
    assert recognise(137, "bash: line 1:  12 Killed  python3 big.py", walls) is BlockedBy.MEMORY
    assert recognise(1, "MemoryError", walls) is BlockedBy.MEMORY
    assert recognise(1, "AssertionError", walls) is None
