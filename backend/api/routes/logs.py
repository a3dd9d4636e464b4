"""GET /api/admin/logs: the structured log, for administrators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from backend.api.deps import GENERAL_LIMIT, AdminPrincipal, SessionDep
from backend.api.responses import errors
from backend.schemas.logs import LogLevel, LogPage, log_entry_out
from backend.services.logs import LogQuery, read_logs

router = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    dependencies=GENERAL_LIMIT,
    responses=errors(401, 403, 422, 429),
)

Id = Annotated[int | None, Query(ge=0, le=2**62)]
Text = Annotated[str | None, Query(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]


def as_utc(moment: datetime | None) -> datetime | None:
    """A time without a zone is taken as UTC, as everywhere in the API."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@router.get("/logs")
async def list_logs(
    admin: AdminPrincipal,
    session: SessionDep,
    level: Annotated[LogLevel | None, Query(description="This level and above.")] = None,
    since: Annotated[datetime | None, Query(description="From this time (inclusive).")] = None,
    until: Annotated[datetime | None, Query(description="Before this time.")] = None,
    request_id: Text = None,
    transaction_guid: Text = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            pattern=r"^[^\x00]*$",
            description="Text in the message or any field, any case.",
        ),
    ] = None,
    before_id: Id = None,
    after_id: Id = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> LogPage:
    """Newest first; page older with `before_id`, follow newer with `after_id`."""
    entries = await read_logs(
        session,
        LogQuery(
            level=level,
            since=as_utc(since),
            until=as_utc(until),
            request_id=request_id,
            transaction_guid=transaction_guid,
            text=q,
            before_id=before_id,
            after_id=after_id,
            limit=limit,
        ),
    )
    full = len(entries) == limit
    return LogPage(
        entries=[log_entry_out(entry) for entry in entries],
        next_before_id=entries[-1].id if full and after_id is None else None,
        newest_id=entries[0].id if entries else after_id,
    )
