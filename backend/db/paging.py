"""One page of a list and the size of the whole list: every list endpoint pages this way."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


async def count_of(session: AsyncSession, query: Select[Any]) -> int:
    """How many rows `query` has in all (its order does not matter to a count)."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(await session.scalar(counted) or 0)


async def page_of(
    session: AsyncSession, query: Select[T], *, skip: int, limit: int
) -> tuple[list[T], int]:
    """One page of a filtered, ordered query of one entity, and the total."""
    total = await count_of(session, query)
    rows = await session.scalars(query.offset(skip).limit(limit))
    return list(rows), total


async def page_of_rows(
    session: AsyncSession, query: Select[Any], *, skip: int, limit: int
) -> tuple[list[Any], int]:
    """As `page_of`, for a query of several columns."""
    total = await count_of(session, query)
    result = await session.execute(query.offset(skip).limit(limit))
    return list(result.all()), total
