"""Personal API keys for REST and MCP clients: shown once, stored hashed, revocable."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import ConflictError, NotFoundError
from backend.core.security import new_api_key
from backend.models import ApiKey

MAX_KEYS_PER_USER = 50


async def create_api_key(session: AsyncSession, user_id: int, name: str) -> tuple[ApiKey, str]:
    active = await list_api_keys(session, user_id)
    if len(active) >= MAX_KEYS_PER_USER:
        raise ConflictError(f"You already have {MAX_KEYS_PER_USER} keys: revoke one first.")
    key, prefix, key_hash = new_api_key()
    api_key = ApiKey(user_id=user_id, name=name, prefix=prefix, key_hash=key_hash)
    session.add(api_key)
    await session.commit()
    return api_key, key


async def list_api_keys(session: AsyncSession, user_id: int) -> list[ApiKey]:
    result = await session.execute(
        select(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    )
    return list(result.scalars())


async def revoke_api_key(session: AsyncSession, user_id: int, key_id: int) -> None:
    api_key = await session.get(ApiKey, key_id)
    if api_key is None or api_key.user_id != user_id or api_key.revoked_at is not None:
        raise NotFoundError(f"API key {key_id} was not found.")
    api_key.revoked_at = datetime.now(UTC)
    await session.commit()
