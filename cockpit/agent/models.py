"""Model aliases and prices: the one place that knows which Claude models are current.

Aliases (`opus`, `sonnet`, `haiku`) resolve to the newest model of each family. Prices are
USD per million tokens, from Anthropic's model pages as of October 2026:

| model               | input | output | cache write (5 min) | cache read |
|---------------------|-------|--------|---------------------|------------|
| claude-opus-5-5     |  4.00 |  20.00 |  5.00               | 0.20       |
| claude-sonnet-5-5   |  2.00 |  10.00 |  2.50               | 0.10 (cut from 0.20 on 2026-10-07) |
| claude-haiku-5-5    |  0.10 |   0.50 |  0.125              | 0.01       |

Haiku 5.5 bills a request whose prompt (input + cache writes + cache reads) is over 100,000
tokens at five times those rates, on every token of that request; `cost` does the same.
cockpit writes only 5-minute cache entries, so cache writes are priced at that rate.
A model missing from the table (a local model, a newer release) costs 0 but its tokens
are still counted by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cockpit.agent.backends.base import Usage

ALIASES: dict[str, str] = {
    "opus": "claude-opus-5-5",
    "sonnet": "claude-sonnet-5-5",
    "haiku": "claude-haiku-5-5",
}
DEFAULT_ALIAS = "sonnet"


def resolve_model(name: str | None, default: str | None = None) -> str:
    """The model id for an alias, a full id, or nothing.

    `None`, `""` and `"inherit"` (Claude Code's word for "the session's model") give
    `default`, itself resolved, or the `sonnet` alias. Anything else that is not an alias
    is taken as a model id as written, so local models (`qwen3-coder:30b`) pass through.
    """
    name = (name or "").strip()
    if not name or name == "inherit":
        name = (default or "").strip() or DEFAULT_ALIAS
    return ALIASES.get(name.lower(), name)


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float
    cache_write: float
    cache_read: float
    long_prompt: Price | None = None
    """Rates for every token of a request whose prompt exceeds `long_prompt_over`."""
    long_prompt_over: int = 0

    def cost(self, usage: Usage) -> float:
        if self.long_prompt is not None and usage.prompt_tokens > self.long_prompt_over:
            return self.long_prompt.cost(usage)
        return (
            usage.input_tokens * self.input
            + usage.output_tokens * self.output
            + usage.cache_creation_input_tokens * self.cache_write
            + usage.cache_read_input_tokens * self.cache_read
        ) / 1_000_000


_OPUS_4_5_TO_5 = Price(5.00, 25.00, 6.25, 0.50)

PRICES: dict[str, Price] = {
    # Current models (the aliases' targets).
    "claude-opus-5-5": Price(4.00, 20.00, 5.00, 0.20),
    "claude-sonnet-5-5": Price(2.00, 10.00, 2.50, 0.10),
    "claude-haiku-5-5": Price(
        0.10,
        0.50,
        0.125,
        0.01,
        long_prompt=Price(0.50, 2.50, 0.625, 0.05),
        long_prompt_over=100_000,
    ),
    # Still served, so still priced when a definition names them.
    "claude-fable-5-1": Price(10.00, 50.00, 12.50, 0.25),
    "claude-opus-5": _OPUS_4_5_TO_5,
    "claude-sonnet-5": Price(2.00, 10.00, 2.50, 0.20),
    "claude-opus-4-8": _OPUS_4_5_TO_5,
    "claude-opus-4-7": _OPUS_4_5_TO_5,
    "claude-opus-4-6": _OPUS_4_5_TO_5,
    "claude-opus-4-5": _OPUS_4_5_TO_5,
    "claude-sonnet-4-6": Price(3.00, 15.00, 3.75, 0.30),
    "claude-sonnet-4-5": Price(3.00, 15.00, 3.75, 0.30),
    "claude-haiku-4-5": Price(1.00, 5.00, 1.25, 0.10),
}

_DATE_SUFFIX = re.compile(r"-\d{8}$")
_CONTEXT_SUFFIX = re.compile(r"\[[^\]]*\]$")


def price_for(model: str) -> Price | None:
    """The price of `model`, also under its dated (`-20251001`) or `[1m]` spellings."""
    model = resolve_model(model)
    for candidate in (model, _CONTEXT_SUFFIX.sub("", model)):
        price = PRICES.get(candidate) or PRICES.get(_DATE_SUFFIX.sub("", candidate))
        if price is not None:
            return price
    return None


def cost(model: str, usage: Usage) -> float:
    """USD for `usage` on `model`; 0.0 for a model without a price."""
    price = price_for(model)
    return price.cost(usage) if price is not None else 0.0
