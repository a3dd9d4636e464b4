"""Reading the stored log (services/log_store.py writes it): filters, newest first, keyset
pages, and "what is new since" for following it live."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import LogEntry
from backend.services.ledger import escape_like
from backend.services.log_store import LEVELS


@dataclass(frozen=True)
class LogQuery:
    level: str | None = None  # this level and above
    since: datetime | None = None
    until: datetime | None = None
    request_id: str | None = None
    transaction_guid: str | None = None
    text: str | None = None  # in the message or any field, any case
    before_id: int | None = None  # the page after one ending at this id (older)
    after_id: int | None = None  # only entries newer than this id (following)
    limit: int = 100


async def read_logs(session: AsyncSession, query: LogQuery) -> Sequence[LogEntry]:
    statement = select(LogEntry).order_by(LogEntry.id.desc()).limit(query.limit)
    if query.level is not None:
        statement = statement.where(LogEntry.level_number >= LEVELS[query.level])
    if query.since is not None:
        statement = statement.where(LogEntry.created_at >= query.since)
    if query.until is not None:
        statement = statement.where(LogEntry.created_at < query.until)
    if query.request_id is not None:
        statement = statement.where(LogEntry.request_id == query.request_id)
    if query.transaction_guid is not None:
        statement = statement.where(LogEntry.transaction_guid == query.transaction_guid)
    if query.text:
        pattern = f"%{escape_like(query.text.lower())}%"
        statement = statement.where(
            or_(
                LogEntry.event.ilike(pattern, escape="\\"),
                LogEntry.fields.ilike(pattern, escape="\\"),
                LogEntry.logger.ilike(pattern, escape="\\"),
            )
        )
    if query.before_id is not None:
        statement = statement.where(LogEntry.id < query.before_id)
    if query.after_id is not None:
        statement = statement.where(LogEntry.id > query.after_id)
    return (await session.execute(statement)).scalars().all()
