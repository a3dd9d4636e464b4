"""The ledger's daily sums (what the cost reports read) against the ledger itself, on SQLite
and PostgreSQL: after provider calls through the app and after every kind of write straight
to the table, the sums are exactly the ledger's; and the CSV export streams past one batch."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, update

from backend.db.base import NANOS_PER_USD
from backend.models import LLMCall, LLMCallDay
from tests.utils.app import AppClient
from tests.utils.stories import generate

DAY = datetime(2026, 3, 10, tzinfo=UTC)


def call(user_id: int | None, n: int, **values: Any) -> LLMCall:
    defaults: dict[str, Any] = {
        "user_id": user_id,
        "transaction_guid": f"00000000-0000-0000-0000-{n:012d}",
        "operation": "chat",
        "framework": "semantic_kernel",
        "provider": "p",
        "model": "m",
        "attempt": 1,
        "status": "ok",
        "input_tokens": 10 + n,
        "output_tokens": 20 + n,
        "cached_tokens": n % 3,
        "tokens_estimated": n % 4 == 0,
        "cost_usd": Decimal(n) / NANOS_PER_USD * 1234,
        "price_source": "unknown" if n % 5 == 0 else "genai-prices",
        "latency_ms": 100.0,
        "created_at": DAY + timedelta(hours=n),
    }
    return LLMCall(**{**defaults, **values})


async def ledger_by_day(client: AppClient) -> dict[tuple[Any, ...], list[int]]:
    """The ledger summed per day and key, in Python, the way the triggers should."""
    sums: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * 8)
    async with client.runtime.sessions() as session:
        for row in (await session.execute(select(LLMCall))).scalars():
            key = (
                row.created_at.astimezone(UTC).date(),
                row.user_id or 0,
                row.framework,
                row.model,
                row.provider,
                row.operation,
            )
            shares = (
                1,
                row.input_tokens,
                row.output_tokens,
                row.cached_tokens,
                int(row.cost_usd * NANOS_PER_USD),
                row.status not in ("ok", "in_flight"),
                row.tokens_estimated,
                row.price_source == "unknown",
            )
            sums[key] = [total + int(share) for total, share in zip(sums[key], shares, strict=True)]
    return dict(sums)


async def daily_sums(client: AppClient) -> dict[tuple[Any, ...], list[int]]:
    async with client.runtime.sessions() as session:
        rows = (await session.execute(select(LLMCallDay))).scalars()
        return {
            (r.day, r.user_key, r.framework, r.model, r.provider, r.operation): [
                r.requests,
                r.input_tokens,
                r.output_tokens,
                r.cached_tokens,
                r.cost_nanos,
                r.failed_requests,
                r.estimated_requests,
                r.unpriced_requests,
            ]
            for r in rows
            if r.requests  # a key whose calls were all dropped keeps a row of zeros
        }


async def test_the_daily_sums_follow_every_write_to_the_ledger(client: AppClient) -> None:
    for framework in ("semantic_kernel", "langchain", "langgraph"):
        assert (await generate(client, framework)).status_code == 200
    me = int((await client.get("/api/auth/me")).json()["id"])
    assert await daily_sums(client) == await ledger_by_day(client)

    async with client.runtime.sessions() as session:
        session.add_all(call(me if n % 2 else None, n) for n in range(1, 40))
        session.add(call(me, 99, status="in_flight", cost_usd=Decimal(0), model="gone"))
        await session.commit()
        await session.execute(  # calls end, one fails, one moves across midnight
            update(LLMCall)
            .where(LLMCall.transaction_guid.like("%00000000001_"))
            .values(status="timeout", cost_usd=Decimal("0.5"), input_tokens=7)
        )
        await session.execute(
            update(LLMCall)
            .where(LLMCall.transaction_guid.like("%00000000002_"))
            .values(created_at=DAY - timedelta(minutes=1), user_id=me, framework="langgraph")
        )
        await session.execute(update(LLMCall).values(step="attached"))  # no report column
        await session.execute(delete(LLMCall).where(LLMCall.model == "gone"))  # a dropped call
        await session.execute(delete(LLMCall).where(LLMCall.transaction_guid.like("%3_")))
        await session.commit()
    assert await daily_sums(client) == await ledger_by_day(client)

    report = (await client.get("/api/cost/usage", params={"all_users": "true"})).json()
    ledger = await ledger_by_day(client)
    assert report["summary"]["total_requests"] == sum(sums[0] for sums in ledger.values())
    nanos = sum(sums[4] for sums in ledger.values())
    assert Decimal(report["summary"]["total_cost_exact"]) == Decimal(nanos) / NANOS_PER_USD
    assert "gone" not in report["by_model"]


async def test_the_export_streams_more_rows_than_one_batch(client: AppClient) -> None:
    me = int((await client.get("/api/auth/me")).json()["id"])
    async with client.runtime.sessions() as session:
        session.add_all(call(me, n, created_at=DAY + timedelta(seconds=n)) for n in range(4500))
        await session.commit()
    response = await client.get("/api/cost/export.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 4500
    assert [int(r["id"]) for r in rows] == sorted(int(r["id"]) for r in rows)
    total = sum(Decimal(r["cost_usd"]) for r in rows)
    assert total == sum(Decimal(n) / NANOS_PER_USD * 1234 for n in range(4500))
