"""The ledger as CSV: every column, exact decimal costs, streamed from a server-side cursor so
memory stays flat whatever the number of rows."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.db.base import Money, UTCDateTime
from backend.models import LLMCall
from backend.services.usage_filter import UsageFilter

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
    "cached_from_guid",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# Text the server writes itself (a GUID it minted, names from its own vocabulary): never a
# formula, so not worth a call per cell.
_SERVER_WORDS = {
    "transaction_guid",
    "operation",
    "framework",
    "status",
    "price_source",
    "cached_from_guid",
}


def _text(value: str) -> str:
    """Text that a spreadsheet will not run as a formula (a leading = + - @ gets a quote, as
    OWASP advises for CSV exports)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _money(value: Decimal) -> str:
    return format(value, "f")  # exact, never in exponent notation


def _time(value: datetime) -> str:
    return value.isoformat()


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _formatter(column: Any) -> Callable[[Any], str] | None:
    """How a column's values are written; None: as the csv module writes them (numbers as
    `str`, None as an empty cell)."""
    if isinstance(column.type, Money):
        return _money
    if isinstance(column.type, UTCDateTime):
        return _time
    if isinstance(column.type, Boolean):
        return _flag
    if isinstance(column.type, String) and column.name not in _SERVER_WORDS:
        return _text
    return None


_COLUMNS = [LLMCall.__table__.c[name] for name in EXPORT_COLUMNS]
# Only the cells that need more than `str`, by position: one Python call each, per row.
_FORMATS = [(i, f) for i, f in enumerate(map(_formatter, _COLUMNS)) if f is not None]


def _cells(row: Sequence[Any]) -> list[Any]:
    cells = list(row)
    for index, write in _FORMATS:
        value = cells[index]
        if value is not None:
            cells[index] = write(value)
    return cells


async def export_rows(
    sessions: async_sessionmaker[AsyncSession], usage_filter: UsageFilter, *, batch: int = 2000
) -> AsyncIterator[str]:
    """The filtered ledger as CSV text, oldest first, streamed in batches from a server-side
    cursor: memory stays flat however many rows there are. Plain rows on the connection, not
    ORM objects: no identity map grows, and a million rows format several times faster."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    async with sessions() as session:
        connection = await session.connection()
        result = await connection.stream(
            select(*_COLUMNS)
            .where(*usage_filter.conditions())
            .order_by(LLMCall.id)
            .execution_options(yield_per=batch)
        )
        async for rows in result.partitions():
            writer.writerows(map(_cells, rows))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
