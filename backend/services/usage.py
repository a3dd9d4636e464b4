"""Cost reports. Computed from the ledger and nothing else, so every view agrees.

The summary and breakdowns read the ledger's daily sums (`llm_call_days`, which triggers keep
in step with every ledger write), so a report over 90 days of a million calls sums a few
thousand rows; only the hourly timeline and the ledger pages read the calls themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, cast, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from backend.db.base import NANOS_PER_USD, nanos_to_usd
from backend.models import LLMCall, LLMCallDay
from backend.models.llm_call_day import NO_USER
from backend.services.usage_filter import UsageFilter


@dataclass(frozen=True)
class Bucket:
    requests: int
    tokens: int
    cost_usd: Decimal


@dataclass(frozen=True)
class Period:
    """One framework's calls in one UTC day or hour: a point of the spend-over-time charts."""

    start: datetime
    framework: str
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal


@dataclass(frozen=True)
class UsageReport:
    total: Bucket
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    failed_requests: int
    estimated_requests: int  # rows whose tokens were counted, not reported by the provider
    unpriced_requests: int  # rows whose model has no known price (cost 0)
    cache_hits: int  # answers from the response cache: rows, but no provider call and $0
    unpriced_models: list[str]
    by_framework: dict[str, Bucket]
    by_day: list[tuple[date, Bucket]]
    by_model: dict[str, Bucket]
    by_provider: dict[str, Bucket]
    by_operation: dict[str, Bucket]
    by_user: dict[int | None, Bucket] | None  # only for a report over several users
    by_hour: list[tuple[datetime, Bucket]] | None  # only when asked for
    timeline: list[Period]  # by day, or by hour when asked for; one point per framework


def _hour(session: AsyncSession) -> ColumnElement[Any]:
    """The UTC hour a ledger row starts in, per engine."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("hour", func.timezone("UTC", LLMCall.created_at))
    return func.strftime("%Y-%m-%d %H:00:00", LLMCall.created_at)


def _as_hour(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _as_day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _total(column: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(column), 0)


# Keys whose calls were all dropped (a call that never left) keep a row of zeros.
HAS_CALLS = func.sum(LLMCallDay.requests) > 0


async def _breakdown(
    session: AsyncSession, column: Any, conditions: list[ColumnElement[bool]]
) -> dict[Any, Bucket]:
    rows = await session.execute(
        select(
            column,
            _total(LLMCallDay.requests),
            _total(LLMCallDay.input_tokens + LLMCallDay.output_tokens),
            _total(LLMCallDay.cost_nanos),
        )
        .where(*conditions)
        .group_by(column)
        .having(HAS_CALLS)
        .order_by(column)
    )
    return {row[0]: _bucket(row[1], row[2], row[3]) for row in rows}


def _raw_cost() -> ColumnElement[Any]:
    # Sum the stored nano-dollars (exact integers), not the Decimal-typed column.
    return func.coalesce(func.sum(cast(LLMCall.cost_usd, BigInteger)), 0)


def _bucket(requests: Any, tokens: Any, cost: Any) -> Bucket:
    return Bucket(int(requests or 0), int(tokens or 0), nanos_to_usd(cost))


async def _timeline(
    session: AsyncSession, usage_filter: UsageFilter, *, hourly: bool
) -> list[Period]:
    """By day from the daily sums; by hour from the calls (the UI asks for hours over a day
    or two)."""
    if hourly:
        period = _hour(session).label("period")
        query = (
            select(
                period,
                LLMCall.framework,
                func.count(),
                _total(LLMCall.input_tokens),
                _total(LLMCall.output_tokens),
                _raw_cost(),
            )
            .where(*usage_filter.conditions())
            .group_by(period, LLMCall.framework)
            .order_by(period, LLMCall.framework)
        )
    else:
        query = (
            select(
                LLMCallDay.day,
                LLMCallDay.framework,
                _total(LLMCallDay.requests),
                _total(LLMCallDay.input_tokens),
                _total(LLMCallDay.output_tokens),
                _total(LLMCallDay.cost_nanos),
            )
            .where(*usage_filter.day_conditions())
            .group_by(LLMCallDay.day, LLMCallDay.framework)
            .having(HAS_CALLS)
            .order_by(LLMCallDay.day, LLMCallDay.framework)
        )
    rows = await session.execute(query)
    return [
        Period(
            start=_as_hour(row[0])
            if hourly
            else datetime.combine(_as_day(row[0]), time.min, tzinfo=UTC),
            framework=row[1],
            requests=int(row[2]),
            input_tokens=int(row[3]),
            output_tokens=int(row[4]),
            cost_usd=nanos_to_usd(row[5]),
        )
        for row in rows
    ]


def _fold(points: list[Period], key: Any) -> list[tuple[Any, Bucket]]:
    """Sum timeline points into one bucket per key (a day or an hour), in order."""
    sums: dict[Any, list[int]] = {}
    for point in points:
        acc = sums.setdefault(key(point), [0, 0, 0])
        acc[0] += point.requests
        acc[1] += point.input_tokens + point.output_tokens
        acc[2] += int(point.cost_usd * NANOS_PER_USD)
    return [(k, _bucket(*acc)) for k, acc in sums.items()]


async def read_snapshot(session: AsyncSession) -> None:
    """Make the report's queries read one snapshot (PostgreSQL), so a call landing between
    two of them cannot make a breakdown disagree with the summary."""
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))


async def usage_report(
    session: AsyncSession, usage_filter: UsageFilter, *, hourly: bool = False
) -> UsageReport:
    """The summary and every breakdown, each summing exactly (in nano-dollars) to it."""
    await read_snapshot(session)
    conditions = usage_filter.day_conditions()
    totals = (
        await session.execute(
            select(
                _total(LLMCallDay.requests),
                _total(LLMCallDay.input_tokens + LLMCallDay.output_tokens),
                _total(LLMCallDay.cost_nanos),
                _total(LLMCallDay.input_tokens),
                _total(LLMCallDay.output_tokens),
                _total(LLMCallDay.failed_requests),
                _total(LLMCallDay.cached_tokens),
                _total(LLMCallDay.estimated_requests),
                _total(LLMCallDay.unpriced_requests),
                _total(LLMCallDay.cache_hits),
            ).where(*conditions)
        )
    ).one()
    unpriced_models = await session.execute(
        select(LLMCallDay.model)
        .where(*conditions)
        .group_by(LLMCallDay.model)
        .having(func.sum(LLMCallDay.unpriced_requests) > 0)
        .order_by(LLMCallDay.model)
    )
    timeline = await _timeline(session, usage_filter, hourly=hourly)
    by_user = (
        await _breakdown(session, LLMCallDay.user_key, conditions)
        if usage_filter.user_id is None
        else None
    )
    return UsageReport(
        total=_bucket(totals[0], totals[1], totals[2]),
        input_tokens=int(totals[3]),
        output_tokens=int(totals[4]),
        failed_requests=int(totals[5]),
        cached_tokens=int(totals[6]),
        estimated_requests=int(totals[7]),
        unpriced_requests=int(totals[8]),
        cache_hits=int(totals[9]),
        unpriced_models=list(unpriced_models.scalars()),
        by_framework=await _breakdown(session, LLMCallDay.framework, conditions),
        by_model=await _breakdown(session, LLMCallDay.model, conditions),
        by_provider=await _breakdown(session, LLMCallDay.provider, conditions),
        by_operation=await _breakdown(session, LLMCallDay.operation, conditions),
        by_user=(
            {None if key == NO_USER else key: bucket for key, bucket in by_user.items()}
            if by_user is not None
            else None
        ),
        by_hour=_fold(timeline, lambda point: point.start) if hourly else None,
        by_day=_fold(timeline, lambda point: point.start.date()),
        timeline=timeline,
    )
