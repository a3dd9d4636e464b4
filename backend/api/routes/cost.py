"""Spend, computed from the ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from backend.api.deps import GENERAL_LIMIT, CurrentPrincipal, RuntimeDep, SessionDep
from backend.api.responses import errors
from backend.core.errors import NotFoundError, PermissionDeniedError
from backend.frameworks.base import FrameworkName
from backend.models import LLMCall
from backend.schemas.common import NO_NUL
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
    Transaction,
    TransactionDetail,
    TransactionListResponse,
    UnitCost,
    Unpriced,
    UsageResponse,
    UsageSummary,
    UserUsage,
)
from backend.services.accounts import Principal
from backend.services.cost_performance import UnitStats, performance_report
from backend.services.ledger_export import export_rows
from backend.services.spend_caps import BudgetStatus
from backend.services.usage import (
    Bucket,
    UsageFilter,
    list_transactions,
    page_cursor,
    parse_cursor,
    transaction_calls,
    usage_report,
)

# Microseconds since the epoch (up to the year 2286) and a row id that fits an INTEGER.
CURSOR = r"^[0-9]{1,16}-[0-9]{1,9}$"
GUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

router = APIRouter(
    prefix="/api/cost", tags=["cost"], dependencies=GENERAL_LIMIT, responses=errors(401, 403, 429)
)


def _owner(principal: Principal, user_id: int | None, all_users: bool) -> int | None:
    """Whose spend: the caller's; an admin may ask for one user's or everyone's."""
    if all_users or (user_id is not None and user_id != principal.user_id):
        if not principal.is_admin:
            raise PermissionDeniedError("Only an administrator can see other users' spend.")
        return None if all_users else user_id
    return principal.user_id


Operation = Literal["story_generation", "comparison", "chat", "document_run"]
NANO = Decimal("1e-9")
PRICE_HINT = (
    "These models have no known price, so their calls count as $0. Price them in a JSON file "
    "named by PRICE_OVERRIDES_FILE (see the README's Pricing section) and restart."
)


class LedgerFilters(BaseModel):
    """Filters shared by the usage report and the ledger list."""

    start_date: date | None = Field(default=None, description="first day, inclusive (UTC)")
    end_date: date | None = Field(default=None, description="last day, inclusive (UTC)")
    framework: FrameworkName | None = None
    model: str | None = Field(default=None, max_length=200, pattern=NO_NUL)
    provider: str | None = Field(default=None, max_length=100, pattern=NO_NUL)
    operation: Operation | None = None
    user_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="admins: one user's spend"
    )
    all_users: bool = Field(default=False, description="admins: everyone's spend")

    def usage_filter(self, principal: Principal) -> UsageFilter:
        return UsageFilter(
            start_date=self.start_date,
            end_date=self.end_date,
            framework=self.framework.value if self.framework else None,
            user_id=_owner(principal, self.user_id, self.all_users),
            model=self.model,
            provider=self.provider,
            operation=self.operation,
        )


Filters = Annotated[LedgerFilters, Query()]


def _slice(bucket: Bucket) -> dict[str, Any]:
    return {
        "requests": bucket.requests,
        "tokens": bucket.tokens,
        "cost_usd": float(bucket.cost_usd),
        "cost_exact": format(bucket.cost_usd, "f"),
    }


@router.get("/usage", response_model=UsageResponse, responses=errors(422), operation_id="get_usage")
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
            [UserUsage(user_id=user, **_slice(b)) for user, b in report.by_user.items()]
            if report.by_user is not None
            else None
        ),
        by_hour=(
            [HourUsage(hour=hour, **_slice(b)) for hour, b in report.by_hour]
            if report.by_hour is not None
            else None
        ),
        timeline=[
            TimelinePoint(
                start=point.start,
                framework=point.framework,
                requests=point.requests,
                input_tokens=point.input_tokens,
                output_tokens=point.output_tokens,
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
    return UnitCost(
        key=stats.key,
        units=stats.units,
        cost_exact=format(stats.cost_usd, "f"),
        mean_cost_usd=mean,
        mean_cost_exact=mean_exact,
        median_cost_usd=median,
        median_cost_exact=median_exact,
        median_tokens=stats.median_tokens,
        median_latency_ms=stats.median_latency_ms,
        p95_latency_ms=stats.p95_latency_ms,
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
        int | None, Query(ge=1, le=2**31 - 1, description="admins: another user's budget")
    ] = None,
) -> BudgetResponse:
    """The caller's monthly budget and the platform's daily cap: limit, spend, reserved, reset
    time, and a warning from 80% used."""
    owner = _owner(principal, user_id, all_users=False)
    assert owner is not None
    statuses = await runtime.caps.status(session, owner)
    return BudgetResponse(user_id=owner, budgets=[_budget_state(status) for status in statuses])


@router.get(
    "/performance",
    response_model=PerformanceResponse,
    responses=errors(422),
    operation_id="get_cost_performance",
)
async def get_performance(
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


def _transaction(row: LLMCall) -> Transaction:
    return Transaction(
        id=row.id,
        type=row.operation,
        framework=row.framework,
        step=row.step,
        provider=row.provider,
        model=row.model,
        status=row.status,
        http_status=row.http_status,
        error_message=row.error_message,
        attempt=row.attempt,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        cached_tokens=row.cached_tokens,
        total_tokens=row.input_tokens + row.output_tokens,
        tokens_estimated=row.tokens_estimated,
        estimated_cost_usd=float(row.cost_usd),
        price_source=row.price_source,
        generation_time_ms=row.latency_ms,
        time_to_first_token_ms=row.time_to_first_token_ms,
        story_id=row.story_id,
        user_id=row.user_id,
        created_at=row.created_at,
        transaction_guid=row.transaction_guid,
        request_id=row.request_id,
    )


@router.get(
    "/transactions",
    response_model=TransactionListResponse,
    responses=errors(422),
    operation_id="list_transactions",
)
async def get_transactions(
    principal: CurrentPrincipal,
    session: SessionDep,
    filters: Filters,
    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[
        str | None,
        Query(max_length=64, pattern=CURSOR, description="`next_cursor` of the previous page"),
    ] = None,
) -> TransactionListResponse:
    """Ledger rows, newest first: one per provider call, failed attempts included. Page with
    `cursor` (keyset) or `skip` (offset)."""
    after = parse_cursor(cursor) if cursor else None
    rows, total = await list_transactions(
        session, filters.usage_filter(principal), skip=skip, limit=limit, after=after
    )
    return TransactionListResponse(
        transactions=[_transaction(row) for row in rows],
        total=total,
        skip=skip,
        limit=limit,
        next_cursor=page_cursor(rows[-1]) if len(rows) == limit else None,
    )


@router.get(
    "/transactions/{transaction_guid}",
    response_model=TransactionDetail,
    responses=errors(404, 422),
    operation_id="get_transaction",
)
async def get_transaction(
    principal: CurrentPrincipal,
    session: SessionDep,
    transaction_guid: Annotated[str, Path(pattern=GUID)],
) -> TransactionDetail:
    """Every provider call made under one transaction GUID (retries, failed attempts and
    LangGraph nodes included), oldest first. Another user's GUID is "not found"."""
    owner = None if principal.is_admin else principal.user_id
    rows = await transaction_calls(session, transaction_guid, owner)
    if not rows:
        raise NotFoundError(f"Transaction {transaction_guid} was not found.")
    cost = sum((row.cost_usd for row in rows), Decimal(0))
    return TransactionDetail(
        transaction_guid=transaction_guid,
        calls=[_transaction(row) for row in rows],
        total_tokens=sum(row.input_tokens + row.output_tokens for row in rows),
        total_cost_usd=float(cost),
        total_cost_exact=format(cost, "f"),
    )


@router.get(
    "/export.csv",
    response_class=StreamingResponse,
    responses={
        200: {"description": "The ledger as CSV", "content": {"text/csv": {}}},
        **errors(422),
    },
    operation_id="export_ledger_csv",
)
async def export_ledger(
    principal: CurrentPrincipal, runtime: RuntimeDep, filters: Filters
) -> StreamingResponse:
    """The ledger rows for the filters as CSV, streamed by the server (oldest first, one row
    per provider call, every column, costs as exact decimals)."""
    usage_filter = filters.usage_filter(principal)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        export_rows(runtime.sessions, usage_filter),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ledger-{stamp}.csv"'},
    )
