"""Cost reports come from the ledger alone, so every total agrees with the rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from backend.models import LLMCall
from tests.utils.app import AppClient, bearer, sign_up
from tests.utils.errors import assert_error_shape
from tests.utils.provider import ProviderControl
from tests.utils.stories import generate


async def test_usage_totals_equal_the_ledger_rows(
    client: AppClient, provider_control: ProviderControl
) -> None:
    provider_control.faults({"kind": "500"})
    for framework in ("semantic_kernel", "langchain", "langgraph"):
        assert (await generate(client, framework)).status_code == 200

    transactions = (await client.get("/api/cost/transactions", params={"limit": 100})).json()
    rows = transactions["transactions"]
    assert transactions["total"] == len(rows) == 5  # 1 failed + 1 + 1 + 2 (LangGraph)
    usage = (await client.get("/api/cost/usage")).json()
    summary = usage["summary"]
    assert summary["total_requests"] == 5
    assert summary["failed_requests"] == 1
    assert summary["total_tokens"] == sum(r["total_tokens"] for r in rows)
    exact = sum((Decimal(str(r["estimated_cost_usd"])) for r in rows), Decimal(0))
    assert Decimal(summary["total_cost_exact"]) == exact.quantize(Decimal("1e-9"))
    assert usage["by_framework"]["langgraph"]["requests"] == 2
    assert sum(b["requests"] for b in usage["by_framework"].values()) == 5
    assert [day["date"] for day in usage["by_day"]] == [datetime.now(UTC).date().isoformat()]

    stories = (await client.get("/api/stories")).json()["stories"]
    story_cost = sum(Decimal(str(s["estimated_cost_usd"])) for s in stories)
    assert story_cost <= exact  # the failed attempt has no story but still counts as spend


async def test_usage_filters_by_framework_and_date(client: AppClient) -> None:
    await generate(client, "langchain")
    await generate(client, "langgraph")
    owner_id = (await client.get("/api/auth/me")).json()["id"]
    async with client.runtime.sessions() as session:
        old = LLMCall(
            user_id=owner_id,
            transaction_guid="00000000-0000-0000-0000-000000000001",
            operation="story_generation",
            framework="langchain",
            provider="p",
            model="m",
            attempt=1,
            status="ok",
            input_tokens=10,
            output_tokens=5,
            cost_usd=Decimal("0.000000123"),
            price_source="override",
            latency_ms=1.0,
            created_at=datetime.now(UTC) - timedelta(days=10),
        )
        session.add(old)
        await session.commit()

    langchain = (await client.get("/api/cost/usage", params={"framework": "langchain"})).json()
    assert langchain["summary"]["total_requests"] == 2
    assert list(langchain["by_framework"]) == ["langchain"]
    assert len(langchain["by_day"]) == 2

    today = date.today().isoformat()
    recent = (await client.get("/api/cost/usage", params={"start_date": today})).json()
    assert recent["summary"]["total_requests"] == 3
    ten_days_ago = (datetime.now(UTC) - timedelta(days=10)).date().isoformat()
    only_old = (
        await client.get(
            "/api/cost/usage", params={"start_date": ten_days_ago, "end_date": ten_days_ago}
        )
    ).json()
    assert only_old["summary"]["total_requests"] == 1
    assert only_old["summary"]["total_cost_exact"] == "0.000000123"


async def test_transactions_paginate_newest_first(client: AppClient) -> None:
    await generate(client, "langgraph")
    first = (await client.get("/api/cost/transactions", params={"limit": 1})).json()
    second = (await client.get("/api/cost/transactions", params={"limit": 1, "skip": 1})).json()
    assert first["total"] == second["total"] == 2
    assert first["transactions"][0]["step"] == "editor"
    assert second["transactions"][0]["step"] == "storyteller"


async def test_date_edges_are_answered_not_refused(client: AppClient) -> None:
    await generate(client, "langchain")
    inverted = {"start_date": "2026-02-01", "end_date": "2026-01-01"}
    empty = (await client.get("/api/cost/usage", params=inverted)).json()
    assert empty["summary"]["total_requests"] == 0
    assert empty["by_day"] == []
    everything = {"start_date": "0001-01-01", "end_date": "9999-12-31"}
    wide = await client.get("/api/cost/usage", params=everything)
    assert wide.status_code == 200
    assert wide.json()["summary"]["total_requests"] == 1


async def test_bad_cost_queries_get_clear_errors(client: AppClient) -> None:
    bad_date = await client.get("/api/cost/usage", params={"start_date": "yesterday"})
    assert_error_shape(bad_date, 422, "VALIDATION_ERROR")
    assert_error_shape(
        await client.get("/api/cost/transactions", params={"limit": 1000}),
        422,
        "VALIDATION_ERROR",
    )


def _exact_sum(slices: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(item["cost_exact"]) for item in slices), Decimal(0))


async def test_every_breakdown_sums_exactly_to_the_summary(
    client: AppClient, provider_control: ProviderControl
) -> None:
    provider_control.faults({"kind": "500"})
    for framework in ("semantic_kernel", "langchain", "langgraph"):
        assert (await generate(client, framework)).status_code == 200
    chat = await client.post("/api/chat/langchain", json={"message": "hello"})
    assert chat.status_code == 200

    usage = (await client.get("/api/cost/usage", params={"granularity": "hour"})).json()
    summary = usage["summary"]
    assert summary["total_requests"] == 6
    for name in ("by_framework", "by_model", "by_provider", "by_operation"):
        slices = list(usage[name].values())
        assert sum(item["requests"] for item in slices) == summary["total_requests"], name
        assert sum(item["tokens"] for item in slices) == summary["total_tokens"], name
        assert _exact_sum(slices) == Decimal(summary["total_cost_exact"]), name
    assert usage["by_operation"]["chat"]["requests"] == 1
    assert usage["by_operation"]["story_generation"]["requests"] == 5
    assert set(usage["by_provider"]) == {"test-provider"}
    assert _exact_sum(usage["by_hour"]) == Decimal(summary["total_cost_exact"])
    assert sum(item["requests"] for item in usage["by_hour"]) == 6
    assert usage["by_user"] is None  # one user's own report

    only_chat = (await client.get("/api/cost/usage", params={"operation": "chat"})).json()
    assert only_chat["summary"]["total_requests"] == 1
    assert only_chat["summary"]["total_cost_exact"] == usage["by_operation"]["chat"]["cost_exact"]
    listed = (await client.get("/api/cost/transactions", params={"operation": "chat"})).json()
    assert [row["type"] for row in listed["transactions"]] == ["chat"]
    bad = await client.get("/api/cost/usage", params={"operation": "mining"})
    assert_error_shape(bad, 422, "VALIDATION_ERROR")


async def test_an_administrator_sees_spend_by_user(
    client: AppClient, provider_control: ProviderControl
) -> None:
    await generate(client, "langchain")
    other = await sign_up(client, "second@example.com")
    await generate(client, "semantic_kernel", headers=bearer(other))
    await generate(client, "semantic_kernel", headers=bearer(other))
    usage = (await client.get("/api/cost/usage", params={"all_users": True})).json()
    by_user = {item["user_id"]: item for item in usage["by_user"]}
    assert sorted(item["requests"] for item in by_user.values()) == [1, 2]
    assert sorted(item["email"] for item in by_user.values()) == [
        "owner@example.com",
        "second@example.com",
    ]
    assert _exact_sum(list(by_user.values())) == Decimal(usage["summary"]["total_cost_exact"])
    refused = await client.get("/api/cost/usage", params={"all_users": True}, headers=bearer(other))
    assert_error_shape(refused, 403, "FORBIDDEN")


async def test_a_transaction_shows_every_attempt_under_its_guid(
    client: AppClient, provider_control: ProviderControl
) -> None:
    provider_control.faults({"kind": "500"})
    story = (await generate(client, "langchain")).json()
    guid = story["transaction_guid"]
    detail = (await client.get(f"/api/cost/transactions/{guid}")).json()
    assert [(call["attempt"], call["status"]) for call in detail["calls"]] == [
        (1, "http_500"),
        (2, "ok"),
    ]
    # The story is the sum of its rows, the failed attempt included: the same figures.
    assert detail["total_tokens"] == story["total_tokens"]
    assert detail["total_cost_usd"] == pytest.approx(story["estimated_cost_usd"], abs=1e-12)
    other = await sign_up(client, "second@example.com")
    hidden = await client.get(f"/api/cost/transactions/{guid}", headers=bearer(other))
    assert_error_shape(hidden, 404, "NOT_FOUND")
    assert_error_shape(
        await client.get("/api/cost/transactions/not-a-guid"), 422, "VALIDATION_ERROR"
    )


async def test_the_csv_export_equals_the_ledger_rows(
    client: AppClient, provider_control: ProviderControl
) -> None:
    provider_control.faults({"kind": "500"})
    await generate(client, "langgraph")
    await generate(client, "langchain")
    await client.post("/api/chat/semantic_kernel".replace("_", "-"), json={"message": "=1+1"})
    response = await client.get("/api/cost/export.csv", params={"framework": "langgraph"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    exported = list(csv.DictReader(io.StringIO(response.text)))
    async with client.runtime.sessions() as session:
        rows = (
            (
                await session.execute(
                    select(LLMCall).where(LLMCall.framework == "langgraph").order_by(LLMCall.id)
                )
            )
            .scalars()
            .all()
        )
    assert len(exported) == len(rows) == 3  # a failed attempt, then storyteller and editor
    for line, row in zip(exported, rows, strict=True):
        assert int(line["id"]) == row.id
        assert line["status"] == row.status
        assert Decimal(line["cost_usd"]) == row.cost_usd  # exact, to the nano-dollar
        assert int(line["input_tokens"]) == row.input_tokens
        assert int(line["output_tokens"]) == row.output_tokens
        assert line["transaction_guid"] == row.transaction_guid
        assert line["step"] == (row.step or "")
        assert datetime.fromisoformat(line["created_at"]) == row.created_at
    everything = await client.get("/api/cost/export.csv")
    assert len(list(csv.DictReader(io.StringIO(everything.text)))) == 5
    other = await sign_up(client, "second@example.com")
    theirs = await client.get("/api/cost/export.csv", headers=bearer(other))
    assert list(csv.DictReader(io.StringIO(theirs.text))) == []


async def test_the_csv_export_never_hands_a_spreadsheet_a_formula(client: AppClient) -> None:
    owner_id = (await client.get("/api/auth/me")).json()["id"]
    async with client.runtime.sessions() as session:
        session.add(
            LLMCall(
                user_id=owner_id,
                transaction_guid="00000000-0000-0000-0000-000000000002",
                operation="chat",
                framework="langchain",
                provider="p",
                model='=HYPERLINK("http://evil.example","x")',
                attempt=1,
                status="http_400",
                error_message="@SUM(1+1)",
                cost_usd=Decimal("0.000000001"),
                price_source="unknown",
                latency_ms=1.0,
            )
        )
        await session.commit()
    (line,) = list(csv.DictReader(io.StringIO((await client.get("/api/cost/export.csv")).text)))
    assert line["model"] == '\'=HYPERLINK("http://evil.example","x")'
    assert line["error_message"] == "'@SUM(1+1)"
    assert line["cost_usd"] == "0.000000001"


async def test_the_ledger_pages_by_cursor_without_gaps_or_repeats(
    client: AppClient, provider_control: ProviderControl
) -> None:
    provider_control.faults({"kind": "500"}, {"kind": "500"})
    for framework in ("langgraph", "langchain", "langgraph", "semantic_kernel"):
        await generate(client, framework)
    everything = (await client.get("/api/cost/transactions", params={"limit": 100})).json()
    assert everything["next_cursor"] is None
    seen: list[int] = []
    cursor = None
    for _ in range(20):
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/cost/transactions", params=params)).json()
        seen += [row["id"] for row in page["transactions"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [row["id"] for row in everything["transactions"]]  # same order, every row
    assert len(seen) == everything["total"] == 8
    bad = await client.get("/api/cost/transactions", params={"cursor": "yesterday"})
    assert_error_shape(bad, 422, "VALIDATION_ERROR")


async def test_a_signed_export_link_streams_the_csv_without_a_header_for_a_minute(
    client: AppClient, provider_control: ProviderControl
) -> None:
    await generate(client, "langgraph")
    await generate(client, "langchain")
    filters = {"framework": "langgraph"}
    made = await client.post("/api/cost/export-link", params=filters)
    assert made.status_code == 200, made.text
    link = made.json()
    assert link["url"].startswith("/api/cost/exports/")
    expires = datetime.fromisoformat(link["expires_at"])
    assert timedelta(seconds=50) < expires - datetime.now(UTC) <= timedelta(seconds=60)

    authorization = client.headers["Authorization"]
    del client.headers["Authorization"]
    try:
        downloaded = await client.get(link["url"])
        assert downloaded.status_code == 200, downloaded.text
        assert "attachment" in downloaded.headers["content-disposition"]
        assert_error_shape(await client.get(link["url"] + "x"), 401, "UNAUTHORIZED")
        access_token = authorization.removeprefix("Bearer ")
        misused = await client.get(f"/api/cost/exports/{access_token}")
        assert_error_shape(misused, 401, "UNAUTHORIZED")  # an access token is not a link
    finally:
        client.headers["Authorization"] = authorization
    direct = await client.get("/api/cost/export.csv", params=filters)
    assert downloaded.text == direct.text
    assert len(list(csv.DictReader(io.StringIO(downloaded.text)))) == 2

    other = await sign_up(client, "second@example.com")
    refused = await client.post(
        "/api/cost/export-link", params={"all_users": True}, headers=bearer(other)
    )
    assert_error_shape(refused, 403, "FORBIDDEN")
    theirs = await client.post("/api/cost/export-link", headers=bearer(other))
    mine_hidden = await client.get(theirs.json()["url"], headers={"Authorization": ""})
    assert list(csv.DictReader(io.StringIO(mine_hidden.text))) == []
