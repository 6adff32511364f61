"""What A ("allow for this session") offers, and saving it: both decided by the core.

The policy decides which narrow grant (the exact program and subcommand) may be offered,
or why none is; the screen only shows it and, on A, asks the supervisor to save it. The
list of saved grants, to revoke one, is `cockpit.ui.grants_screen`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.ui.approval import GrantOffer

if TYPE_CHECKING:
    from cockpit.supervisor.core import Supervisor


def grant_offer(supervisor: Supervisor, call: str) -> GrantOffer:
    """The grant A would save for the pending ``call``, or why there is none."""
    grant = supervisor.session_grant_for(call)
    if grant is None:
        return GrantOffer(None, supervisor.session_grant_refusal(call) or "none applies")
    covers = f" (rules: {', '.join(grant.covers)})" if grant.covers else ""
    return GrantOffer(f"{grant.pattern}{covers}")


async def allow_for_session(supervisor: Supervisor, call: str) -> bool:
    """Save the grant shown for ``call`` and approve it (logged ``by: human``)."""
    return await supervisor.allow_for_session(call) is not None
