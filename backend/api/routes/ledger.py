"""The ledger itself: its rows page by page, one transaction's calls, and the CSV export
(streamed by the server; a short-lived signed link lets a browser stream it to disk)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse

from backend.api.cost_filters import Filters
from backend.api.deps import (
    ANONYMOUS_LIMIT,
    GENERAL_LIMIT,
    CurrentPrincipal,
    RuntimeDep,
    SessionDep,
)
from backend.api.params import Limit, Skip
from backend.api.responses import errors
from backend.core.errors import NotFoundError, PermissionDeniedError
from backend.schemas.cost import (
    ExportLink,
    TransactionDetail,
    TransactionListResponse,
    transaction_out,
)
from backend.services.ledger_export import export_rows
from backend.services.transactions import (
    list_transactions as transactions_page,
)
from backend.services.transactions import (
    page_cursor,
    parse_cursor,
    transaction_calls,
)
from backend.services.usage_filter import UsageFilter

# Microseconds since the epoch (up to the year 2286) and a row id that fits an INTEGER.
CURSOR = r"^[0-9]{1,16}-[0-9]{1,9}$"
GUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
EXPORT_PURPOSE = "ledger-export"
EXPORT_LINK_LIFETIME = timedelta(seconds=60)

router = APIRouter(
    prefix="/api/cost", tags=["cost"], dependencies=GENERAL_LIMIT, responses=errors(401, 403, 429)
)
# The signed link carries its own authority: no Authorization header, limited per address.
links = APIRouter(
    prefix="/api/cost", tags=["cost"], dependencies=ANONYMOUS_LIMIT, responses=errors(401, 429)
)


@router.get(
    "/transactions",
    responses=errors(422),
)
async def list_transactions(
    principal: CurrentPrincipal,
    session: SessionDep,
    filters: Filters,
    skip: Skip = 0,
    limit: Limit = 50,
    cursor: Annotated[
        str | None,
        Query(max_length=64, pattern=CURSOR, description="`next_cursor` of the previous page"),
    ] = None,
) -> TransactionListResponse:
    """Ledger rows, newest first: one per provider call, failed attempts included. Page with
    `cursor` (keyset) or `skip` (offset)."""
    after = parse_cursor(cursor) if cursor else None
    rows, total = await transactions_page(
        session, filters.usage_filter(principal), skip=skip, limit=limit, after=after
    )
    return TransactionListResponse(
        transactions=[transaction_out(row) for row in rows],
        total=total,
        skip=skip,
        limit=limit,
        next_cursor=page_cursor(rows[-1]) if len(rows) == limit else None,
    )


@router.get(
    "/transactions/{transaction_guid}",
    responses=errors(404, 422),
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
        calls=[transaction_out(row) for row in rows],
        total_tokens=sum(row.input_tokens + row.output_tokens for row in rows),
        total_cost_usd=float(cost),
        total_cost_exact=format(cost, "f"),
    )


def _csv(runtime: RuntimeDep, usage_filter: UsageFilter) -> StreamingResponse:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        export_rows(runtime.sessions, usage_filter),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ledger-{stamp}.csv"'},
    )


CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The ledger as CSV", "content": {"text/csv": {}}}
}


@router.get(
    "/export.csv",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **errors(422)},
)
async def export_ledger_csv(
    principal: CurrentPrincipal, runtime: RuntimeDep, filters: Filters
) -> StreamingResponse:
    """The ledger rows for the filters as CSV, streamed by the server (oldest first, one row
    per provider call, every column, costs as exact decimals)."""
    return _csv(runtime, filters.usage_filter(principal))


@router.post(
    "/export-link",
    responses=errors(422),
)
async def create_export_link(
    principal: CurrentPrincipal, runtime: RuntimeDep, filters: Filters, request: Request
) -> ExportLink:
    """A signed link to the CSV export for these filters, valid for 60 seconds: a browser
    can follow it as a plain download (no Authorization header) and stream it to disk."""
    usage_filter = filters.usage_filter(principal)  # permission to see this spend, now
    token, expires = runtime.accounts.sign_link(
        {"sub": str(principal.user_id), "filter": usage_filter.to_claims()},
        EXPORT_PURPOSE,
        EXPORT_LINK_LIFETIME,
    )
    return ExportLink(
        url=str(request.url_for("download_export", link=token).path), expires_at=expires
    )


@links.get(
    "/exports/{link}",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **errors(403, 422)},
    name="download_export",
)
async def download_export(
    link: Annotated[str, Path(max_length=2048, pattern=r"^[A-Za-z0-9_.-]+$")],
    runtime: RuntimeDep,
    session: SessionDep,
) -> StreamingResponse:
    """The CSV export a signed link (from `POST /api/cost/export-link`) was made for, as long as
    the link is fresh and its account still active and still allowed that spend."""
    principal, claims = await runtime.accounts.open_link(session, link, EXPORT_PURPOSE)
    usage_filter = UsageFilter.from_claims(claims["filter"])
    if usage_filter.user_id != principal.user_id and not principal.is_admin:
        raise PermissionDeniedError("Only an administrator can see other users' spend.")
    return _csv(runtime, usage_filter)
