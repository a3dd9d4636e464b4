"""Health and provider information."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from backend.api.deps import GENERAL_LIMIT, CurrentPrincipal, RuntimeDep
from backend.api.responses import errors
from backend.core.context import current_request_id
from backend.core.names import FrameworkName
from backend.core.version import VERSION
from backend.schemas.system import HealthResponse, ProviderResponse, ProviderState

router = APIRouter(tags=["system"])


@router.get(
    "/health",
    response_model=HealthResponse,
    responses={503: {"model": HealthResponse, "description": "a dependency is down"}},
)
async def health(runtime: RuntimeDep) -> JSONResponse:
    """Healthy only when the database answers; 503 otherwise (for load balancers)."""
    checks: dict[str, str] = {}
    try:
        async with runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not healthy", never a 500
        checks["database"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    body = HealthResponse(
        status="healthy" if healthy else "unhealthy",
        timestamp=time.time(),
        version=VERSION,
        request_id=current_request_id(),
        environment=runtime.settings.environment,
        uptime_seconds=round(time.time() - runtime.started_at, 3),
        checks=checks,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if healthy else 503)


@router.get(
    "/api/provider",
    responses=errors(401, 429),
    dependencies=GENERAL_LIMIT,
)
async def get_provider(principal: CurrentPrincipal, runtime: RuntimeDep) -> ProviderResponse:
    """The provider and model generation runs on. Never reveals keys or headers."""
    embedded = runtime.settings.uses_embedded_model
    states = []
    for role, config in [("primary", runtime.provider)] + [
        ("fallback", fallback) for fallback in runtime.fallbacks
    ]:
        circuit = await runtime.breakers.state(config.name) if runtime.breakers else None
        states.append(
            ProviderState(
                name=config.name,
                model=config.model,
                base_url=None if embedded and role == "primary" else config.base_url,
                role=role,
                circuit=circuit.state if circuit else None,
                consecutive_failures=circuit.failures if circuit else 0,
            )
        )
    return ProviderResponse(
        provider=runtime.provider.name,
        model=runtime.provider.model,
        configured=True,
        embedded=embedded,
        base_url=None if embedded else runtime.provider.base_url,
        frameworks=[framework.value for framework in FrameworkName],
        providers=states,
    )
