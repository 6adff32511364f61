"""A model stand-in for scheduling tests: it does exactly the task cockpit hands it (its
``update_task`` done) and then ends its turn. cockpit's core is real; only the model's
answers are made up, as the scripted backend's are."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from cockpit.agent.backends.base import EventCallback, TurnRequest, TurnResult
from cockpit.agent.models import Usage

_HANDED = re.compile(r"cockpit hands you task #([\w/.-]+)")


@dataclass
class Diligent:
    """Finishes each handed task once, in the order it was handed."""

    agent: str
    name: str = "diligent"
    finished: list[str] = field(default_factory=list)
    calls: int = 0

    async def turn(self, request: TurnRequest, on_event: EventCallback) -> TurnResult:
        del on_event
        handed = _HANDED.findall(json.dumps(request.messages))
        todo = [t for t in dict.fromkeys(handed) if t not in self.finished]
        content: list[dict[str, Any]]
        if todo:
            task = todo[0]
            self.finished.append(task)
            self.calls += 1
            content = [
                {
                    "type": "tool_use",
                    "id": f"toolu_{self.agent}_{self.calls}",
                    "name": "update_task",
                    "input": {"task": task, "status": "done"},
                }
            ]
            stop = "tool_use"
        else:
            content, stop = [{"type": "text", "text": "Nothing handed to me now."}], "end_turn"
        return TurnResult(content, stop, Usage(1, 1), request.model, 0.0)
