"""The tier-3 prompt: the policy decided the risk; this screen only asks the human.

Y approves, N denies (with an optional reason the agent sees), A saves the narrow session
grant shown on the prompt and approves, Escape denies, H hides the prompt until the
next-needing-me key brings it back. Focus starts on Deny, and nothing counts during the
first ``grace_s`` seconds, so a key typed before the prompt appeared cannot approve.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Resize
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Static

from cockpit.agent.runtime import ApprovalRequest
from cockpit.policy.model import Decision, Tier
from cockpit.ui.render import one_line
from cockpit.ui.settings import DIALOG_KEYS, PROMPT_KEYS, binding

GRACE_S = 0.5

# Rows of the prompt outside its scrolling part (border, padding, title, buttons, footnote;
# see approval.tcss), on a short terminal (under 32 rows) and a tall one.
FIXED_ROWS_SHORT = 9
FIXED_ROWS_TALL = 14
REASON_ROWS = 4  # the reason box, once N opened it
MIN_BODY_ROWS = 4
COMMAND_ROWS = 12  # the most a command takes before it scrolls on its own
MIN_COMMAND_ROWS = 3

Choice = Literal["approve", "deny", "session", "later", "gone"]


@dataclass(frozen=True)
class Verdict:
    """What the human answered (``gone``: the request was settled elsewhere)."""

    choice: Choice
    reason: str | None = None


@dataclass(frozen=True)
class GrantOffer:
    """The session grant A would save (``rule``), or why none is offered (``refusal``)."""

    rule: str | None
    refusal: str | None = None


NOTHING_ASKED = ApprovalRequest(
    agent="", call="", tool="", command="", cwd="", decision=Decision(Tier.ASK, (), ()), action=None
)
"""What a prompt built ahead of its first request holds (never shown: `load` comes first)."""


def shown_command(command: str) -> str:
    """The command exactly as bash gets it: each of its lines as it is, nothing trimmed or
    collapsed, but every control or invisible character written as its escape (``\x1b``,
    ``\r``, ``\t``, ``\u202e``): an escape code in it cannot erase the line above and
    pass for another command, a tab cannot hide as spaces. Never read as markup."""
    return "\n".join(one_line(line) for line in command.split("\n"))


class ApprovalScreen(ModalScreen[Verdict]):
    """Asks about one pending tier-3 request."""

    CSS_PATH = "approval.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        binding(PROMPT_KEYS, "approve", "approve", "Approve"),
        binding(PROMPT_KEYS, "deny", "deny", "Deny…"),
        binding(PROMPT_KEYS, "allow_session", "allow_session", "Allow for session"),
        binding(PROMPT_KEYS, "deny_now", "deny_now", "Deny"),
        binding(PROMPT_KEYS, "later", "later", "Decide later"),
        binding(DIALOG_KEYS, "prompt.scroll_up", "scroll(-1)", "Scroll up", show=False),
        binding(DIALOG_KEYS, "prompt.scroll_down", "scroll(1)", "Scroll down", show=False),
        binding(DIALOG_KEYS, "prompt.page_up", "scroll(-10)", "Page up", show=False),
        binding(DIALOG_KEYS, "prompt.page_down", "scroll(10)", "Page down", show=False),
    ]
    # Less air on a short or narrow terminal (approval.tcss). Textual declares these
    # without ClassVar, so they are not annotated here (mypy would refuse the override).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # noqa: RUF012
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012

    def __init__(
        self,
        request: ApprovalRequest,
        offer: GrantOffer,
        *,
        position: tuple[int, int] = (1, 1),
        grace_s: float = GRACE_S,
    ) -> None:
        super().__init__()
        self.grace_s = grace_s
        self.request = request
        self.offer = offer
        self.position = position
        self._armed = False
        self._gone = False
        self._arming: Timer | None = None
        self.shown_at: float | None = None
        """When the prompt was first on screen (monotonic seconds), for the benchmark."""
        self.on_shown: Callable[[], None] | None = None
        """Called each time a request's prompt is first on screen."""

    def load(
        self, request: ApprovalRequest, offer: GrantOffer, *, position: tuple[int, int] = (1, 1)
    ) -> None:
        """Ask about another request with this prompt, before it is pushed again.

        The inbox keeps one prompt and refills it: building a prompt's widgets anew each
        time made it appear several frames late. Everything starts over, the grace period
        too: a timer left from the last request cannot arm this one.
        """
        if self._arming is not None:
            self._arming.stop()
            self._arming = None
        self.request, self.offer, self.position = request, offer, position
        self._armed = False
        self._gone = False
        self.shown_at = None
        if self.is_mounted:
            self.set_focus(None)
            reason = self.query_one("#approval-reason", Input)
            reason.value = ""
            reason.remove_class("-open")
            self._fit()
            for button in self.query(Button):
                button.disabled = True
            self._fill()

    @property
    def call(self) -> str:
        return self.request.call

    def compose(self) -> ComposeResult:
        with Vertical(id="approval-box"):
            yield Static(id="approval-title")
            # The part that scrolls (up/down, the wheel) when the terminal is short: the
            # title, the answer box and the buttons below it always stay in sight.
            with VerticalScroll(id="approval-body"):
                with VerticalScroll(id="approval-command"):
                    yield Static(id="approval-command-text")
                yield Static(id="approval-cwd")
                yield Static(id="approval-why")
                yield Static(id="approval-grant")
            yield Input(
                placeholder="Why? The agent sees this (optional). Enter denies.",
                id="approval-reason",
            )
            with Horizontal(id="approval-buttons"):
                yield Button("Deny (N)", id="deny", variant="error", disabled=True)
                yield Button("Approve (Y)", id="approve", variant="success", disabled=True)
                yield Button(
                    "Allow for session (A)", id="session", variant="warning", disabled=True
                )
                yield Button("Later (H)", id="later", disabled=True)
            yield Static(id="approval-footnote")

    def on_mount(self) -> None:
        self._fill()
        self._fit()

    def on_resize(self, _: Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        """Bound the scrolling part by what the terminal leaves once the title, the answer
        box and the buttons are placed, so those are on screen at any size (CSS cannot
        say "the rest of the screen" inside a box that is as tall as its content)."""
        short = self.size.height < 32
        fixed = FIXED_ROWS_SHORT if short else FIXED_ROWS_TALL
        if self.query_one("#approval-reason", Input).has_class("-open"):
            fixed += REASON_ROWS
        room = max(MIN_BODY_ROWS, self.size.height - fixed)
        self.query_one("#approval-body").styles.max_height = room
        # The command gets at most half of it while reasons follow, so both are in sight.
        rows = max(MIN_COMMAND_ROWS, min(COMMAND_ROWS, room // 2))
        command = self.query_one("#approval-command", VerticalScroll)
        command.styles.max_height = rows
        lines = (self.request.command or self.request.tool).count("\n") + 1
        shown = rows - 2  # inside its border
        command.border_subtitle = f"{lines} lines · ↑↓ to read" if lines > shown else ""

    def action_scroll(self, lines: int) -> None:
        """Scroll the request: down reads the command to its end, then what follows it; up
        goes back the same way. The buttons stay where they are."""
        command = self.query_one("#approval-command", VerticalScroll)
        body = self.query_one("#approval-body", VerticalScroll)
        if lines > 0:
            first = command if command.scroll_y < command.max_scroll_y else body
        else:
            first = body if body.scroll_y > 0 else command
        first.scroll_relative(y=lines, animate=False)

    def _fill(self) -> None:
        """Write the request into the prompt's widgets."""
        r, d = self.request, self.request.decision
        tier = "DENY" if d.tier is Tier.DENY else f"tier {d.tier}"
        if r.rerun:
            title = Content.from_markup(
                "[b]⚠ the sandbox stopped a command of $agent's[/b]: run it again with "
                "[b]$wider[/b]?",
                agent=one_line(r.agent),
                wider=one_line(r.widening.words()),
            )
        else:
            title = Content.from_markup(
                "[b]⚠ $agent[/b] wants to run a [b]$tier[/b] action ($tool)",
                agent=one_line(r.agent),
                tier=tier,
                tool=one_line(r.tool),
            )
        at, of = self.position
        queue = f"{at} of {of} waiting · most critical first · " if of > 1 else ""
        texts = {
            "#approval-title": title,
            "#approval-command-text": Content(shown_command(r.command or r.tool)),
            "#approval-cwd": Content.assemble(("cwd ", "$text-muted"), one_line(str(r.cwd))),
            "#approval-why": self._why(),
            "#approval-grant": self._grant_line(),
            "#approval-footnote": Content.styled(f"{queue}Esc denies", "$text-muted"),
        }
        for selector, text in texts.items():
            self.query_one(selector, Static).update(text)
        self.query_one("#approval-command", VerticalScroll).scroll_home(animate=False)
        self.query_one("#approval-body", VerticalScroll).scroll_home(animate=False)

    def _why(self) -> Content:
        d = self.request.decision
        lines = [Content.styled("Why it needs you", "bold")]
        lines += [Content.assemble("  • ", one_line(reason)) for reason in d.reasons]
        if self.request.widening:
            again = "runs it again" if self.request.rerun else "runs it"
            lines.append(
                Content.assemble(
                    ("Sandbox: ", "bold"),
                    (f"yes {again} with {one_line(self.request.widening.words())}", "$warning"),
                    (" (this command only)", "$text-muted"),
                )
            )
        if d.rules:
            lines.append(Content.styled("Matched rules", "bold"))
            lines += [
                Content.assemble(
                    "  • ",
                    (one_line(rule.id), "$secondary"),
                    (f"  {one_line(rule.source)}", "$text-muted"),
                )
                for rule in d.rules
            ]
        return Content("\n").join(lines)

    def _grant_line(self) -> Content:
        if self.offer.rule is not None:
            return Content.assemble(
                ("A saves this grant for the session: ", "$text-muted"),
                (one_line(self.offer.rule), "bold"),
            )
        why = one_line(self.offer.refusal or "no narrow rule covers it")
        return Content.styled(f"A is not offered: {why}", "$text-muted")

    def on_screen_resume(self) -> None:
        if self._gone:  # settled while another screen was on top of it
            self.dismiss(Verdict("gone"))
        elif self.shown_at is None:
            self.call_after_refresh(self._shown)

    def _shown(self) -> None:
        """On screen: the grace period starts now."""
        if self.shown_at is None and self.is_current:
            self.shown_at = time.monotonic()
            if self.on_shown is not None:
                self.on_shown()
            if self.grace_s > 0:
                self._arming = self.set_timer(self.grace_s, self._arm)
            else:
                self._arm()

    def _arm(self) -> None:
        self._arming = None
        # Keys count from here: the same moment the buttons come alive and focus lands on
        # Deny (a clock check alone could accept a key before the safe focus is set).
        self._armed = True
        for button in self.query(Button):
            button.disabled = button.id == "session" and self.offer.rule is None
        if not self.query_one("#approval-reason", Input).has_focus:
            self.query_one("#deny", Button).focus()

    def settle(self) -> None:
        """The request was decided elsewhere (a timeout): close, now or when on top."""
        self._gone = True
        if self.is_current:
            self.dismiss(Verdict("gone"))

    @property
    def armed(self) -> bool:
        """True once the grace period is over: only then does a key count."""
        return self._armed

    # -- answers ---------------------------------------------------------------------

    def action_approve(self) -> None:
        if self.armed:
            self.dismiss(Verdict("approve"))

    def action_deny(self) -> None:
        """First N asks for an optional reason; Enter in the box denies."""
        if not self.armed:
            return
        reason = self.query_one("#approval-reason", Input)
        if reason.has_class("-open"):
            self.dismiss(Verdict("deny", reason.value.strip() or None))
            return
        reason.add_class("-open")
        self._fit()
        reason.focus()

    def action_deny_now(self) -> None:
        if self.armed:
            reason = self.query_one("#approval-reason", Input).value.strip()
            self.dismiss(Verdict("deny", reason or None))

    def action_allow_session(self) -> None:
        if not self.armed:
            return
        if self.offer.rule is None:
            self.notify(self._grant_line().plain, severity="warning", markup=False)
            return
        self.dismiss(Verdict("session"))

    def action_later(self) -> None:
        if self.armed:
            self.dismiss(Verdict("later"))

    @on(Input.Submitted, "#approval-reason")
    def _reason_given(self, event: Input.Submitted) -> None:
        event.stop()
        if self.armed:
            self.dismiss(Verdict("deny", event.value.strip() or None))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "approve": self.action_approve,
            "deny": self.action_deny,
            "session": self.action_allow_session,
            "later": self.action_later,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            action()
