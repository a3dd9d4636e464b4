"""Prices: maintained data for known models, overrides for others, local models free."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.pricing import ModelPrice, parse_overrides, price_call


def test_known_model_is_priced_by_genai_prices_in_decimal() -> None:
    quote = price_call(model="gpt-4o-mini", input_tokens=1_000_000, output_tokens=1_000_000)
    assert quote.source == "genai-prices"
    assert isinstance(quote.cost_usd, Decimal)
    assert quote.cost_usd == Decimal("0.75")  # $0.15 in + $0.60 out per million


def test_cached_input_tokens_are_cheaper() -> None:
    plain = price_call(model="gpt-4o-mini", input_tokens=1000, output_tokens=0)
    cached = price_call(model="gpt-4o-mini", input_tokens=1000, output_tokens=0, cached_tokens=800)
    assert cached.cost_usd < plain.cost_usd


def test_local_model_costs_nothing() -> None:
    quote = price_call(model="gpt-4o", input_tokens=500, output_tokens=500, is_local=True)
    assert quote == quote.__class__(Decimal(0), "local")


def test_an_override_prices_a_local_model_too() -> None:
    """An operator may price the embedded model's hardware; without an override it is free."""
    overrides = {"smollm2": ModelPrice(Decimal("1"), Decimal("2"), None)}
    quote = price_call(
        model="smollm2", input_tokens=1000, output_tokens=500, is_local=True, overrides=overrides
    )
    assert quote.cost_usd == Decimal("0.002")
    assert quote.source == "override"


def test_override_wins_and_is_exact() -> None:
    overrides = {"house-model": ModelPrice(Decimal("0.10"), Decimal("0.30"), Decimal("0.01"))}
    quote = price_call(
        model="house-model",
        input_tokens=1000,
        output_tokens=2000,
        cached_tokens=400,
        overrides=overrides,
    )
    assert quote.source == "override"
    # 600 uncached * 0.10 + 400 cached * 0.01 + 2000 * 0.30, per million
    assert quote.cost_usd == Decimal("0.000664")


def test_unknown_model_is_marked_not_guessed() -> None:
    quote = price_call(model="no-such-model-anywhere", input_tokens=10, output_tokens=10)
    assert quote.cost_usd == 0
    assert quote.source == "unknown"


def test_parse_overrides_validates() -> None:
    parsed = parse_overrides({"m": {"input_per_mtok": 1, "output_per_mtok": "2.5"}})
    assert parsed["m"] == ModelPrice(Decimal(1), Decimal("2.5"), None)
    for bad in (
        {"m": {"input_per_mtok": -1, "output_per_mtok": 1}},
        {"m": {"input_per_mtok": "x", "output_per_mtok": 1}},
        {"m": {"output_per_mtok": 1}},
        {"m": 3},
    ):
        with pytest.raises(ValueError, match="price override"):
            parse_overrides(bad)
