"""The test databases: SQLite always, PostgreSQL too when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
DATABASE_BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


async def reset_postgres(url: str) -> None:
    """Wipe the PostgreSQL test database: an empty public schema."""
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
