"""A ceremony that dies: ``python -m tests.merge.crashing_ceremony REPO BASE LOG KIND N
WHEN`` runs the engine on the builder, writer and tester branches, writes each step to LOG
(one JSON line, flushed), and SIGKILLs itself at the Nth body of KIND, ``before`` or
``after`` writing it: a crash between two steps, as a power cut would leave it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from cockpit.merge.ceremony import Queued, run_ceremony
from cockpit.merge.names import agent_branch, integration_branch
from cockpit.session.kinds import EventBody
from tests.merge.repos import SESSION, passes

AGENTS = ("builder", "writer", "tester")


def main() -> None:
    repo, base, log, kind, nth, when = sys.argv[1:7]
    seen = 0

    def record(body: EventBody) -> None:
        nonlocal seen
        dies = False
        if body.kind == kind:
            seen += 1
            dies = seen == int(nth)
        if dies and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        with open(log, "a") as f:
            f.write(json.dumps({"kind": body.kind, **body.data()}) + "\n")
            f.flush()
            os.fsync(f.fileno())
        if dies:
            os.kill(os.getpid(), signal.SIGKILL)

    queue = [Queued(a, agent_branch(SESSION, a)) for a in AGENTS]
    asyncio.run(run_ceremony(Path(repo), base, integration_branch(SESSION), queue, passes, record))


if __name__ == "__main__":
    main()
