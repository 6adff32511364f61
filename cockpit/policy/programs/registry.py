"""Which piece of knowledge handles which program."""

from __future__ import annotations

from cockpit.policy.programs import (
    fs,
    git,
    interpreters,
    packages,
    readers,
    scripts,
    system,
    wrappers,
)
from cockpit.policy.programs.knowledge import Handler, names

HANDLERS: dict[str, Handler] = {
    **system.HANDLERS,
    **packages.HANDLERS,
    **interpreters.HANDLERS,
    **readers.HANDLERS,
    **scripts.HANDLERS,
    **fs.HANDLERS,
    **git.HANDLERS,
    **wrappers.HANDLERS,
}
# Wrappers run the command they are given; `--version` after them is not theirs.
WRAPPERS = frozenset(wrappers.HANDLERS) - {"eval", "source", "."}
NETWORK = frozenset(system.NETWORK)
# Programs that, given as an argument to an unknown program, suggest it runs them.
RISKY_NAMES = (
    frozenset(
        names(
            "rm dd mkfs shred curl wget nc ssh scp sudo su doas chmod chown git python perl ruby "
            "node"
        )
    )
    | wrappers.SHELLS
)
INFO_ARGS = frozenset(names("--version --help -h -V version help"))


def handler_for(name: str) -> Handler | None:
    handler = HANDLERS.get(name)
    if handler is None and name.startswith("mkfs."):
        return HANDLERS.get("mkfs")
    return handler
