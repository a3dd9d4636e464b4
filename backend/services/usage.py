"""Cost reports. Computed from the ledger and nothing else, so every view agrees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from backend.db.base import nanos_to_usd
from backend.llm.calls import CallStatus
from backend.models import LLMCall

# A call still in flight has not failed (yet); everything but `ok` after it ended has.
NOT_FAILED = [CallStatus.OK.value, CallStatus.IN_FLIGHT.value]


@dataclass(frozen=True)
class UsageFilter:
    start_date: date | None = None
    end_date: date | None = None
    framework: str | None = None
    # One user's spend; None means everyone's (admins only: the API layer decides).
    user_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.user_id is not None:
            conditions.append(LLMCall.user_id == self.user_id)
        if self.start_date is not None:
            conditions.append(
                LLMCall.created_at >= datetime.combine(self.start_date, time.min, tzinfo=UTC)
            )
        if self.end_date is not None and self.end_date < date.max:
            end = datetime.combine(self.end_date + timedelta(days=1), time.min, tzinfo=UTC)
            conditions.append(LLMCall.created_at < end)
        # A start after the end is an empty range, answered with zeros, not an error.
        if self.framework is not None:
            conditions.append(LLMCall.framework == self.framework)
        return conditions


@dataclass(frozen=True)
class Bucket:
    requests: int
    tokens: int
    cost_usd: Decimal


@dataclass(frozen=True)
class UsageReport:
    total: Bucket
    input_tokens: int
    output_tokens: int
    failed_requests: int
    by_framework: dict[str, Bucket]
    by_day: list[tuple[date, Bucket]]


def _day(session: AsyncSession) -> ColumnElement[Any]:
    """The UTC calendar day of a ledger row, per engine."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", LLMCall.created_at), Date)
    return func.date(LLMCall.created_at)


def _raw_cost() -> ColumnElement[Any]:
    # Sum the stored nano-dollars (exact integers), not the Decimal-typed column.
    return func.coalesce(func.sum(cast(LLMCall.cost_usd, BigInteger)), 0)


def _tokens() -> ColumnElement[Any]:
    return func.coalesce(func.sum(LLMCall.input_tokens + LLMCall.output_tokens), 0)


def _bucket(requests: Any, tokens: Any, cost: Any) -> Bucket:
    return Bucket(int(requests or 0), int(tokens or 0), nanos_to_usd(cost))


async def usage_report(session: AsyncSession, usage_filter: UsageFilter) -> UsageReport:
    conditions = usage_filter.conditions()
    totals = (
        await session.execute(
            select(
                func.count(LLMCall.id),
                _tokens(),
                _raw_cost(),
                func.coalesce(func.sum(LLMCall.input_tokens), 0),
                func.coalesce(func.sum(LLMCall.output_tokens), 0),
                func.coalesce(func.sum(case((LLMCall.status.not_in(NOT_FAILED), 1), else_=0)), 0),
            ).where(*conditions)
        )
    ).one()
    framework_rows = await session.execute(
        select(LLMCall.framework, func.count(LLMCall.id), _tokens(), _raw_cost())
        .where(*conditions)
        .group_by(LLMCall.framework)
        .order_by(LLMCall.framework)
    )
    day = _day(session).label("day")
    day_rows = await session.execute(
        select(day, func.count(LLMCall.id), _tokens(), _raw_cost())
        .where(*conditions)
        .group_by(day)
        .order_by(day)
    )
    return UsageReport(
        total=_bucket(totals[0], totals[1], totals[2]),
        input_tokens=int(totals[3]),
        output_tokens=int(totals[4]),
        failed_requests=int(totals[5]),
        by_framework={row[0]: _bucket(row[1], row[2], row[3]) for row in framework_rows},
        by_day=[
            (
                row[0] if isinstance(row[0], date) else date.fromisoformat(str(row[0])),
                _bucket(row[1], row[2], row[3]),
            )
            for row in day_rows
        ],
    )


async def list_transactions(
    session: AsyncSession, usage_filter: UsageFilter, *, skip: int, limit: int
) -> tuple[list[LLMCall], int]:
    conditions = usage_filter.conditions()
    total = (await session.execute(select(func.count(LLMCall.id)).where(*conditions))).scalar_one()
    rows = await session.execute(
        select(LLMCall)
        .where(*conditions)
        .order_by(LLMCall.created_at.desc(), LLMCall.id.desc())
        .offset(skip)
        .limit(limit)
    )
    return list(rows.scalars()), int(total)
