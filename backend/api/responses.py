"""Documented error responses, so the OpenAPI document lists what each route can answer."""

from __future__ import annotations

from typing import Any

from backend.schemas.common import ErrorResponse


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorResponse} for status in statuses}


VALIDATION = errors(422)
GENERATION = errors(401, 422, 429, 502, 503, 504)
