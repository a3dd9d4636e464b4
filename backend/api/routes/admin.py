"""Administration: list accounts, disable or re-enable one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from backend.api.deps import GENERAL_LIMIT, AdminPrincipal, SessionDep
from backend.api.responses import errors
from backend.schemas.auth import UserListResponse, UserOut
from backend.services import users

router = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    dependencies=GENERAL_LIMIT,
    responses=errors(401, 403, 429),
)

UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/users", response_model=UserListResponse, operation_id="list_users")
async def list_users(
    admin: AdminPrincipal,
    session: SessionDep,
    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> UserListResponse:
    rows, total = await users.list_users(session, skip=skip, limit=limit)
    return UserListResponse(
        users=[UserOut.model_validate(row) for row in rows], total=total, skip=skip, limit=limit
    )


@router.post(
    "/users/{user_id}/disable",
    response_model=UserOut,
    responses=errors(404, 409, 422),
    operation_id="disable_user",
)
async def disable_user(user_id: UserId, admin: AdminPrincipal, session: SessionDep) -> UserOut:
    """Signs the user out everywhere; their API keys stop working while disabled."""
    user = await users.set_active(session, admin_id=admin.user_id, user_id=user_id, active=False)
    return UserOut.model_validate(user)


@router.post(
    "/users/{user_id}/enable",
    response_model=UserOut,
    responses=errors(404, 422),
    operation_id="enable_user",
)
async def enable_user(user_id: UserId, admin: AdminPrincipal, session: SessionDep) -> UserOut:
    user = await users.set_active(session, admin_id=admin.user_id, user_id=user_id, active=True)
    return UserOut.model_validate(user)
