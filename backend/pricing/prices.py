"""Price one provider call in US dollars, as a `Decimal`.

Order of precedence: local models are free; an operator override for the model wins next;
then genai-prices' maintained data; otherwise the cost is recorded as 0 with source
"unknown", so reports can show which spend is unpriced instead of guessing.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from genai_prices import Usage, calc_price

MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class ModelPrice:
    """Dollars per million tokens."""

    input_per_mtok: Decimal
    output_per_mtok: Decimal
    cached_input_per_mtok: Decimal | None = None


@dataclass(frozen=True)
class PriceQuote:
    cost_usd: Decimal
    source: str  # "local", "override", "genai-prices", "unknown"


def _decimal(value: Any, field: str, model: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"price override for {model!r}: {field} must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"price override for {model!r}: {field} is not a number") from exc
    if number < 0 or not number.is_finite():
        raise ValueError(f"price override for {model!r}: {field} must be >= 0")
    return number


def parse_overrides(data: Mapping[str, Any]) -> dict[str, ModelPrice]:
    """Validate `{"model": {"input_per_mtok": 0.5, "output_per_mtok": 1.5}}`."""
    prices: dict[str, ModelPrice] = {}
    for model, entry in data.items():
        if not isinstance(entry, Mapping):
            raise ValueError(f"price override for {model!r} must be an object")
        cached = entry.get("cached_input_per_mtok")
        prices[model] = ModelPrice(
            input_per_mtok=_decimal(entry.get("input_per_mtok"), "input_per_mtok", model),
            output_per_mtok=_decimal(entry.get("output_per_mtok"), "output_per_mtok", model),
            cached_input_per_mtok=(
                None if cached is None else _decimal(cached, "cached_input_per_mtok", model)
            ),
        )
    return prices


def _override_cost(
    price: ModelPrice, input_tokens: int, output_tokens: int, cached_tokens: int
) -> Decimal:
    cached = min(cached_tokens, input_tokens) if price.cached_input_per_mtok is not None else 0
    uncached = input_tokens - cached
    cost = uncached * price.input_per_mtok + output_tokens * price.output_per_mtok
    if price.cached_input_per_mtok is not None:
        cost += cached * price.cached_input_per_mtok
    return cost / MILLION


def _genai_prices_cost(
    model: str,
    provider_base_url: str | None,
    input_tokens: int,
    output_tokens: int,
    cached_tokens: int,
) -> Decimal | None:
    usage = Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=min(cached_tokens, input_tokens),
    )
    attempts: list[dict[str, Any]] = [{}]
    if provider_base_url:
        attempts.insert(0, {"provider_api_url": provider_base_url})
    for hints in attempts:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                total: Decimal = calc_price(usage, model, **hints).total_price
                return total
        except LookupError:
            continue
    return None


def price_call(
    *,
    model: str,
    input_tokens: int,
    output_tokens: int,
    cached_tokens: int = 0,
    is_local: bool = False,
    provider_base_url: str | None = None,
    overrides: Mapping[str, ModelPrice] | None = None,
) -> PriceQuote:
    # An override wins, even for a local model (an operator may price its own hardware).
    if overrides and model in overrides:
        cost = _override_cost(overrides[model], input_tokens, output_tokens, cached_tokens)
        return PriceQuote(cost, "override")
    if is_local:
        return PriceQuote(Decimal(0), "local")
    cost_or_none = _genai_prices_cost(
        model, provider_base_url, input_tokens, output_tokens, cached_tokens
    )
    if cost_or_none is None:
        return PriceQuote(Decimal(0), "unknown")
    return PriceQuote(cost_or_none, "genai-prices")
