"""Session grants: "allow this for the session" saves the narrowest useful rule, the exact
program and subcommand (`npm publish …`), never a shell, an interpreter, `env`, `sudo`,
bare `git` or a command computed at run time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cockpit.policy.model import RuleRef
from cockpit.policy.programs import wrappers
from cockpit.policy.programs.knowledge import Invocation, names

INTERPRETERS = frozenset(
    names(
        "python pypy node nodejs deno bun ruby perl php lua luajit Rscript julia osascript tclsh "
        "groovy awk gawk mawk nawk java npx pnpx bunx uvx make gmake"
    )
)
SUBCOMMAND_TOOLS = frozenset(
    names(
        "git npm yarn pnpm bun cargo go docker podman kubectl pip pip3 uv poetry pdm hatch gem "
        "bundle brew apt apt-get dnf yum pacman systemctl service gh terraform helm aws gcloud az "
        "dotnet conda mamba rustup pipx snap flatpak crontab ip glab heroku fly flyctl vercel "
        "netlify wrangler firebase pulumi"
    )
)
MAX_OPTION_WORDS = 3
# Wrappers that change what the inner command is or who runs it; `timeout`, `nice` and the
# like are transparent and do not stop a grant.
REFUSED_WRAPPERS = (
    frozenset(
        names(
            "env sudo doas su runuser pkexec chroot sg xargs eval exec busybox watch flock script "
            "strace ltrace"
        )
    )
    | wrappers.SHELLS
)


@dataclass(frozen=True, slots=True)
class Grant:
    """Allow one program (and subcommand) for the rest of the session."""

    program: str
    args: tuple[str, ...] = ()
    covers: tuple[str, ...] = ()
    """The rule ids the human approved; a later command needing another rule still asks."""

    @property
    def pattern(self) -> str:
        return " ".join((self.program, *self.args, "…"))

    @property
    def id(self) -> str:
        return "grant:" + " ".join((self.program, *self.args))

    @property
    def ref(self) -> RuleRef:
        return RuleRef(self.id, "session")

    def matches(self, inv: Invocation) -> bool:
        if inv.name != self.program or len(inv.args) < len(self.args):
            return False
        return all(not w.dynamic and w.text == a for w, a in zip(inv.args, self.args, strict=False))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "program": self.program,
            "args": list(self.args),
            "covers": list(self.covers),
            "pattern": self.pattern,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Grant:
        return cls(
            str(data["program"]),
            tuple(str(a) for a in data.get("args", [])),
            tuple(str(c) for c in data.get("covers", [])),
        )


def refusal_for_program(inv: Invocation) -> str | None:
    """Why a program can never be granted for a session, or None."""
    name = inv.name
    if not name:
        return "the command name is computed at run time"
    if name in wrappers.SHELLS or name in wrappers.FOREIGN_SHELLS:
        return f"{name} is a shell: it can run anything"
    if name in INTERPRETERS:
        return f"{name} runs arbitrary code"
    if name == "env":
        return "env can run any program"
    if name in wrappers.PRIVILEGE:
        return f"{name} runs commands as another user"
    if name in wrappers.HANDLERS:
        return f"{name} runs other commands"
    if any(w.dynamic for w in inv.args[:1]):
        return "the arguments are computed at run time"
    return None


def grant_for_invocation(
    inv: Invocation, covers: tuple[str, ...]
) -> tuple[Grant | None, str | None]:
    refusal = refusal_for_program(inv)
    if refusal is not None:
        return None, refusal
    args = inv.args
    if inv.name in SUBCOMMAND_TOOLS:
        if not args or args[0].text.startswith("-"):
            if inv.name == "git":
                return None, "bare git: a grant must name the subcommand"
            return None, f"cannot tell {inv.name}'s subcommand (options come first)"
        return Grant(inv.name, (args[0].text,), covers), None
    options: list[str] = []
    for word in args:
        if word.dynamic:
            return None, "the arguments are computed at run time"
        if not word.text.startswith("-") or len(options) == MAX_OPTION_WORDS:
            break
        options.append(word.text)
    return Grant(inv.name, tuple(options), covers), None
