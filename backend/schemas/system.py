"""Health and provider shapes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class HealthResponse(BaseModel):
    status: Literal["healthy", "unhealthy"]
    timestamp: float
    version: str
    request_id: str | None
    environment: str
    uptime_seconds: float
    checks: dict[str, str]


class ProviderResponse(BaseModel):
    provider: str
    model: str
    configured: bool
    embedded: bool
    base_url: str | None
    frameworks: list[str]
