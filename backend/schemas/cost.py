"""Cost report shapes, all computed from the ledger (`llm_calls`)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class DateRange(BaseModel):
    start: date | None
    end: date | None


class UsageSummary(BaseModel):
    total_requests: int = Field(description="provider calls in the ledger")
    total_tokens: int
    input_tokens: int
    output_tokens: int
    total_cost_usd: float
    total_cost_exact: str = Field(description="the same total as an exact decimal string")
    average_cost_per_request: float
    failed_requests: int
    date_range: DateRange


class FrameworkUsage(BaseModel):
    """One slice of a breakdown; the slices of each breakdown sum exactly to the summary."""

    requests: int
    tokens: int
    cost_usd: float
    cost_exact: str = Field(description="the same cost as an exact decimal string")


class UserUsage(FrameworkUsage):
    user_id: int | None


class HourUsage(FrameworkUsage):
    hour: datetime = Field(description="the UTC hour the slice starts")


class DayUsage(BaseModel):
    date: date
    requests: int
    tokens: int
    cost_usd: float


class UsageResponse(BaseModel):
    summary: UsageSummary
    by_framework: dict[str, FrameworkUsage]
    by_day: list[DayUsage]
    by_model: dict[str, FrameworkUsage]
    by_provider: dict[str, FrameworkUsage]
    by_operation: dict[str, FrameworkUsage] = Field(
        description="story_generation, chat, document_run"
    )
    by_user: list[UserUsage] | None = Field(
        description="administrators asking for everyone's spend (all_users=true); else null"
    )
    by_hour: list[HourUsage] | None = Field(description="with granularity=hour; else null")


class Transaction(BaseModel):
    id: int
    type: str
    framework: str
    step: str | None
    provider: str
    model: str
    status: str
    attempt: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    total_tokens: int
    tokens_estimated: bool
    estimated_cost_usd: float
    price_source: str
    generation_time_ms: float
    time_to_first_token_ms: float | None
    story_id: int | None
    user_id: int | None
    created_at: datetime
    transaction_guid: str
    request_id: str | None


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
