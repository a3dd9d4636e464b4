"""Spend reports, computed from the ledger: usage with its breakdowns, performance (latency,
cost per unit, the framework comparison) and budgets."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select

from backend.api.cost_filters import Filters, spend_owner
from backend.api.deps import GENERAL_LIMIT, CurrentPrincipal, RuntimeDep, SessionDep
from backend.api.responses import errors
from backend.models import User
from backend.schemas.common import MAX_DB_ID, from_record
from backend.schemas.cost import (
    BudgetResponse,
    BudgetState,
    DateRange,
    DayUsage,
    FrameworkUsage,
    HourUsage,
    PerformanceResponse,
    Spread,
    TimelinePoint,
    UnitCost,
    Unpriced,
    UsageResponse,
    UsageSummary,
    UserUsage,
)
from backend.services.cost_performance import UnitStats, performance_report
from backend.services.spend_caps import BudgetStatus
from backend.services.usage import Bucket, usage_report

router = APIRouter(
    prefix="/api/cost", tags=["cost"], dependencies=GENERAL_LIMIT, responses=errors(401, 403, 429)
)

NANO = Decimal("1e-9")
PRICE_HINT = (
    "These models have no known price, so their calls count as $0. Price them in a JSON file "
    'named by PRICE_OVERRIDES_FILE (see the README\'s "Use a real provider") and restart.'
)


def _slice(bucket: Bucket) -> dict[str, Any]:
    return {
        "requests": bucket.requests,
        "tokens": bucket.tokens,
        "cost_usd": float(bucket.cost_usd),
        "cost_exact": format(bucket.cost_usd, "f"),
    }


@router.get("/usage", responses=errors(422))
async def get_usage(
    principal: CurrentPrincipal,
    session: SessionDep,
    filters: Filters,
    granularity: Annotated[
        Literal["day", "hour"], Query(description="hour adds by_hour (UTC)")
    ] = "day",
) -> UsageResponse:
    report = await usage_report(
        session, filters.usage_filter(principal), hourly=granularity == "hour"
    )
    total = report.total
    emails: dict[int, str] = {}
    if report.by_user:
        found = await session.execute(
            select(User.id, User.email).where(User.id.in_([u for u in report.by_user if u]))
        )
        emails = {row[0]: row[1] for row in found}
    average = total.cost_usd / total.requests if total.requests else total.cost_usd
    return UsageResponse(
        summary=UsageSummary(
            total_requests=total.requests,
            total_tokens=total.tokens,
            input_tokens=report.input_tokens,
            output_tokens=report.output_tokens,
            cached_tokens=report.cached_tokens,
            estimated_requests=report.estimated_requests,
            total_cost_usd=float(total.cost_usd),
            total_cost_exact=format(total.cost_usd, "f"),
            average_cost_per_request=float(average),
            failed_requests=report.failed_requests,
            cache_hits=report.cache_hits,
            date_range=DateRange(start=filters.start_date, end=filters.end_date),
        ),
        by_framework={
            name: FrameworkUsage(**_slice(bucket)) for name, bucket in report.by_framework.items()
        },
        by_day=[
            DayUsage(
                date=day,
                requests=bucket.requests,
                tokens=bucket.tokens,
                cost_usd=float(bucket.cost_usd),
            )
            for day, bucket in report.by_day
        ],
        by_model={name: FrameworkUsage(**_slice(b)) for name, b in report.by_model.items()},
        by_provider={name: FrameworkUsage(**_slice(b)) for name, b in report.by_provider.items()},
        by_operation={name: FrameworkUsage(**_slice(b)) for name, b in report.by_operation.items()},
        by_user=(
            [
                UserUsage(user_id=user, email=emails.get(user) if user else None, **_slice(b))
                for user, b in report.by_user.items()
            ]
            if report.by_user is not None
            else None
        ),
        by_hour=(
            [HourUsage(hour=hour, **_slice(b)) for hour, b in report.by_hour]
            if report.by_hour is not None
            else None
        ),
        timeline=[
            from_record(
                TimelinePoint,
                point,
                cost_usd=float(point.cost_usd),
                cost_exact=format(point.cost_usd, "f"),
            )
            for point in report.timeline
        ],
        unpriced=Unpriced(
            requests=report.unpriced_requests,
            models=report.unpriced_models,
            hint=PRICE_HINT if report.unpriced_requests else None,
        ),
    )


def _money(value: Decimal | None) -> tuple[float | None, str | None]:
    if value is None:
        return None, None
    exact = value.quantize(NANO)
    return float(exact), format(exact, "f")


def _unit_cost(stats: UnitStats) -> UnitCost:
    mean, mean_exact = _money(stats.mean_cost_usd)
    median, median_exact = _money(stats.median_cost_usd)
    return from_record(
        UnitCost,
        stats,
        cost_exact=format(stats.cost_usd, "f"),
        mean_cost_usd=mean,
        mean_cost_exact=mean_exact,
        median_cost_usd=median,
        median_cost_exact=median_exact,
    )


WARNING_FRACTION = 0.8


def _budget_state(status: BudgetStatus) -> BudgetState:
    fraction = (
        float(status.used_usd / status.limit_usd)
        if status.limit_usd
        else (None if status.limit_usd is None else (1.0 if status.used_usd else 0.0))
    )
    return BudgetState(
        scope=status.scope,
        limit_usd=None if status.limit_usd is None else format(status.limit_usd, "f"),
        spent_usd=format(status.spent_usd, "f"),
        reserved_usd=format(status.reserved_usd, "f"),
        used_fraction=fraction,
        warning=fraction is not None and fraction >= WARNING_FRACTION,
        period_start=status.period_start,
        resets_at=status.resets_at,
    )


@router.get(
    "/budget", response_model=BudgetResponse, responses=errors(422), operation_id="get_budget"
)
async def get_budget(
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    user_id: Annotated[
        int | None, Query(ge=1, le=MAX_DB_ID, description="admins: another user's budget")
    ] = None,
) -> BudgetResponse:
    """The caller's monthly budget and the platform's daily cap: limit, spend, reserved, reset
    time, and a warning from 80% used."""
    owner = spend_owner(principal, user_id, all_users=False)
    assert owner is not None
    statuses = await runtime.caps.status(session, owner)
    return BudgetResponse(user_id=owner, budgets=[_budget_state(status) for status in statuses])


@router.get(
    "/performance",
    responses=errors(422),
)
async def get_cost_performance(
    principal: CurrentPrincipal, session: SessionDep, filters: Filters
) -> PerformanceResponse:
    """Provider latency (median, p95), what a story, chat reply or document run costs, and the
    framework comparison: median cost, latency and tokens per story, for the same filters."""
    report = await performance_report(session, filters.usage_filter(principal))
    return PerformanceResponse(
        latency_ms=Spread(**vars(report.latency_ms)),
        time_to_first_token_ms=Spread(**vars(report.time_to_first_token_ms)),
        by_operation=[_unit_cost(stats) for stats in report.by_operation],
        frameworks=[_unit_cost(stats) for stats in report.story_frameworks],
    )
