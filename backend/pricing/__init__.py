"""Model prices. Pure functions: no I/O, no imports from the rest of the project."""

from backend.pricing.prices import ModelPrice, PriceQuote, parse_overrides, price_call

__all__ = ["ModelPrice", "PriceQuote", "parse_overrides", "price_call"]
