"""The ledger as CSV: every column, exact decimal costs, streamed from a server-side cursor so
memory stays flat whatever the number of rows."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.models import LLMCall
from backend.services.usage import UsageFilter

EXPORT_COLUMNS = (
    "id",
    "created_at",
    "user_id",
    "transaction_guid",
    "request_id",
    "operation",
    "framework",
    "step",
    "provider",
    "model",
    "attempt",
    "status",
    "http_status",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "tokens_estimated",
    "cost_usd",
    "price_source",
    "latency_ms",
    "time_to_first_token_ms",
    "story_id",
    "chat_message_id",
    "context_execution_id",
    "error_message",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """One CSV cell: exact decimals, ISO times, and text that a spreadsheet will not run as a
    formula (a leading = + - @ gets a quote, as OWASP advises for CSV exports)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return str(value)


async def export_rows(
    sessions: async_sessionmaker[AsyncSession], usage_filter: UsageFilter, *, batch: int = 2000
) -> AsyncIterator[str]:
    """The filtered ledger as CSV text, oldest first, streamed in batches from a server-side
    cursor: memory stays flat however many rows there are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    async with sessions() as session:
        result = await session.stream_scalars(
            select(LLMCall)
            .where(*usage_filter.conditions())
            .order_by(LLMCall.id)
            .execution_options(yield_per=batch)
        )
        count = 0
        async for row in result:
            writer.writerow([_cell(getattr(row, column)) for column in EXPORT_COLUMNS])
            count += 1
            if count % batch == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
                session.expunge_all()
    yield buffer.getvalue()
