"""Async engine and session factory, built from the database URL."""

from __future__ import annotations

import contextlib
from pathlib import Path

import sqlalchemy.exc
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from backend.core.config import async_database_url
from backend.core.errors import DatabaseBusyError


def create_engine(
    database_url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    max_overflow: int = 20,
    pool_timeout: float = 10.0,
) -> AsyncEngine:
    url = make_url(async_database_url(database_url))
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            echo=echo,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            connect_args={"timeout": 30},
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL syncs at checkpoints instead of every commit: a killed process
            # loses nothing committed (only a power cut can lose the last commits), and each
            # of a request's short transactions stops waiting on the disk.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine.sync_engine, "invalidate")
        def _release_write_lock(dbapi_connection, _record, _exc):  # type: ignore[no-untyped-def]
            """A statement cut off by a cancellation invalidates its connection, which is then
            closed without a rollback; SQLite keeps such a connection (a zombie with its
            transaction, and the database's one write lock) until it is garbage collected,
            and every other writer waits out its busy timeout. Roll back first. The rollback
            is queued on the connection's thread at once, so it runs even if this wait is
            cancelled again (anyio's cancel scopes repeat their cancellation)."""
            with contextlib.suppress(BaseException):
                dbapi_connection.rollback()

        return engine
    return create_async_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def busy_error(exc: BaseException) -> DatabaseBusyError | None:
    """The platform error for a pool that had no connection in time (SQLAlchemy's
    `TimeoutError`), so every way in answers it as a 503, not a 500 or a provider's 502. A
    framework may have wrapped it: its causes are looked through."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return None
        if isinstance(seen, sqlalchemy.exc.TimeoutError):
            return DatabaseBusyError()
        seen = seen.__cause__ or seen.__context__
    return None
