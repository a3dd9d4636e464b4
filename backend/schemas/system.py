"""Health and provider shapes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class HealthResponse(BaseModel):
    status: Literal["healthy", "unhealthy"]
    timestamp: float
    version: str
    request_id: str | None
    environment: str
    uptime_seconds: float
    checks: dict[str, str]


class ProviderState(BaseModel):
    name: str
    model: str
    base_url: str | None
    role: Literal["primary", "fallback"]
    circuit: Literal["closed", "opened", "half-opened"] | None = Field(
        description="The circuit breaker's state (null: no breaker, as without fallbacks)."
    )
    consecutive_failures: int


class ProviderResponse(BaseModel):
    provider: str
    model: str
    configured: bool
    embedded: bool
    base_url: str | None
    frameworks: list[str]
    providers: list[ProviderState] = Field(
        description="The primary, then the fallbacks in the order calls move to them."
    )
