from __future__ import annotations

import pytest

from cockpit.agent.models import (
    ALIASES,
    Usage,
    cost,
    is_known,
    price_for,
    resolve_model,
    session_model,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("opus", "claude-opus-5-5"),
        ("sonnet", "claude-sonnet-5-5"),
        ("haiku", "claude-haiku-5-5"),
        ("Sonnet", "claude-sonnet-5-5"),
        (None, "claude-sonnet-5-5"),
        ("", "claude-sonnet-5-5"),
        ("inherit", "claude-sonnet-5-5"),
        ("default", "claude-sonnet-5-5"),
        ("fable", "claude-fable-5-1"),
        ("best", "claude-opus-5-5"),
        ("opusplan", "claude-sonnet-5-5"),
        ("sonnet[1m]", "claude-sonnet-5-5"),
        ("opus[1m]", "claude-opus-5-5"),
        ("fable[1m]", "claude-fable-5-1"),
        ("claude-sonnet-4-5[1M]", "claude-sonnet-4-5"),
        ("claude-opus-4-7", "claude-opus-4-7"),
        ("qwen3-coder:30b", "qwen3-coder:30b"),
    ],
)
def test_aliases_resolve_in_one_place(name: str | None, expected: str) -> None:
    assert resolve_model(name) == expected


def test_default_model_is_itself_resolved() -> None:
    assert resolve_model("inherit", default="haiku") == ALIASES["haiku"]
    assert resolve_model(None, default="my-local-model") == "my-local-model"


def test_every_documented_claude_code_alias_resolves_to_a_priced_model() -> None:
    documented = ["default", "best", "sonnet", "opus", "haiku", "fable", "opusplan", "inherit"]
    documented += ["sonnet[1m]", "opus[1m]", "fable[1m]"]
    for alias in documented:
        for read_only in (False, True):
            assert is_known(resolve_model(alias, read_only=read_only)), alias
    assert resolve_model("opusplan", read_only=True) == ALIASES["opus"]


def test_the_sessions_model_is_the_flag_else_anthropic_model_else_sonnet() -> None:
    assert session_model("haiku", {"ANTHROPIC_MODEL": "opus"}) == ALIASES["haiku"]
    assert session_model(None, {"ANTHROPIC_MODEL": "opus"}) == ALIASES["opus"]
    assert session_model(None, {"ANTHROPIC_MODEL": ""}) == ALIASES["sonnet"]
    assert session_model(None, {}) == ALIASES["sonnet"]
    assert session_model("inherit", {}) == ALIASES["sonnet"]


def test_every_alias_has_a_price() -> None:
    for model in ALIASES.values():
        assert price_for(model) is not None


def test_cost_adds_every_kind_of_token_at_its_rate() -> None:
    usage = Usage(
        input_tokens=1_000_000,
        output_tokens=100_000,
        cache_creation_input_tokens=200_000,
        cache_read_input_tokens=3_000_000,
    )
    # Sonnet 5.5: $2 in, $10 out, $2.50 cache write, $0.10 cache read, per million.
    assert cost("sonnet", usage) == pytest.approx(2.0 + 1.0 + 0.5 + 0.3)
    # Opus 5.5: $4 in, $20 out, $5 cache write, $0.20 cache read.
    assert cost("claude-opus-5-5", usage) == pytest.approx(4.0 + 2.0 + 1.0 + 0.6)


def test_haiku_bills_a_long_prompt_at_the_higher_rate_on_every_token() -> None:
    short = Usage(input_tokens=100_000, output_tokens=10_000)
    long = Usage(input_tokens=90_000, output_tokens=10_000, cache_read_input_tokens=20_000)
    assert cost("haiku", short) == pytest.approx((100_000 * 0.10 + 10_000 * 0.50) / 1e6)
    assert cost("haiku", long) == pytest.approx(
        (90_000 * 0.50 + 10_000 * 2.50 + 20_000 * 0.05) / 1e6
    )


def test_dated_and_context_spellings_find_the_price() -> None:
    usage = Usage(input_tokens=1_000_000)
    assert cost("claude-haiku-4-5-20251001", usage) == pytest.approx(1.0)
    assert cost("claude-sonnet-5-5[1m]", usage) == pytest.approx(2.0)


def test_unknown_models_cost_nothing() -> None:
    assert price_for("llama3.3:70b") is None
    assert cost("llama3.3:70b", Usage(input_tokens=5_000, output_tokens=500)) == 0.0


def test_usage_adds_up() -> None:
    a = Usage(1, 2, 3, 4)
    b = Usage(10, 20, 30, 40)
    assert a + b == Usage(11, 22, 33, 44)
    assert (a + b).prompt_tokens == 11 + 33 + 44
    assert Usage() + a == a
