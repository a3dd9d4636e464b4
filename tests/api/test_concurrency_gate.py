"""With PROVIDER_MAX_CONCURRENCY=1 (the embedded model's setting) streamed calls reach the
model one at a time: a stream keeps its place until it has been read to the end, so each
row's latency is the model's own time, not time spent queued inside the model server."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.utils.app import PASSWORD, SettingsFactory
from tests.utils.live import live_app
from tests.utils.provider import ProviderControl
from tests.utils.sse import sse_events

BODY = {"primary_character": "Ada", "secondary_character": "Grace"}


async def test_one_at_a_time_holds_for_streamed_calls(
    make_settings: SettingsFactory, provider_control: ProviderControl, database_url: str
) -> None:
    provider_control.configure(stream_chunk_delay_ms=40, reply_words=10)
    settings = make_settings(provider_max_concurrency=1, rate_limit_enabled=False)
    with live_app(settings) as base:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            registered = await client.post(
                "/api/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
            )
            client.headers["Authorization"] = f"Bearer {registered.json()['access_token']}"
            async with client.stream("POST", "/api/compare", json=BODY) as response:
                events = [name async for name, _ in sse_events(response)]
    assert events.count("done") == 3, events
    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        rows = (
            await connection.execute(text("SELECT created_at, latency_ms FROM llm_calls"))
        ).all()
    await engine.dispose()
    spans = sorted(
        (_when(start), _when(start) + timedelta(milliseconds=latency)) for start, latency in rows
    )
    assert len(spans) == 6  # SK, LangChain, LangGraph's two nodes, and the judge asked twice
    overlaps = [(a, b) for a, b in itertools.pairwise(spans) if b[0] < a[1]]
    assert overlaps == [], overlaps


def _when(value: object) -> datetime:
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when.replace(tzinfo=None)
