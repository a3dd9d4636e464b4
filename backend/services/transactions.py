"""The ledger page by page (newest first, by offset or by keyset cursor) and one
transaction's calls: the rows themselves, where the cost reports (`usage.py`) read their daily
sums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import LLMCall, LLMCallDay
from backend.services.usage_filter import UsageFilter


async def list_transactions(
    session: AsyncSession,
    usage_filter: UsageFilter,
    *,
    skip: int,
    limit: int,
    after: tuple[datetime, int] | None = None,
) -> tuple[list[LLMCall], int]:
    """Newest first. `after` (the last row of the previous page: its time and id) pages by
    keyset, so a deep page costs what the first one does; `skip` is the offset way."""
    total = (
        await session.execute(
            # every row: provider requests and answers from the cache
            select(func.coalesce(func.sum(LLMCallDay.requests + LLMCallDay.cache_hits), 0)).where(
                *usage_filter.day_conditions()
            )
        )
    ).scalar_one()
    query = select(LLMCall).where(*usage_filter.conditions())
    if after is not None:
        moment, row_id = after
        query = query.where(
            # The first condition alone is an index range; the second breaks ties in time.
            LLMCall.created_at <= moment,
            or_(
                LLMCall.created_at < moment, and_(LLMCall.created_at == moment, LLMCall.id < row_id)
            ),
        )
    else:
        query = query.offset(skip)
    rows = await session.execute(
        query.order_by(LLMCall.created_at.desc(), LLMCall.id.desc()).limit(limit)
    )
    return list(rows.scalars()), int(total)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def page_cursor(row: LLMCall) -> str:
    """An opaque cursor naming a row's place in the newest-first order: its time in
    microseconds since the epoch, and its id."""
    micros = (row.created_at - EPOCH) // timedelta(microseconds=1)  # exact, no float
    return f"{micros}-{row.id}"


def parse_cursor(cursor: str) -> tuple[datetime, int]:
    """The inverse of `page_cursor`; the API's pattern has made sure both parts are digits
    within range."""
    micros, _, row_id = cursor.partition("-")
    return EPOCH + timedelta(microseconds=int(micros)), int(row_id)


async def transaction_calls(
    session: AsyncSession, transaction_guid: str, user_id: int | None
) -> list[LLMCall]:
    """Every provider call under one transaction GUID (retries and failures included), oldest
    first; only the owner's unless `user_id` is None (administrators)."""
    query = select(LLMCall).where(LLMCall.transaction_guid == transaction_guid)
    if user_id is not None:
        query = query.where(LLMCall.user_id == user_id)
    rows = await session.execute(query.order_by(LLMCall.created_at, LLMCall.id))
    return list(rows.scalars())
