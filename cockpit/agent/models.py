"""Model aliases and prices: the one place that knows which Claude models are current.

Aliases are Claude Code's (`claude --model`, an agent file's `model:`), so an agent file written
for Claude Code names the same model here:

| alias                       | model                                                     |
|-----------------------------|-----------------------------------------------------------|
| `opus` `sonnet` `haiku` `fable` | the newest of that family (the price table below)     |
| `best`                      | `claude-opus-5-5`, the most capable model every account has |
| `opusplan`                  | Opus for an agent that only plans (read-only), else Sonnet |
| `inherit` `default` or none | the session's: `--model`, `ANTHROPIC_MODEL`, or `sonnet`  |
| `X[1m]`                     | the model of `X` (see below)                              |

`[1m]` asks Claude Code for the 1M-token context window. The current models have it without
asking, and the API knows no id ending in `[1m]`, so cockpit drops the suffix; the price is
the model's own.

Prices are USD per million tokens, from Anthropic's model pages as of October 2026:

| model               | input | output | cache write (5 min) | cache read |
|---------------------|-------|--------|---------------------|------------|
| claude-opus-5-5     |  4.00 |  20.00 |  5.00               | 0.20       |
| claude-sonnet-5-5   |  2.00 |  10.00 |  2.50               | 0.10 (cut from 0.20 on 2026-10-07) |
| claude-haiku-5-5    |  0.10 |   0.50 |  0.125              | 0.01       |
| claude-fable-5-1    | 10.00 |  50.00 | 12.50               | 0.25       |

Haiku 5.5 bills a request whose prompt (input + cache writes + cache reads) is over 100,000
tokens at five times those rates, on every token of that request; `cost` does the same.
cockpit writes only 5-minute cache entries, so cache writes are priced at that rate.
A model missing from the table (a local model, a newer release) costs 0 and says so: the
caller marks its usage unpriced, so no screen shows `$0.000` for it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Usage:
    """Tokens one turn (or, summed, one agent) used, as the Messages API counts them."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_creation_input_tokens=(
                self.cache_creation_input_tokens + other.cache_creation_input_tokens
            ),
            cache_read_input_tokens=self.cache_read_input_tokens + other.cache_read_input_tokens,
        )

    @property
    def prompt_tokens(self) -> int:
        """Every token of the prompt: fresh input plus cache writes and cache reads."""
        return self.input_tokens + self.cache_creation_input_tokens + self.cache_read_input_tokens


ALIASES: dict[str, str] = {
    "opus": "claude-opus-5-5",
    "sonnet": "claude-sonnet-5-5",
    "haiku": "claude-haiku-5-5",
    "fable": "claude-fable-5-1",
    "best": "claude-opus-5-5",
}
DEFAULT_ALIAS = "sonnet"
SESSION_WORDS = frozenset({"inherit", "default"})
"""Claude Code's words for "the session's model"."""
PLAN_ALIAS = "opusplan"
ENV_MODEL = "ANTHROPIC_MODEL"

_LONG_CONTEXT = re.compile(r"\[1m\]$", re.IGNORECASE)


def resolve_model(name: str | None, default: str | None = None, *, read_only: bool = False) -> str:
    """The model id for an alias, a full id, or nothing.

    `None`, `""`, `inherit` and `default` give `default`, itself resolved, or the `sonnet`
    alias. `opusplan` is Opus for a `read_only` agent (Claude Code's plan mode) and Sonnet
    otherwise. A `[1m]` suffix is dropped (see the module docstring). Anything else that is
    not an alias is taken as a model id as written, so local models (`qwen3-coder:30b`) pass.
    """
    name = _LONG_CONTEXT.sub("", (name or "").strip())
    if not name or name.lower() in SESSION_WORDS:
        name = _LONG_CONTEXT.sub("", (default or "").strip())
        if not name or name.lower() in SESSION_WORDS:
            name = DEFAULT_ALIAS
    if name.lower() == PLAN_ALIAS:
        name = "opus" if read_only else "sonnet"
    return ALIASES.get(name.lower(), name)


def session_model(flag: str | None, env: Mapping[str, str]) -> str:
    """The session's model: `--model`, else `ANTHROPIC_MODEL` (as Claude Code), else sonnet."""
    return resolve_model(flag or env.get(ENV_MODEL) or None)


def is_known(model: str) -> bool:
    """Whether `model` (resolved) is a model cockpit knows, so has a price."""
    return price_for(model) is not None


def unknown_model_note(model: str) -> str:
    """One line saying what happens with a model cockpit does not know, and what was meant."""
    close = difflib.get_close_matches(model, [*PRICES, *ALIASES], n=1, cutoff=0.8)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    return (
        f"model `{model}` is not one cockpit knows{hint}: it is sent as written, and its "
        "cost cannot be counted"
    )


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
    """USD for `usage` on `model`; 0.0 for a model without a price (see `price_for`)."""
    price = price_for(model)
    return price.cost(usage) if price is not None else 0.0
