"""Administration of accounts: list them, disable or re-enable one."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import ConflictError, NotFoundError
from backend.db.paging import page_of
from backend.models import User
from backend.services.accounts import revoke_sessions


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"User {user_id} was not found.")
    return user


async def list_users(session: AsyncSession, *, skip: int, limit: int) -> tuple[list[User], int]:
    return await page_of(session, select(User).order_by(User.id), skip=skip, limit=limit)


async def set_active(session: AsyncSession, *, admin_id: int, user_id: int, active: bool) -> User:
    """Disabling signs the user out everywhere; their API keys stop working until re-enabled."""
    if user_id == admin_id and not active:
        raise ConflictError("You cannot disable your own account.")
    user = await get_user(session, user_id)
    user.is_active = active
    if not active:
        await revoke_sessions(session, user.id)
    await session.commit()
    return user


async def set_budget(session: AsyncSession, *, user_id: int, budget: Decimal | None) -> User:
    user = await get_user(session, user_id)
    user.monthly_budget_usd = budget
    await session.commit()
    return user
