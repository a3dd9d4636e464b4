"""Budgets: a monthly one per user and a platform-wide daily cap, checked before any provider
call.

A unit of work first reserves its worst-case cost (its planned calls' input estimate plus
their maximum output, at the model's price). The check and the reservation happen in one
short transaction under one lock (a PostgreSQL advisory lock, so replicas take turns; on
SQLite an in-process lock plus SQLite's write lock, which a machine's worker processes share),
so twenty concurrent requests cannot all see the same room. Spend is the ledger's rows plus
the open reservations; while a unit runs its reservation stands in for its own rows, and when
it ends the reservation goes and the ledger (the single source of cost truth) settles it. A
reservation left by a crashed process expires.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, cast, delete, func, insert, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from backend.core.errors import AppError
from backend.core.logging import get_logger
from backend.db.base import nanos_to_usd, utcnow
from backend.llm.provider import ProviderConfig
from backend.models import LLMCall, SpendReservation, User

log = get_logger(__name__)

# Any constant: every replica's reservations queue on the same PostgreSQL advisory lock.
ADVISORY_LOCK_KEY = 0x5F1C_CA95


class BudgetExceededError(AppError):
    status_code = 429
    code = "BUDGET_EXCEEDED"
    error_type = "BudgetExceededError"


@dataclass(frozen=True)
class SpendPlan:
    """The most a unit of work can spend: all its planned calls' tokens, at most."""

    calls: int
    input_tokens: int
    output_tokens: int
    # priced at this provider's model (None: the generation provider's)
    provider: ProviderConfig | None = None


@dataclass(frozen=True)
class BudgetStatus:
    """One budget's state: what the ledger and the open reservations say has gone."""

    scope: str  # "user_monthly" or "global_daily"
    limit_usd: Decimal | None  # None: no budget
    spent_usd: Decimal  # ledger rows in the period (reserved units excluded)
    reserved_usd: Decimal  # open reservations: units still running
    period_start: datetime
    resets_at: datetime

    @property
    def used_usd(self) -> Decimal:
        return self.spent_usd + self.reserved_usd


def month_start(moment: datetime) -> datetime:
    return datetime.combine(date(moment.year, moment.month, 1), time.min, tzinfo=UTC)


def next_month_start(moment: datetime) -> datetime:
    start = month_start(moment)
    return month_start(start + timedelta(days=32))


def day_start(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time.min, tzinfo=UTC)


class SpendCaps:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        global_daily_usd: Decimal | None,
        reservation_seconds: float,
    ) -> None:
        self._sessions = sessions
        self.global_daily_usd = global_daily_usd
        self._reservation_ttl = timedelta(seconds=reservation_seconds)
        self._local_lock = asyncio.Lock()

    async def reserve(
        self, user_id: int | None, transaction_guid: str, framework: str, amount: Decimal
    ) -> int | None:
        """Reserve `amount` for a unit about to run, or raise `BudgetExceededError` (nothing
        reserved, no provider call made). None when no budget applies."""
        if self.global_daily_usd is None and not await self._has_budget(user_id):
            return None  # the common case pays no lock
        async with self._locked() as session:
            now = utcnow()
            statuses = await self._applicable(session, user_id, now)
            if not statuses:
                return None
            for status in statuses:
                assert status.limit_usd is not None
                if status.used_usd + amount > status.limit_usd:
                    raise _refusal(status, amount)
            row = await session.execute(
                insert(SpendReservation)
                .values(
                    user_id=user_id,
                    transaction_guid=transaction_guid,
                    framework=framework,
                    amount_usd=amount,
                    created_at=now,
                    expires_at=now + self._reservation_ttl,
                )
                .returning(SpendReservation.id)
            )
            reservation_id = int(row.scalar_one())
            await session.commit()
            return reservation_id

    async def _has_budget(self, user_id: int | None) -> bool:
        if user_id is None:
            return False
        async with self._sessions() as session:
            limit = await session.scalar(select(User.monthly_budget_usd).where(User.id == user_id))
        return limit is not None

    async def check(self, user_id: int | None, amount: Decimal) -> None:
        """Raise `BudgetExceededError` if `amount` does not fit now, reserving nothing: lets a
        streamed request be refused with a plain 429 before its stream starts. The units
        still reserve (and may still be refused) when they begin."""
        async with self._sessions() as session:
            for status in await self._applicable(session, user_id, utcnow()):
                assert status.limit_usd is not None
                if status.used_usd + amount > status.limit_usd:
                    raise _refusal(status, amount)

    async def release(self, reservation_id: int) -> None:
        """The unit ended: its ledger rows now say what it spent."""
        async with self._sessions() as session:
            await session.execute(
                delete(SpendReservation).where(SpendReservation.id == reservation_id)
            )
            await session.commit()

    async def status(self, session: AsyncSession, user_id: int) -> list[BudgetStatus]:
        """The user's monthly budget and the platform's daily cap, as they stand."""
        now = utcnow()
        limit = (
            await session.execute(select(User.monthly_budget_usd).where(User.id == user_id))
        ).scalar_one_or_none()
        return [
            await self._user_status(session, user_id, limit, now),
            await self._global_status(session, now),
        ]

    async def _applicable(
        self, session: AsyncSession, user_id: int | None, now: datetime
    ) -> list[BudgetStatus]:
        statuses = []
        if user_id is not None:
            limit = (
                await session.execute(select(User.monthly_budget_usd).where(User.id == user_id))
            ).scalar_one_or_none()
            if limit is not None:
                statuses.append(await self._user_status(session, user_id, limit, now))
        if self.global_daily_usd is not None:
            statuses.append(await self._global_status(session, now))
        return statuses

    async def _user_status(
        self, session: AsyncSession, user_id: int, limit: Decimal | None, now: datetime
    ) -> BudgetStatus:
        start = month_start(now)
        return BudgetStatus(
            scope="user_monthly",
            limit_usd=limit,
            spent_usd=await self._spent(session, start, LLMCall.user_id == user_id),
            reserved_usd=await self._reserved(session, now, SpendReservation.user_id == user_id),
            period_start=start,
            resets_at=next_month_start(now),
        )

    async def _global_status(self, session: AsyncSession, now: datetime) -> BudgetStatus:
        start = day_start(now)
        return BudgetStatus(
            scope="global_daily",
            limit_usd=self.global_daily_usd,
            spent_usd=await self._spent(session, start, None),
            reserved_usd=await self._reserved(session, now, None),
            period_start=start,
            resets_at=start + timedelta(days=1),
        )

    @staticmethod
    async def _spent(
        session: AsyncSession, since: datetime, condition: ColumnElement[bool] | None
    ) -> Decimal:
        """Ledger spend since `since`, leaving out units whose reservation still stands for
        them (counting both would charge a running unit twice)."""
        reserved = select(SpendReservation.transaction_guid, SpendReservation.framework).where(
            SpendReservation.expires_at > utcnow()
        )
        query = select(func.coalesce(func.sum(cast(LLMCall.cost_usd, BigInteger)), 0)).where(
            LLMCall.created_at >= since,
            tuple_(LLMCall.transaction_guid, LLMCall.framework).not_in(reserved),
        )
        if condition is not None:
            query = query.where(condition)
        return nanos_to_usd((await session.execute(query)).scalar_one())

    @staticmethod
    async def _reserved(
        session: AsyncSession, now: datetime, condition: ColumnElement[bool] | None
    ) -> Decimal:
        query = select(
            func.coalesce(func.sum(cast(SpendReservation.amount_usd, BigInteger)), 0)
        ).where(SpendReservation.expires_at > now)
        if condition is not None:
            query = query.where(condition)
        return nanos_to_usd((await session.execute(query)).scalar_one())

    def _locked(self) -> _Locked:
        return _Locked(self._sessions, self._local_lock)


class _Locked:
    """A session whose transaction holds the reservation lock until it ends."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], lock: asyncio.Lock) -> None:
        self._sessions = sessions
        self._lock = lock
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> AsyncSession:
        await self._lock.acquire()
        try:
            self._session = self._sessions()
            dialect = self._session.get_bind().dialect.name
            if dialect == "postgresql":
                await self._session.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
            elif dialect == "sqlite":
                # SQLite's one write lock, taken by a write that changes nothing: the other
                # worker processes of a machine (WORKERS) wait for it as replicas do above.
                await self._session.execute(text("DELETE FROM spend_reservations WHERE 0"))
        except BaseException:
            if self._session is not None:
                await self._session.close()
            self._lock.release()
            raise
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        try:
            if self._session is not None:
                await self._session.close()  # rolls back if not committed: the lock goes
        finally:
            self._lock.release()


def _refusal(status: BudgetStatus, amount: Decimal) -> BudgetExceededError:
    assert status.limit_usd is not None
    what = "your monthly budget" if status.scope == "user_monthly" else "the platform's daily cap"
    retry_after = max(1, math.ceil((status.resets_at - utcnow()).total_seconds()))
    log.warning("budget_exceeded", scope=status.scope, limit=str(status.limit_usd))
    return BudgetExceededError(
        f"This request could cost up to ${amount:.6f}, which would exceed {what} "
        f"(${status.used_usd:.6f} of ${status.limit_usd:.6f} used). "
        f"It resets at {status.resets_at.isoformat()}.",
        headers={"Retry-After": str(retry_after)},
        details=[
            {
                "type": "budget_exceeded",
                "scope": status.scope,
                "limit_usd": format(status.limit_usd, "f"),
                "spent_usd": format(status.spent_usd, "f"),
                "reserved_usd": format(status.reserved_usd, "f"),
                "request_usd": format(amount, "f"),
                "resets_at": status.resets_at.isoformat(),
                "message": f"{status.scope} budget exceeded",
            }
        ],
    )
