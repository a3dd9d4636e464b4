"""A client that leaves a streamed document run at any moment leaves no row `in_flight`, one
row per provider request, and the cancelled run that is kept counts exactly the tokens and
cost of the ledger rows attached to it (it is saved after its unit closed every attempt)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.utils.app import PASSWORD, SettingsFactory
from tests.utils.live import live_app, signed_in
from tests.utils.provider import ProviderControl

LONG_TEXT = "\n\n".join(f"Section {i}. " + "The tide turns at the harbour. " * 20 for i in range(8))
RUN = {"system_prompt": "You summarise.", "user_prompt": "Summarise the document."}


@pytest.fixture
async def api(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(rate_limit_enabled=False, chat_context_tokens=600, chat_max_tokens=60)
    with live_app(settings) as base:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            registered = await client.post(
                "/api/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
            )
            client.headers["Authorization"] = f"Bearer {registered.json()['access_token']}"
            yield client


async def leave_after(client: httpx.AsyncClient, path: str, body: dict[str, Any], s: float) -> None:
    async def read() -> None:
        async with client.stream("POST", path, json=body) as response:
            async for _ in response.aiter_lines():
                pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(read(), s)


async def settled_rows(database_url: str) -> list[dict[str, Any]]:
    """The ledger as stored, once nothing is in flight (or after 3 s)."""
    engine = create_async_engine(database_url)
    rows: list[dict[str, Any]] = []
    try:
        for _ in range(30):
            async with engine.connect() as connection:
                result = await connection.execute(text("SELECT * FROM llm_calls ORDER BY id"))
                rows = [dict(row._mapping) for row in result]
            if not any(row["status"] == "in_flight" for row in rows):
                break
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()
    for row in rows:
        row["estimated_cost_usd"] = row["cost_usd"]
    return rows


@pytest.mark.parametrize("delay", [0.05, 0.15, 0.3, 0.6, 0.9])
@pytest.mark.parametrize("framework", ["langgraph", "langchain"])
async def test_leaving_a_map_reduce_run_leaves_nothing_in_flight(
    api: httpx.AsyncClient,
    provider_control: ProviderControl,
    database_url: str,
    framework: str,
    delay: float,
) -> None:
    provider_control.configure(latency_ms=150, stream_chunk_delay_ms=15, reply_words=15)
    uploaded = await api.post(
        "/api/context/upload", files={"file": ("long.txt", LONG_TEXT.encode())}
    )
    file_id = uploaded.json()["file_id"]
    body = {"file_id": file_id, "framework": framework, **RUN}
    await leave_after(api, "/api/context/execute/stream", body, delay)
    await asyncio.sleep(1.5)
    rows = await settled_rows(database_url)
    assert [row for row in rows if row["status"] == "in_flight"] == []
    assert len(rows) == len(provider_control.requests())
    executions = (await api.get("/api/context/executions")).json()["executions"]
    for execution in executions:
        own = [row for row in rows if row["context_execution_id"] == execution["execution_id"]]
        assert (
            sum(r["input_tokens"] + r["output_tokens"] for r in own) == execution["total_tokens"]
        ), (
            execution["total_tokens"],
            [(r["status"], r["step"], r["input_tokens"], r["output_tokens"]) for r in own],
        )


async def test_a_request_left_before_it_reached_the_provider_is_no_ledger_row(
    make_settings: SettingsFactory, provider_control: ProviderControl, database_url: str
) -> None:
    """With one connection to the provider, a second story waits for it; its client leaves
    while it waits. Its attempt never left, so the ledger holds only the first story's row."""
    provider_control.configure(latency_ms=100, stream_chunk_delay_ms=60, reply_words=20)
    settings = make_settings(rate_limit_enabled=False, provider_max_connections=1)
    body = {"primary_character": "Ada", "secondary_character": "Grace"}
    with live_app(settings) as base:
        async with signed_in(base) as client:
            first = asyncio.create_task(client.post("/api/langchain/stream", json=body))
            await asyncio.sleep(0.4)  # the first holds the only connection, streaming
            await leave_after(client, "/api/langchain/stream", body, 0.5)
            assert (await first).status_code == 200
            rows = await settled_rows(database_url)
    assert len(provider_control.requests()) == 1
    assert [row["status"] for row in rows] == ["ok"]
