"""Cost report shapes, all computed from the ledger (`llm_calls`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from backend.models import LLMCall
from backend.schemas.common import from_record


class DateRange(BaseModel):
    start: date | None
    end: date | None


class UsageSummary(BaseModel):
    total_requests: int = Field(description="provider calls in the ledger")
    total_tokens: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int = Field(description="input tokens the provider served from its cache")
    total_cost_usd: float
    total_cost_exact: str = Field(description="the same total as an exact decimal string")
    average_cost_per_request: float
    failed_requests: int = Field(
        description="calls that ended in anything but ok (in flight excluded)"
    )
    estimated_requests: int = Field(
        description="calls whose tokens were counted here because the provider reported none"
    )
    cache_hits: int = Field(
        default=0,
        description="answers from the response cache: ledger rows with status `cached`, no "
        "provider call, $0 (not in total_requests)",
    )
    date_range: DateRange


class FrameworkUsage(BaseModel):
    """One slice of a breakdown; the slices of each breakdown sum exactly to the summary."""

    requests: int
    tokens: int
    cost_usd: float
    cost_exact: str = Field(description="the same cost as an exact decimal string")


class UserUsage(FrameworkUsage):
    user_id: int | None
    email: str | None = Field(description="null for rows whose account is gone")


class HourUsage(FrameworkUsage):
    hour: datetime = Field(description="the UTC hour the slice starts")


class DayUsage(BaseModel):
    date: date
    requests: int
    tokens: int
    cost_usd: float


class TimelinePoint(BaseModel):
    """One framework's calls in one UTC day (or hour, with granularity=hour)."""

    start: datetime
    framework: str
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    cost_exact: str


class Unpriced(BaseModel):
    """Calls whose model has no known price: counted at 0, so the spend shown is too low."""

    requests: int
    models: list[str]
    hint: str | None = Field(description="how to price them; null when every call is priced")


class UsageResponse(BaseModel):
    summary: UsageSummary
    by_framework: dict[str, FrameworkUsage]
    by_day: list[DayUsage]
    by_model: dict[str, FrameworkUsage]
    by_provider: dict[str, FrameworkUsage]
    by_operation: dict[str, FrameworkUsage] = Field(
        description="story_generation, comparison, chat, document_run, judge, evaluation"
    )
    by_user: list[UserUsage] | None = Field(
        description="administrators asking for everyone's spend (all_users=true); else null"
    )
    by_hour: list[HourUsage] | None = Field(description="with granularity=hour; else null")
    timeline: list[TimelinePoint] = Field(
        description="per framework per day, or per hour with granularity=hour (UTC)"
    )
    unpriced: Unpriced


class Spread(BaseModel):
    count: int
    median: float | None
    p95: float | None


class UnitCost(BaseModel):
    """The units of one operation, or the stories of one framework. A unit is all one
    transaction spent through one framework: a story (retries and LangGraph nodes included),
    a chat reply, a document run."""

    key: str = Field(description="the operation or the framework")
    units: int
    cost_exact: str
    mean_cost_usd: float | None
    mean_cost_exact: str | None
    median_cost_usd: float | None
    median_cost_exact: str | None
    median_tokens: int | None
    median_latency_ms: float | None = Field(description="provider time of the unit's calls")
    p95_latency_ms: float | None


class PerformanceResponse(BaseModel):
    latency_ms: Spread = Field(description="provider latency of the calls that succeeded")
    time_to_first_token_ms: Spread = Field(description="streamed calls that succeeded")
    by_operation: list[UnitCost] = Field(
        description="cost per story, comparison story, chat reply and document run"
    )
    frameworks: list[UnitCost] = Field(
        description="the framework comparison: per story (single and compared), same period"
    )


class Transaction(BaseModel):
    id: int
    type: str
    framework: str
    step: str | None
    provider: str
    model: str
    status: str
    http_status: int | None
    error_message: str | None = Field(description="the provider's short error, if it failed")
    attempt: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    total_tokens: int
    tokens_estimated: bool
    estimated_cost_usd: float
    cost_exact: str = Field(description="the same cost as an exact decimal string")
    price_source: str
    generation_time_ms: float
    time_to_first_token_ms: float | None
    story_id: int | None
    user_id: int | None
    created_at: datetime
    transaction_guid: str
    request_id: str | None
    cached_from_guid: str | None = Field(
        default=None, description="status `cached`: the transaction this answer repeats"
    )


class TransactionListResponse(BaseModel):
    transactions: list[Transaction]
    total: int
    skip: int
    limit: int
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page (keyset: deep pages stay fast); "
        "null on the last page"
    )


class TransactionDetail(BaseModel):
    """Every provider call under one transaction GUID: retries and failed attempts too."""

    transaction_guid: str
    calls: list[Transaction]
    total_tokens: int
    total_cost_usd: float
    total_cost_exact: str


class BudgetState(BaseModel):
    """One budget as it stands: the ledger's spend in the period plus what running requests
    have reserved (their worst case) until their ledger rows settle it."""

    scope: Literal["user_monthly", "global_daily"]
    limit_usd: str | None = Field(description="exact decimal; null: no budget")
    spent_usd: str = Field(description="ledger spend in the period, exact decimal")
    reserved_usd: str = Field(description="worst case of requests still running")
    used_fraction: float | None = Field(description="(spent + reserved) / limit")
    warning: bool = Field(description="80% or more of the budget is used")
    period_start: datetime
    resets_at: datetime


class BudgetResponse(BaseModel):
    user_id: int
    budgets: list[BudgetState]


class ExportLink(BaseModel):
    url: str = Field(description="GET it (no Authorization header) within 60 seconds")
    expires_at: datetime


def transaction_out(row: LLMCall) -> Transaction:
    return from_record(
        Transaction,
        row,
        type=row.operation,
        total_tokens=row.input_tokens + row.output_tokens,
        estimated_cost_usd=float(row.cost_usd),
        cost_exact=format(row.cost_usd.quantize(Decimal("1e-9")), "f"),
        generation_time_ms=row.latency_ms,
    )
