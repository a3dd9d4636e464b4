"""Spend, computed from the ledger."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from backend.api.deps import GENERAL_LIMIT, CurrentPrincipal, SessionDep
from backend.api.responses import errors
from backend.core.errors import PermissionDeniedError
from backend.frameworks.base import FrameworkName
from backend.models import LLMCall
from backend.schemas.cost import (
    DateRange,
    DayUsage,
    FrameworkUsage,
    Transaction,
    TransactionListResponse,
    UsageResponse,
    UsageSummary,
)
from backend.services.accounts import Principal
from backend.services.usage import UsageFilter, list_transactions, usage_report

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


def _filter(
    start: date | None,
    end: date | None,
    framework: FrameworkName | None,
    owner: int | None,
) -> UsageFilter:
    return UsageFilter(start, end, framework.value if framework else None, owner)


StartDate = Annotated[date | None, Query(description="first day, inclusive (UTC)")]
EndDate = Annotated[date | None, Query(description="last day, inclusive (UTC)")]
UserId = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="admins: one user's spend")]
AllUsers = Annotated[bool, Query(description="admins: everyone's spend")]


@router.get("/usage", response_model=UsageResponse, responses=errors(422), operation_id="get_usage")
async def get_usage(
    principal: CurrentPrincipal,
    session: SessionDep,
    start_date: StartDate = None,
    end_date: EndDate = None,
    framework: FrameworkName | None = None,
    user_id: UserId = None,
    all_users: AllUsers = False,
) -> UsageResponse:
    owner = _owner(principal, user_id, all_users)
    report = await usage_report(session, _filter(start_date, end_date, framework, owner))
    total = report.total
    average = total.cost_usd / total.requests if total.requests else total.cost_usd
    return UsageResponse(
        summary=UsageSummary(
            total_requests=total.requests,
            total_tokens=total.tokens,
            input_tokens=report.input_tokens,
            output_tokens=report.output_tokens,
            total_cost_usd=float(total.cost_usd),
            total_cost_exact=format(total.cost_usd, "f"),
            average_cost_per_request=float(average),
            failed_requests=report.failed_requests,
            date_range=DateRange(start=start_date, end=end_date),
        ),
        by_framework={
            name: FrameworkUsage(
                requests=bucket.requests, tokens=bucket.tokens, cost_usd=float(bucket.cost_usd)
            )
            for name, bucket in report.by_framework.items()
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
    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    start_date: StartDate = None,
    end_date: EndDate = None,
    framework: FrameworkName | None = None,
    user_id: UserId = None,
    all_users: AllUsers = False,
) -> TransactionListResponse:
    """Ledger rows, newest first: one per provider call, failed attempts included."""
    owner = _owner(principal, user_id, all_users)
    rows, total = await list_transactions(
        session, _filter(start_date, end_date, framework, owner), skip=skip, limit=limit
    )
    return TransactionListResponse(
        transactions=[_transaction(row) for row in rows], total=total, skip=skip, limit=limit
    )
