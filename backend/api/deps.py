"""Annotated dependencies shared by the routes: runtime, session, caller, rate limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import AuthenticationError, PermissionDeniedError
from backend.runtime import Runtime
from backend.services.accounts import Principal
from backend.services.rate_limits import Budget
from backend.services.stories import StoryService


async def get_runtime(request: Request) -> Runtime:
    """Async, as every dependency here: a plain `def` would cost a thread-pool hop per request."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="An access token from /api/auth/login, or a personal API key (fapi_...).",
)


async def get_principal(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """Checked in its own short transaction, closed before the route runs: a request that
    then waits on a model holds no database connection."""
    if credentials is None:
        raise AuthenticationError()
    async with runtime.sessions() as session:
        principal = await runtime.accounts.authenticate(session, credentials.credentials)
    structlog.contextvars.bind_contextvars(user_id=principal.user_id)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_admin(principal: CurrentPrincipal) -> Principal:
    if not principal.is_admin:
        raise PermissionDeniedError("This needs an administrator.")
    return principal


AdminPrincipal = Annotated[Principal, Depends(get_admin)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def general_rate_limit(principal: CurrentPrincipal, runtime: RuntimeDep) -> None:
    await runtime.rate_limits.hit(Budget.GENERAL, f"user:{principal.user_id}")


async def generation_slot(runtime: RuntimeDep) -> AsyncIterator[None]:
    """Back-pressure, checked before anything else: held until the response (a stream
    included) has been sent."""
    async with runtime.gate.slot():
        yield


async def generation_rate_limit(principal: CurrentPrincipal, runtime: RuntimeDep) -> None:
    await runtime.rate_limits.hit(Budget.GENERATION, f"user:{principal.user_id}")


async def comparison_rate_limit(principal: CurrentPrincipal, runtime: RuntimeDep) -> None:
    """A comparison runs all three frameworks: it costs three generations."""
    await runtime.rate_limits.hit(Budget.GENERATION, f"user:{principal.user_id}", cost=3)


async def anonymous_rate_limit(request: Request, runtime: RuntimeDep) -> None:
    await runtime.rate_limits.hit(Budget.GENERAL, f"ip:{client_ip(request)}")


async def signup_rate_limit(request: Request, runtime: RuntimeDep) -> None:
    """Accounts created from one address: every new account is a fresh set of budgets."""
    await runtime.rate_limits.hit(Budget.SIGNUPS_IP, f"ip:{client_ip(request)}")


async def get_story_service(runtime: RuntimeDep) -> StoryService:
    return runtime.stories


StoryServiceDep = Annotated[StoryService, Depends(get_story_service)]

GENERAL_LIMIT = [Depends(general_rate_limit)]
GENERATION_SLOT = [Depends(generation_slot)]
GENERATION_LIMIT = [*GENERATION_SLOT, Depends(generation_rate_limit)]
COMPARISON_LIMIT = [*GENERATION_SLOT, Depends(comparison_rate_limit)]
ANONYMOUS_LIMIT = [Depends(anonymous_rate_limit)]
SIGNUP_LIMIT = [Depends(anonymous_rate_limit), Depends(signup_rate_limit)]
