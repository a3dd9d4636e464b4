"""The cost page's figures, on SQLite and PostgreSQL: the per-framework timeline, latency
percentiles, cost per unit of work, the framework comparison and unpriced models, each
checked against ledger rows written with known values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from backend.models import LLMCall
from tests.utils.app import AppClient

DAY = datetime(2026, 3, 10, tzinfo=UTC)
NANO = Decimal("1e-9")


def row(user_id: int, guid: str, **values: Any) -> LLMCall:
    defaults: dict[str, Any] = {
        "user_id": user_id,
        "transaction_guid": guid,
        "operation": "story_generation",
        "framework": "langchain",
        "provider": "p",
        "model": "m",
        "attempt": 1,
        "status": "ok",
        "input_tokens": 10,
        "output_tokens": 20,
        "cost_usd": Decimal("0.000001"),
        "price_source": "genai-prices",
        "latency_ms": 100.0,
        "created_at": DAY + timedelta(hours=12),
    }
    return LLMCall(**{**defaults, **values})


async def seed(client: AppClient, rows: list[LLMCall]) -> None:
    async with client.runtime.sessions() as session:
        session.add_all(rows)
        await session.commit()


async def owner(client: AppClient) -> int:
    return int((await client.get("/api/auth/me")).json()["id"])


def guid(n: int) -> str:
    return f"00000000-0000-0000-0000-{n:012d}"


async def test_the_timeline_splits_days_at_utc_midnight_and_sums_to_the_summary(
    client: AppClient,
) -> None:
    me = await owner(client)
    midnight = DAY + timedelta(days=1)
    await seed(
        client,
        [
            row(me, guid(1), created_at=midnight - timedelta(microseconds=1)),
            row(me, guid(2), created_at=midnight, framework="langgraph", cost_usd=Decimal("0.3")),
            row(me, guid(3), created_at=midnight + timedelta(minutes=59), cost_usd=NANO),
        ],
    )
    window = {"start_date": "2026-03-10", "end_date": "2026-03-11"}
    daily = (await client.get("/api/cost/usage", params=window)).json()
    points = [
        (p["start"], p["framework"], p["requests"], p["cost_exact"]) for p in daily["timeline"]
    ]
    assert points == [
        ("2026-03-10T00:00:00Z", "langchain", 1, "0.000001000"),
        ("2026-03-11T00:00:00Z", "langchain", 1, "0.000000001"),
        ("2026-03-11T00:00:00Z", "langgraph", 1, "0.300000000"),
    ]
    hourly = (await client.get("/api/cost/usage", params={**window, "granularity": "hour"})).json()
    hours = [(p["start"], p["framework"]) for p in hourly["timeline"]]
    assert hours == [
        ("2026-03-10T23:00:00Z", "langchain"),
        ("2026-03-11T00:00:00Z", "langchain"),
        ("2026-03-11T00:00:00Z", "langgraph"),
    ]
    for report in (daily, hourly):
        total = sum((Decimal(p["cost_exact"]) for p in report["timeline"]), Decimal(0))
        assert total == Decimal(report["summary"]["total_cost_exact"]) == Decimal("0.300001001")
        assert sum(p["input_tokens"] + p["output_tokens"] for p in report["timeline"]) == 90
    assert [day["date"] for day in daily["by_day"]] == ["2026-03-10", "2026-03-11"]
    only_first = (await client.get("/api/cost/usage", params={"end_date": "2026-03-10"})).json()
    assert only_first["summary"]["total_requests"] == 1


async def test_unpriced_and_estimated_rows_are_counted_and_named(client: AppClient) -> None:
    me = await owner(client)
    await seed(
        client,
        [
            row(me, guid(1), model="house-llm", price_source="unknown", cost_usd=Decimal(0)),
            row(me, guid(2), model="house-llm", price_source="unknown", cost_usd=Decimal(0)),
            row(me, guid(3), model="other-llm", price_source="unknown", cost_usd=Decimal(0)),
            row(me, guid(4), tokens_estimated=True, cached_tokens=4),
        ],
    )
    usage = (await client.get("/api/cost/usage")).json()
    assert usage["unpriced"]["requests"] == 3
    assert usage["unpriced"]["models"] == ["house-llm", "other-llm"]
    assert "PRICE_OVERRIDES_FILE" in usage["unpriced"]["hint"]
    assert usage["summary"]["estimated_requests"] == 1
    assert usage["summary"]["cached_tokens"] == 4
    priced = (await client.get("/api/cost/usage", params={"model": "m"})).json()
    assert priced["unpriced"] == {"requests": 0, "models": [], "hint": None}


async def test_performance_percentiles_units_and_the_framework_comparison(
    client: AppClient,
) -> None:
    me = await owner(client)
    rows = [
        # LangGraph stories: two calls each (one with a failed first attempt).
        row(me, guid(1), framework="langgraph", latency_ms=100.0, cost_usd=Decimal("0.2")),
        row(me, guid(1), framework="langgraph", latency_ms=300.0, cost_usd=Decimal("0.1")),
        row(
            me,
            guid(2),
            framework="langgraph",
            latency_ms=50.0,
            status="http_500",
            cost_usd=Decimal(0),
            input_tokens=0,
            output_tokens=0,
        ),
        row(
            me, guid(2), framework="langgraph", attempt=2, latency_ms=200.0, cost_usd=Decimal("0.5")
        ),
        # Two LangChain stories and one compared LangChain story.
        row(me, guid(3), latency_ms=10.0, cost_usd=Decimal("0.01")),
        row(me, guid(4), latency_ms=30.0, cost_usd=Decimal("0.03")),
        row(
            me,
            guid(5),
            operation="comparison",
            latency_ms=20.0,
            cost_usd=Decimal("0.02"),
            time_to_first_token_ms=5.0,
        ),
        # A chat reply and a document run (not stories).
        row(
            me,
            guid(6),
            operation="chat",
            framework="semantic_kernel",
            latency_ms=1000.0,
            cost_usd=Decimal("0.7"),
        ),
        row(me, guid(7), operation="document_run", latency_ms=400.0, cost_usd=Decimal("0.9")),
    ]
    await seed(client, rows)
    report = (await client.get("/api/cost/performance")).json()

    ok_latencies = sorted(r.latency_ms for r in rows if r.status == "ok")  # 8 calls
    assert report["latency_ms"] == {
        "count": 8,
        "median": ok_latencies[3],  # the lower middle: an actual call's latency
        "p95": ok_latencies[7],
    }
    assert report["time_to_first_token_ms"] == {"count": 1, "median": 5.0, "p95": 5.0}

    frameworks = {item["key"]: item for item in report["frameworks"]}
    assert set(frameworks) == {"langchain", "langgraph"}  # chat and documents are not stories
    langgraph = frameworks["langgraph"]
    assert langgraph["units"] == 2  # stories, not calls
    assert langgraph["cost_exact"] == "0.800000000"
    assert langgraph["median_cost_exact"] == "0.300000000"  # lower of 0.3 and 0.5
    assert langgraph["mean_cost_exact"] == "0.400000000"
    assert langgraph["median_latency_ms"] == 250.0  # lower of 250 (50+200) and 400 (100+300)
    assert langgraph["p95_latency_ms"] == 400.0
    assert langgraph["median_tokens"] == 30  # 60 (two calls) and 30 (the failed one had none)
    langchain = frameworks["langchain"]
    assert langchain["units"] == 3
    assert langchain["median_cost_exact"] == "0.020000000"

    operations = {item["key"]: item for item in report["by_operation"]}
    assert {key: item["units"] for key, item in operations.items()} == {
        "chat": 1,
        "comparison": 1,
        "document_run": 1,
        "story_generation": 4,
    }
    assert operations["chat"]["mean_cost_exact"] == "0.700000000"
    assert operations["document_run"]["median_latency_ms"] == 400.0

    only_chat = (await client.get("/api/cost/performance", params={"operation": "chat"})).json()
    assert only_chat["frameworks"] == []
    assert only_chat["latency_ms"]["count"] == 1
    empty = (await client.get("/api/cost/performance", params={"start_date": "2030-01-01"})).json()
    assert empty["latency_ms"] == {"count": 0, "median": None, "p95": None}
    assert empty["by_operation"] == []
