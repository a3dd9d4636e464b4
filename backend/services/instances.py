"""This process's entry in `app_instances`, its heartbeat, and the recovery of the ledger rows
that dead processes left `in_flight`.

A process is dead when its heartbeat is older than `stale_after`, or, on this host, when its
pid no longer runs (so a laptop restarted after `kill -9` recovers at once instead of waiting
for the heartbeat to go stale). Rows of live replicas are never touched.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

import anyio
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.aio import finish_anyway
from backend.core.logging import get_logger
from backend.models import AppInstance
from backend.services.ledger import Ledger

log = get_logger(__name__)


def host_identity() -> str:
    """This host as far as pids go: the hostname and, on Linux, the pid namespace, so two
    containers sharing a hostname (host networking) never judge each other's pids."""
    try:
        namespace = f":{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}{namespace}"[:255]


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


class InstanceRegistry:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        heartbeat_seconds: float,
        instance_id: str | None = None,
    ) -> None:
        self._sessions = sessions
        self.heartbeat_seconds = heartbeat_seconds
        self.stale_after = timedelta(seconds=heartbeat_seconds * 4)
        self.id = instance_id or str(uuid.uuid4())
        self.hostname = host_identity()
        self.pid = os.getpid()

    async def register(self) -> None:
        now = datetime.now(UTC)
        async with self._sessions() as session:
            session.add(
                AppInstance(
                    id=self.id,
                    hostname=self.hostname,
                    pid=self.pid,
                    started_at=now,
                    heartbeat_at=now,
                )
            )
            await session.commit()

    async def beat(self) -> None:
        """Refresh our heartbeat; if another replica swept us while our beats were late (a
        database outage, a long pause), register again rather than stay "dead" for good."""
        async with self._sessions() as session:
            result = await session.execute(
                update(AppInstance)
                .where(AppInstance.id == self.id)
                .values(heartbeat_at=datetime.now(UTC))
            )
            await session.commit()
        if result.rowcount == 0:  # type: ignore[attr-defined]
            log.warning("instance_registered_again", instance_id=self.id)
            await self.register()

    async def dead_instances(self) -> list[str]:
        stale_before = datetime.now(UTC) - self.stale_after
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(
                        AppInstance.id,
                        AppInstance.hostname,
                        AppInstance.pid,
                        AppInstance.heartbeat_at,
                    ).where(AppInstance.id != self.id)
                )
            ).all()
        dead: list[str] = []
        for instance_id, hostname, pid, heartbeat_at in rows:
            same_host = hostname == self.hostname
            gone_here = same_host and (pid == self.pid or not _pid_running(pid))
            if gone_here or heartbeat_at < stale_before:
                dead.append(instance_id)
        return dead

    async def recover(self, ledger: Ledger) -> int:
        """Forget dead processes, then mark every row no live process owns `interrupted`."""
        dead = await self.dead_instances()
        if dead:
            async with self._sessions() as session:
                await session.execute(delete(AppInstance).where(AppInstance.id.in_(dead)))
                await session.commit()
        count = await ledger.interrupt_orphans()
        if count:
            log.warning("ledger_rows_interrupted", rows=count, instances=len(dead))
        return count

    async def run(self, ledger: Ledger) -> None:
        """Heartbeat and sweep until cancelled. A database hiccup is logged, not fatal. A stop
        that arrives mid-write waits for the write: a transaction cut off there could keep
        SQLite's write lock from the clean stop that follows."""
        while True:
            await anyio.sleep(self.heartbeat_seconds)
            try:
                await finish_anyway(self._beat_and_recover(ledger), give_up_after=30)
            except Exception as exc:
                log.warning("instance_heartbeat_failed", error=type(exc).__name__)

    async def _beat_and_recover(self, ledger: Ledger) -> None:
        await self.beat()
        await self.recover(ledger)

    async def retire(self, ledger: Ledger) -> None:
        """A clean stop: whatever of ours is still in flight will never be answered."""
        async with self._sessions() as session:
            await session.execute(delete(AppInstance).where(AppInstance.id == self.id))
            await session.commit()
        await ledger.interrupt_orphans()
