"""What a unit of work costs and how long it takes: provider latency percentiles, the cost of a
story, a chat reply or a document run, and the framework comparison. From the ledger alone.

A unit is everything one transaction spent through one framework (a story is one unit even
when LangGraph made two calls for it, or a retry made three). Percentiles are "discrete"
(an actual value, the lower one for an even count), so costs stay exact nano-dollars and the
SQLite and PostgreSQL answers are the same.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Float, cast, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from backend.core.names import Operation
from backend.db.base import nanos_to_usd
from backend.llm.calls import CallStatus
from backend.models import LLMCall
from backend.services.usage import read_snapshot
from backend.services.usage_filter import UsageFilter

# Both ways of writing a story; their units are stories.
STORY_OPERATIONS = (Operation.STORY.value, Operation.COMPARISON.value, Operation.EVALUATION.value)


@dataclass(frozen=True)
class Spread:
    count: int
    median: float | None
    p95: float | None


@dataclass(frozen=True)
class UnitStats:
    """Units of one operation (or stories of one framework)."""

    key: str
    units: int
    cost_usd: Decimal
    median_cost_usd: Decimal | None
    median_tokens: int | None
    median_latency_ms: float | None
    p95_latency_ms: float | None

    @property
    def mean_cost_usd(self) -> Decimal | None:
        return self.cost_usd / self.units if self.units else None


@dataclass(frozen=True)
class PerformanceReport:
    latency_ms: Spread  # provider calls that succeeded
    time_to_first_token_ms: Spread  # streamed calls that succeeded
    by_operation: list[UnitStats]
    story_frameworks: list[UnitStats]  # the framework comparison: per story


def percentile(values: Sequence[Any], fraction: float) -> Any:
    """The discrete percentile of sorted values: the first whose cumulative share reaches
    `fraction` (what PostgreSQL's percentile_disc returns)."""
    return values[max(0, math.ceil(fraction * len(values)) - 1)] if values else None


async def performance_report(session: AsyncSession, usage_filter: UsageFilter) -> PerformanceReport:
    await read_snapshot(session)
    conditions = usage_filter.conditions()
    ok = [*conditions, LLMCall.status == CallStatus.OK.value]
    ttft = [*ok, LLMCall.time_to_first_token_ms.is_not(None)]
    # What a unit costs to make: an answer from the response cache made nothing ($0, no time).
    conditions = [*conditions, LLMCall.status != CallStatus.CACHED.value]
    if session.get_bind().dialect.name == "postgresql":
        by_operation, story_frameworks = await _units_sql(session, conditions)
        latency, time_to_first_token = await _spreads_sql(session, ok)
        return PerformanceReport(
            latency_ms=latency,
            time_to_first_token_ms=time_to_first_token,
            by_operation=by_operation,
            story_frameworks=story_frameworks,
        )
    units = (await session.execute(_units(conditions))).all()
    return PerformanceReport(
        latency_ms=await _spread_rows(session, LLMCall.latency_ms, ok),
        time_to_first_token_ms=await _spread_rows(session, LLMCall.time_to_first_token_ms, ttft),
        by_operation=_fold_units(units, by="operation"),
        story_frameworks=_fold_units(
            [unit for unit in units if unit.operation in STORY_OPERATIONS], by="framework"
        ),
    )


def _units(conditions: list[ColumnElement[bool]]) -> Any:
    """One row per unit: its operation, framework, cost (nano-dollars), tokens and the
    provider time of all its calls."""
    return (
        select(
            LLMCall.operation.label("operation"),
            LLMCall.framework.label("framework"),
            func.sum(cast(LLMCall.cost_usd, BigInteger)).label("cost"),
            func.sum(LLMCall.input_tokens + LLMCall.output_tokens).label("tokens"),
            func.sum(LLMCall.latency_ms).label("latency"),
        )
        .where(*conditions)
        .group_by(LLMCall.operation, LLMCall.framework, LLMCall.transaction_guid)
    )


async def _spreads_sql(
    session: AsyncSession, conditions: list[ColumnElement[bool]]
) -> tuple[Spread, Spread]:
    """Latency and time to first token in one scan (ordered-set aggregates skip NULLs, so
    calls that did not stream count only for latency)."""
    measures = (LLMCall.latency_ms, LLMCall.time_to_first_token_ms)
    row = (
        await session.execute(
            select(
                *(
                    aggregate
                    for column in measures
                    for aggregate in (
                        func.count(column),
                        func.percentile_disc(0.5).within_group(column),
                        func.percentile_disc(0.95).within_group(column),
                    )
                )
            ).where(*conditions)
        )
    ).one()
    return (
        Spread(int(row[0]), _float(row[1]), _float(row[2])),
        Spread(int(row[3]), _float(row[4]), _float(row[5])),
    )


async def _spread_rows(
    session: AsyncSession, column: Any, conditions: list[ColumnElement[bool]]
) -> Spread:
    values = list(
        (await session.execute(select(column).where(*conditions).order_by(column))).scalars()
    )
    return Spread(len(values), _float(percentile(values, 0.5)), _float(percentile(values, 0.95)))


async def _units_sql(
    session: AsyncSession, conditions: list[ColumnElement[bool]]
) -> tuple[list[UnitStats], list[UnitStats]]:
    """Units by operation, and stories by framework, from one pass over the ledger: grouping
    a million rows into units is most of the report's time, so it is done once (a CTE read
    twice, which PostgreSQL materialises)."""
    units = _units(conditions).cte("units")

    def stats(kind: str, key: Any, *where: ColumnElement[bool]) -> Any:
        return (
            select(
                literal(kind).label("kind"),
                key.label("key"),
                func.count(),
                func.sum(units.c.cost),
                func.percentile_disc(0.5).within_group(units.c.cost),
                func.percentile_disc(0.5).within_group(units.c.tokens),
                func.percentile_disc(0.5).within_group(cast(units.c.latency, Float)),
                func.percentile_disc(0.95).within_group(cast(units.c.latency, Float)),
            )
            .where(*where)
            .group_by(key)
        )

    rows = await session.execute(
        union_all(
            stats("operation", units.c.operation),
            stats("framework", units.c.framework, units.c.operation.in_(STORY_OPERATIONS)),
        ).order_by("kind", "key")
    )
    found: dict[str, list[UnitStats]] = {"operation": [], "framework": []}
    for row in rows:
        found[row[0]].append(
            UnitStats(
                key=row[1],
                units=int(row[2]),
                cost_usd=nanos_to_usd(row[3]),
                median_cost_usd=nanos_to_usd(row[4]),
                median_tokens=int(row[5]),
                median_latency_ms=_float(row[6]),
                p95_latency_ms=_float(row[7]),
            )
        )
    return found["operation"], found["framework"]


def _fold_units(units: Sequence[Any], *, by: str) -> list[UnitStats]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for unit in units:
        groups[getattr(unit, by)].append(unit)
    stats = []
    for key in sorted(groups):
        members = groups[key]
        costs = sorted(int(unit.cost) for unit in members)
        latencies = sorted(float(unit.latency) for unit in members)
        stats.append(
            UnitStats(
                key=key,
                units=len(members),
                cost_usd=nanos_to_usd(sum(costs)),
                median_cost_usd=nanos_to_usd(percentile(costs, 0.5)),
                median_tokens=int(percentile(sorted(int(unit.tokens) for unit in members), 0.5)),
                median_latency_ms=percentile(latencies, 0.5),
                p95_latency_ms=percentile(latencies, 0.95),
            )
        )
    return stats


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
