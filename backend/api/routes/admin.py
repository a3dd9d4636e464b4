"""Administration: list accounts, disable or re-enable one, set a user's budget, hand out
invite codes."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, status

from backend.api.deps import GENERAL_LIMIT, AdminPrincipal, SessionDep
from backend.api.params import IdPath, Limit, Skip
from backend.api.responses import errors
from backend.schemas.auth import (
    BudgetUpdate,
    InviteListResponse,
    InviteOut,
    NewInvite,
    UserListResponse,
    UserOut,
)
from backend.services import invites, users

router = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    dependencies=GENERAL_LIMIT,
    responses=errors(401, 403, 429),
)

UserId = IdPath


@router.get("/users")
async def list_users(
    admin: AdminPrincipal,
    session: SessionDep,
    skip: Skip = 0,
    limit: Limit = 50,
) -> UserListResponse:
    rows, total = await users.list_users(session, skip=skip, limit=limit)
    return UserListResponse(
        users=[UserOut.model_validate(row) for row in rows], total=total, skip=skip, limit=limit
    )


@router.post(
    "/users/{user_id}/disable",
    responses=errors(404, 409, 422),
)
async def disable_user(user_id: UserId, admin: AdminPrincipal, session: SessionDep) -> UserOut:
    """Signs the user out everywhere; their API keys stop working while disabled."""
    user = await users.set_active(session, admin_id=admin.user_id, user_id=user_id, active=False)
    return UserOut.model_validate(user)


@router.post(
    "/users/{user_id}/enable",
    responses=errors(404, 422),
)
async def enable_user(user_id: UserId, admin: AdminPrincipal, session: SessionDep) -> UserOut:
    user = await users.set_active(session, admin_id=admin.user_id, user_id=user_id, active=True)
    return UserOut.model_validate(user)


@router.put(
    "/users/{user_id}/budget",
    responses=errors(404, 422),
)
async def set_user_budget(
    user_id: UserId, body: BudgetUpdate, admin: AdminPrincipal, session: SessionDep
) -> UserOut:
    """The user's monthly budget in US dollars (null: none). It applies from their next
    request; what they already spent this month counts against it."""
    user = await users.set_budget(session, user_id=user_id, budget=body.monthly_budget_usd)
    return UserOut.model_validate(user)


@router.post(
    "/invites",
    status_code=status.HTTP_201_CREATED,
    responses=errors(422),
)
async def create_invite(
    admin: AdminPrincipal,
    session: SessionDep,
    valid_days: Annotated[int, Query(ge=1, le=90, description="days the code stays valid")] = 7,
) -> NewInvite:
    """A single-use invite code for REGISTRATION=invite (shown once; only its hash is kept)."""
    invite, code = await invites.create_invite(session, admin.user_id, timedelta(days=valid_days))
    return NewInvite(code=code, **InviteOut.model_validate(invite).model_dump())


@router.get("/invites")
async def list_invites(
    admin: AdminPrincipal,
    session: SessionDep,
    skip: Skip = 0,
    limit: Limit = 50,
) -> InviteListResponse:
    rows, total = await invites.list_invites(session, skip=skip, limit=limit)
    return InviteListResponse(
        invites=[InviteOut.model_validate(row) for row in rows], total=total, skip=skip, limit=limit
    )
