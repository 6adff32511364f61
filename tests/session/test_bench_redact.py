"""The redaction benchmark runs and reports its ratios (speed itself is not asserted: it
depends on the machine)."""

from __future__ import annotations

from bench import redact as redact_bench


def test_redact_benchmark_reports_ratios_against_plain_re_sub_and_before() -> None:
    result = redact_bench.run(quick=True)
    assert (result["bytes"], result["secrets"]) == (1_000_000, 3)
    for text in ("ordinary", "with_secrets"):
        figures = result[text]
        for key in ("plain_re_sub_ms", "before_ms", "cockpit_ms", "ratio_vs_plain_re_sub"):
            assert figures[key] > 0, (text, key)
    assert result["typical_16kb_output_ms"] > 0


def test_the_text_with_secrets_holds_every_form_and_they_are_redacted() -> None:
    text = redact_bench.with_secrets(200_000)
    assert len(text) == 200_000
    clean = redact_bench.Redactor(redact_bench.ENV).text(text)
    assert clean.count("[REDACTED:$DB_PASSWORD") >= 40
    assert redact_bench.ENV["DB_PASSWORD"] not in clean
