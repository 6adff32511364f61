"""cockpit's settings: one typed, frozen object read from `.cockpit/config.yaml` by the
CLI and passed down (to the screen, the launch options, the supervisor's agents); nothing
is read from configuration at import time, and no other module parses the file.

```yaml
keys:                  # binding id: key (or "key1,key2"), as typed: `?`, `+`, `ctrl+n`
  zoom: z
  next_waiting: w
screen:
  notifications: auto  # auto | osc9 | osc777 | bell | off
  scrollback: 5000     # lines kept per agent pane
sandbox:               # or `sandbox: off` (the header then says UNSANDBOXED)
  processes: 256       # processes one command may have at once
  memory_mb: 4096
  output_mb: 64        # output past this stops the command
  timeout_s: 120       # a command's timeout when the model gives none
  max_timeout_s: 1800  # the most a model may ask for
model:
  stalled_after: 30    # seconds of silence before the agent shows as stalled
  idle_timeout: 180    # seconds of silence before the request is given up and asked again
  turn_timeout: 900    # seconds one model turn may take in all
  retries: 2           # how many times a timed-out request is asked again
merge:
  integration: make test  # or a list: run after each merge of the ceremony, besides
                          # every merged task's `verify:`
  auto: true              # a ceremony when a phase's building is done (false: only on M)
```

A key given to two bindings of one screen is refused (Textual would silently drop one of
them: `zoom: q` would take quit away), as is a key a screen keeps for itself; `ctrl+q`
always quits. Other top-level sections belong to other parts of cockpit and are left alone.
Every error names the file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cockpit.config.keys import (
    ALWAYS_QUIT,
    KEYS,
    PROMPT_KEYS,
    REPLAY_KEYS,
    SCREENS,
    key_label,
    normal_key,
)
from cockpit.config.workspace import Sections, read_config
from cockpit.config.yaml_source import YamlSource

APPROVING = ("approve", "allow_session")
NEVER_APPROVES = frozenset(["escape", "enter", "space", "n", "q", "backspace", "delete"])
"""Keys a person presses to get rid of a prompt (or that deny by default): a config file
(a cloned repository's, say) may never make one of them approve."""


NOTIFICATIONS = ("auto", "osc9", "osc777", "bell", "off")


@dataclass(frozen=True)
class ScreenSettings:
    """What the screen takes from the user's configuration."""

    keymap: Mapping[str, str] = field(default_factory=dict)
    """Binding id -> key(s), overriding the defaults in `KEYS`."""
    notifications: str = "auto"
    """How a tier-3 prompt is announced beyond the screen: see `NOTIFICATIONS`."""
    scrollback: int = 5000
    """Transcript lines kept per agent."""
    grace_s: float = 0.5
    """Seconds after a prompt appears during which no key counts."""


_SETTINGS = {
    "stalled_after": "stalled_after_s",
    "idle_timeout": "idle_timeout_s",
    "turn_timeout": "turn_timeout_s",
    "retries": "retries",
}


@dataclass(frozen=True)
class ModelLimits:
    """How long a model request may stay silent, and take in all (seconds): see
    `cockpit.agent.watchdog`."""

    stalled_after_s: float = 30.0
    idle_timeout_s: float = 180.0
    turn_timeout_s: float = 900.0
    retries: int = 2


@dataclass(frozen=True)
class SandboxSettings:
    """The ``sandbox:`` section: ``off``, or the limits no agent command may pass."""

    enabled: bool = True
    processes: int = 256
    memory_mb: int = 4096
    output_mb: int = 64
    timeout_s: float = 120.0
    """A command's timeout when the model gives none."""
    max_timeout_s: float = 1800.0
    """The most a model may ask for (`timeout_s` of the bash tool)."""


_SANDBOX_NUMBERS = {
    "processes": (int, 16),
    "memory_mb": (int, 64),
    "output_mb": (int, 1),
    "timeout_s": (float, 1),
    "max_timeout_s": (float, 1),
}


@dataclass(frozen=True)
class MergeSettings:
    """The ``merge:`` section: what the merge ceremony runs after each merge besides the
    merged tasks' ``verify:`` ("scope changes narrowly, verify broadly")."""

    integration: tuple[str, ...] = ()
    """Shell commands run in the candidate merge, in order, through the policy."""
    auto: bool = True
    """Run the ceremony by itself when every task a writing agent owns in a phase is done
    (``auto: false``: only on the screen's key or `cockpit merge`)."""


@dataclass(frozen=True)
class ApprovalSettings:
    """The ``approvals:`` section: how long a question waits for the human before it is
    denied, per tier of the action asked about (a tier-3 command; a tier-1 or tier-2
    command whose sandbox must be widened). Absent: it waits until the human answers."""

    timeouts: dict[str, float] = field(default_factory=dict)
    """Tier (``"1"``, ``"2"``, ``"3"``) -> seconds."""


RED_FIRST_MODES: tuple[str, ...] = ("warn", "block", "off")


@dataclass(frozen=True)
class OrchestrationSettings:
    """The ``orchestration:`` section: who gets blocked tasks first, red first, and the
    escape hatch's budget (the seed's defaults; an agent's file or a task may set its
    own ``iterations:``/``shifts:``)."""

    lead: str | None = "planner"
    """The agent that re-plans blocked work; None (``lead: ""``): straight to the human. The
    default is the planner when the session has one."""
    red_first: str = "warn"
    """``warn``: a verify that passes before the work flags the task; ``block``: the task
    waits until it fails first; ``off``."""
    iterations: int = 5
    shifts: int = 2
    stuck_repeats: int = 3
    stall_s: float = 1200.0


@dataclass(frozen=True)
class Settings:
    """Everything cockpit takes from a workspace's configuration."""

    screen: ScreenSettings = field(default_factory=ScreenSettings)
    model: ModelLimits = field(default_factory=ModelLimits)
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)
    merge: MergeSettings = field(default_factory=MergeSettings)
    orchestration: OrchestrationSettings = field(default_factory=OrchestrationSettings)
    approvals: ApprovalSettings = field(default_factory=ApprovalSettings)


def load_settings(path: Path, *, screen: bool = True) -> Settings:
    """Read ``path``, a workspace's `.cockpit/config.yaml` (a missing file gives the
    defaults). Without a ``screen`` (a headless run), the ``keys:`` and ``screen:``
    sections are not read: a stale key map must not stop a run that shows no keys.

    Raises:
        ConfigError: the file is malformed; the message names the file and line.
    """
    src, top = read_config(path)
    shown = _screen(src, top) if screen else ScreenSettings()
    return Settings(
        screen=shown,
        model=_model(src, top),
        sandbox=_sandbox(src, top),
        merge=_merge(src, top),
        orchestration=_orchestration(src, top),
        approvals=_approvals(src, top),
    )


def _approvals(src: YamlSource, top: Sections) -> ApprovalSettings:
    """``approvals: timeout_s: 600`` (every tier) or ``timeout_s: {tier3: 600, tier1: 120}``."""
    if "approvals" not in top:
        return ApprovalSettings()
    node = top["approvals"][1]
    if not isinstance(node, yaml.MappingNode):
        raise src.error(node, "approvals: is a mapping (`timeout_s: {tier3: 600}`)")
    timeouts: dict[str, float] = {}
    for name, (key_node, value_node) in src.mapping(node, "approvals").items():
        if name != "timeout_s":
            raise src.error(key_node, f"approvals: unknown setting `{name}` (timeout_s)")
        if not isinstance(value_node, yaml.MappingNode):
            timeouts = dict.fromkeys(("1", "2", "3"), _seconds(src, value_node))
            continue
        for tier, (tier_node, seconds_node) in src.mapping(value_node, "timeout_s").items():
            key = str(tier).removeprefix("tier")
            if not str(tier).startswith("tier") or key not in ("1", "2", "3"):
                raise src.error(
                    tier_node, "approvals: timeout_s is keyed by tier: tier1, tier2 or tier3"
                )
            timeouts[key] = _seconds(src, seconds_node)
    return ApprovalSettings(timeouts)


def _seconds(src: YamlSource, node: yaml.Node) -> float:
    value = src.value(node)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise src.error(node, "approvals: a timeout is a number of seconds above 0")
    return float(value)


_ORCHESTRATION_NUMBERS: dict[str, tuple[type, float]] = {
    "iterations": (int, 1),
    "shifts": (int, 0),
    "stuck_repeats": (int, 2),
    "stall_s": (float, 1),
}


def _orchestration(src: YamlSource, top: Sections) -> OrchestrationSettings:
    """The ``orchestration:`` section (see `OrchestrationSettings`)."""
    if "orchestration" not in top:
        return OrchestrationSettings()
    node = top["orchestration"][1]
    if not isinstance(node, yaml.MappingNode):
        raise src.error(node, "orchestration: is a mapping (`lead: planner`, `red_first: warn`)")
    values: dict[str, Any] = {}
    for name, (key_node, value_node) in src.mapping(node, "orchestration").items():
        value = src.value(value_node)
        if name == "lead":
            if value is not None and not isinstance(value, str):
                raise src.error(value_node, 'orchestration: lead is an agent\'s name, or ""')
            values["lead"] = (value or "").strip() or None
            continue
        if name == "red_first":
            if value is False:
                value = "off"
            if value not in RED_FIRST_MODES:
                raise src.error(value_node, "orchestration: red_first is warn, block or off")
            values["red_first"] = value
            continue
        spec = _ORCHESTRATION_NUMBERS.get(name)
        if spec is None:
            known = ", ".join(["lead", "red_first", *_ORCHESTRATION_NUMBERS])
            raise src.error(key_node, f"orchestration: unknown setting `{name}` ({known})")
        kind, least = spec
        if isinstance(value, bool) or not isinstance(value, int | float) or value < least:
            raise src.error(value_node, f"orchestration: {name} is a number ≥ {least:g}")
        if kind is int and not isinstance(value, int):
            raise src.error(value_node, f"orchestration: {name} is a whole number")
        values[name] = kind(value)
    return OrchestrationSettings(**values)


def _merge(src: YamlSource, top: Sections) -> MergeSettings:
    """The ``merge:`` section: ``integration:`` one command or a list of them."""
    if "merge" not in top:
        return MergeSettings()
    node = top["merge"][1]
    if not isinstance(node, yaml.MappingNode):
        raise src.error(node, "merge: is a mapping (`integration: COMMAND`)")
    commands: tuple[str, ...] = ()
    auto = True
    for name, (key_node, value_node) in src.mapping(node, "merge").items():
        if name == "auto":
            flag = src.value(value_node)
            if not isinstance(flag, bool):
                raise src.error(value_node, "merge: auto is true or false")
            auto = flag
            continue
        if name != "integration":
            raise src.error(key_node, f"merge: unknown setting `{name}` (integration, auto)")
        value = src.value(value_node)
        listed = value if isinstance(value, list) else [value]
        if not listed or not all(isinstance(c, str) and c.strip() for c in listed):
            raise src.error(value_node, "merge: integration is a command or a list of commands")
        commands = tuple(str(c).strip() for c in listed)
    return MergeSettings(integration=commands, auto=auto)


def _sandbox(src: YamlSource, top: Sections) -> SandboxSettings:
    """The ``sandbox:`` section: ``off``/``on``, or a mapping of limits (defaults when
    absent). ``off`` is the user's own choice; cockpit never falls back to it."""
    if "sandbox" not in top:
        return SandboxSettings()
    node = top["sandbox"][1]
    value = src.value(node) if not isinstance(node, yaml.MappingNode) else None
    if value is False or value == "off":
        return SandboxSettings(enabled=False)
    if value is True or value == "on":
        return SandboxSettings()
    if not isinstance(node, yaml.MappingNode):
        raise src.error(node, "sandbox: is `off`, `on`, or a mapping of limits")
    values: dict[str, Any] = {}
    for name, (key_node, value_node) in src.mapping(node, "sandbox").items():
        if name == "enabled":
            flag = src.value(value_node)
            if not isinstance(flag, bool):
                raise src.error(value_node, "sandbox: enabled is true or false")
            values["enabled"] = flag
            continue
        spec = _SANDBOX_NUMBERS.get(name)
        if spec is None:
            known = ", ".join(["enabled", *_SANDBOX_NUMBERS])
            raise src.error(key_node, f"sandbox: unknown setting `{name}` ({known})")
        kind, least = spec
        number = src.value(value_node)
        if isinstance(number, bool) or not isinstance(number, int | float) or number < least:
            raise src.error(value_node, f"sandbox: {name} is a number ≥ {least}")
        if kind is int and not isinstance(number, int):
            raise src.error(value_node, f"sandbox: {name} is a whole number")
        values[name] = kind(number)
    settings = SandboxSettings(**values)
    if settings.timeout_s > settings.max_timeout_s:
        raise src.error(node, "sandbox: timeout_s is more than max_timeout_s")
    return settings


def _screen(src: YamlSource, top: Sections) -> ScreenSettings:
    """The ``keys:`` and ``screen:`` sections."""
    keymap: dict[str, str] = {}
    lines: dict[str, yaml.Node] = {}
    if "keys" in top:
        for name, (key_node, value_node) in src.mapping(top["keys"][1], "keys").items():
            if name not in KEYS and name not in REPLAY_KEYS:
                known = ", ".join({**KEYS, **REPLAY_KEYS})
                raise src.error(key_node, f"keys: no binding `{name}` (bindings: {known})")
            value = src.value(value_node)
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str) or not value.strip():
                raise src.error(value_node, f"keys: `{name}` must be a key such as `z` or `ctrl+z`")
            keys = [normal_key(part) for part in value.split(",") if part.strip()]
            if not keys:
                raise src.error(value_node, f"keys: `{name}` must be a key such as `z` or `ctrl+z`")
            keymap[name], lines[name] = ",".join(keys), value_node
        _refuse_collisions(src, keymap, lines)
    notifications, scrollback = "auto", 5000
    if "screen" in top:
        for name, (key_node, value_node) in src.mapping(top["screen"][1], "screen").items():
            value = src.value(value_node)
            if name == "notifications":
                if value is False:
                    value = "off"
                if value not in NOTIFICATIONS:
                    raise src.error(
                        value_node, f"screen: notifications is one of {', '.join(NOTIFICATIONS)}"
                    )
                notifications = str(value)
            elif name == "scrollback":
                if isinstance(value, bool) or not isinstance(value, int) or value < 100:
                    raise src.error(value_node, "screen: scrollback is a number of lines, ≥ 100")
                scrollback = value
            else:
                raise src.error(
                    key_node, f"screen: unknown setting `{name}` (notifications, scrollback)"
                )
    return ScreenSettings(keymap=keymap, notifications=notifications, scrollback=scrollback)


def _refuse_collisions(
    src: YamlSource, keymap: Mapping[str, str], lines: Mapping[str, yaml.Node]
) -> None:
    """A key bound twice on one screen would silently lose one of its bindings (a remapped
    ``zoom: q`` would hide quit): refuse it, naming the line of the remap.

    Raises:
        ConfigError: two bindings of one screen share a key, or a binding takes a key the
            screen keeps for itself.
    """
    dismissing = NEVER_APPROVES | {
        key for name in ("deny", "deny_now", "later") for key in PROMPT_KEYS[name][0].split(",")
    }
    for name in APPROVING:
        for key in keymap.get(name, "").split(","):
            if key in dismissing:
                raise src.error(
                    lines[name],
                    f"keys: `{name}` cannot take `{key_label(key)}`: a key people press to "
                    "dismiss or deny a prompt never approves",
                )
    for screen, (bindings, kept) in SCREENS.items():
        owner: dict[str, str] = {}  # key -> binding id
        # Remapped bindings last, so a collision is reported on a line of the file.
        for name in sorted(bindings, key=lambda name: name in keymap):
            for key in keymap.get(name, bindings[name][0]).split(","):
                if key in kept and not (key == ALWAYS_QUIT and name == "quit"):
                    why = "it always quits" if key == ALWAYS_QUIT else f"{screen} keeps it"
                    raise src.error(
                        lines[name], f"keys: `{name}` cannot take `{key_label(key)}`: {why}"
                    )
                other = owner.get(key)
                if other is not None and other != name:  # ``name`` is remapped: defaults differ
                    raise src.error(
                        lines[name],
                        f"keys: `{key_label(key)}` is the key of both `{other}` and `{name}` "
                        f"on {screen}: give one of them another key",
                    )
                owner[key] = name


def _model(src: YamlSource, top: Sections) -> ModelLimits:
    """The ``model:`` section (defaults when it is absent)."""
    if "model" not in top:
        return ModelLimits()
    values: dict[str, float | int] = {}
    for name, (key_node, value_node) in src.mapping(top["model"][1], "model").items():
        field = _SETTINGS.get(name)
        if field is None:
            known = ", ".join(_SETTINGS)
            raise src.error(key_node, f"model: unknown setting `{name}` ({known})")
        value = src.value(value_node)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise src.error(value_node, f"model: `{name}` is a number of seconds, ≥ 0")
        if name == "retries":
            if not isinstance(value, int) or value > 10:
                raise src.error(value_node, "model: `retries` is a whole number from 0 to 10")
        elif value == 0:
            raise src.error(value_node, f"model: `{name}` must be more than 0 seconds")
        values[field] = value
    return ModelLimits(**values)  # type: ignore[arg-type]
