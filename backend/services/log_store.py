"""Keeps the structured log in the database for the administrators' log viewer.

In the database, not a file, because replicas share it: an administrator behind a load
balancer sees every replica's lines. Never on the request path: a logging handler renders the
line exactly as it is printed (ids added, secrets redacted) and queues it; a background task
writes the queue in batches, in short transactions of its own, and keeps only the newest
LOG_STORE_ROWS. A full queue drops lines (and counts them) rather than block anyone, and the
writer never logs about itself (that would feed its own queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections import deque
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from backend.core.logging import line_formatter
from backend.core.text import storable
from backend.models import LogEntry

_KNOWN = ("timestamp", "level", "logger", "event", "request_id", "transaction_guid")
BATCH = 500
LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "exception": logging.ERROR,
    "critical": logging.CRITICAL,
}


class _QueueingHandler(logging.Handler):
    keep_on_reconfigure = True  # configure_logging keeps it (core/logging.py)

    def __init__(self, store: LogStore, level: int) -> None:
        super().__init__(level)
        self.store = store
        self.setFormatter(line_formatter("json"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = json.loads(self.format(record))
        except Exception:  # a line that cannot be rendered is not stored, never raised
            self.store.dropped += 1
            return
        self.store.offer(line)


class LogStore:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        instance_id: str,
        level: str = "INFO",
        keep_rows: int = 100_000,
        queue_size: int = 20_000,
        flush_seconds: float = 0.5,
    ) -> None:
        # its own engine and small pool: writing the log never takes a request's connection
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.instance_id = instance_id
        self.keep_rows = keep_rows
        self.flush_seconds = flush_seconds
        self._queue: deque[dict[str, Any]] = deque()
        self._queue_size = queue_size
        self.dropped = 0
        self.failed_batches = 0
        self.handler = _QueueingHandler(self, logging.getLevelName(level))
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def offer(self, line: dict[str, Any]) -> None:
        """Thread-safe (deque appends are atomic); never blocks."""
        if len(self._queue) >= self._queue_size:
            self.dropped += 1
            return
        self._queue.append(line)

    def start(self) -> None:
        logging.getLogger().addHandler(self.handler)
        self._task = asyncio.create_task(self._run(), name="log-store")

    async def stop(self) -> None:
        """Let the writer finish the batch it is writing, then write what is left. Never
        cancelled mid-write: a SQLite transaction cut off there can keep the database's write
        lock from everyone else until its connection is collected."""
        logging.getLogger().removeHandler(self.handler)
        self._stopping.set()
        if self._task is not None:
            await self._task
        await self.flush()
        await self._engine.dispose()

    async def _run(self) -> None:
        rounds = 0
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.flush_seconds)
            await self.flush()
            rounds += 1
            if rounds % 60 == 0:  # about every 30 s
                await self._guarded(self.prune)

    async def flush(self) -> None:
        while self._queue:
            batch: list[dict[str, Any]] = []
            while self._queue and len(batch) < BATCH:
                batch.append(self._row(self._queue.popleft()))
            await self._guarded(lambda batch=batch: self._write(batch))

    async def _guarded(self, work: Any) -> None:
        try:
            await work()
        except Exception as exc:  # told on stderr once per failure, never logged (recursion)
            self.failed_batches += 1
            reason = type(exc).__name__
            print(f"fastapillm: the log store could not write: {reason}", file=sys.stderr)

    async def _write(self, rows: list[dict[str, Any]]) -> None:
        async with self._sessions() as session:
            await session.execute(insert(LogEntry), rows)
            await session.commit()

    async def prune(self) -> None:
        """Keep the newest `keep_rows` (ids only grow, so the oldest have the smallest)."""
        async with self._sessions() as session:
            newest = (await session.execute(select(func.max(LogEntry.id)))).scalar_one_or_none()
            if newest is not None and newest > self.keep_rows:
                oldest_kept = newest - self.keep_rows
                await session.execute(delete(LogEntry).where(LogEntry.id <= oldest_kept))
                await session.commit()

    def _row(self, line: dict[str, Any]) -> dict[str, Any]:
        level = str(line.get("level", "info")).lower()
        try:
            created_at = datetime.fromisoformat(str(line["timestamp"]).replace("Z", "+00:00"))
        except (KeyError, ValueError):
            created_at = datetime.now(UTC)
        fields = {key: value for key, value in line.items() if key not in _KNOWN}
        return {
            "created_at": created_at,
            "level": level[:10],
            "level_number": LEVELS.get(level, logging.INFO),
            "logger": storable(str(line.get("logger", "")))[:120],
            "event": storable(str(line.get("event", "")))[:4000],
            "request_id": _short(line.get("request_id"), 64),
            "transaction_guid": _short(line.get("transaction_guid"), 36),
            "instance_id": self.instance_id,
            "fields": storable(json.dumps(fields, default=str))[:8000],
        }


def _short(value: Any, limit: int) -> str | None:
    return storable(str(value))[:limit] if value is not None else None
