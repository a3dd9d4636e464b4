"""The key that signs access tokens: SECRET_KEY when set, otherwise one generated once and kept
in the database, so every replica that shares the database signs and verifies alike."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.security import new_secret
from backend.models import ServerSecret

SECRET_NAME = "token_signing_key"  # noqa: S105 (the row name, not the secret)


async def resolve_signing_key(session: AsyncSession, configured: str | None) -> str:
    if configured:
        return configured
    existing = await session.get(ServerSecret, SECRET_NAME)
    if existing is not None:
        return existing.value
    session.add(ServerSecret(name=SECRET_NAME, value=new_secret()))
    try:
        await session.commit()
    except IntegrityError:  # another replica created it first: use theirs
        await session.rollback()
    stored = (
        await session.execute(select(ServerSecret.value).where(ServerSecret.name == SECRET_NAME))
    ).scalar_one()
    return stored
