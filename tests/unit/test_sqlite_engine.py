"""The SQLite engine survives cancellations: a write cut off mid-statement (a client that
left, a task being stopped) must not keep the database's write lock from everyone else."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import anyio
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.db.session import create_engine

ROWS = [{"body": "x" * 1000}] * 20_000  # a write that takes a while


async def write(sessions: async_sessionmaker) -> None:  # type: ignore[type-arg]
    async with sessions() as session:
        await session.execute(text("INSERT INTO notes (body) VALUES (:body)"), ROWS)
        await session.commit()


def others_can_write(path: Path) -> bool:
    connection = sqlite3.connect(path, timeout=10)
    try:
        connection.execute("DELETE FROM notes WHERE 0")
        connection.commit()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


@pytest.mark.parametrize("delay", [0.02, 0.05, 0.1])
@pytest.mark.parametrize("how", ["task", "cancel_scope"])
async def test_a_cancelled_write_leaves_the_database_writable(
    tmp_path: Path, delay: float, how: str
) -> None:
    path = tmp_path / "cancel.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (body TEXT)"))
        sessions = async_sessionmaker(engine)
        if how == "task":  # asyncio: cancelled once
            task = asyncio.create_task(write(sessions))
            await asyncio.sleep(delay)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        else:  # anyio (Starlette's streams): cancelled again at every await
            async with anyio.create_task_group() as group:
                group.start_soon(write, sessions)
                await anyio.sleep(delay)
                group.cancel_scope.cancel()
        assert await asyncio.to_thread(others_can_write, path)
    finally:  # bounded: a connection left locked would make this wait forever
        await asyncio.wait_for(engine.dispose(), 15)
