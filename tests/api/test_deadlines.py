"""Time limits a user can rely on: a hung provider fails the request within the documented
deadline (all attempts included, a stream's wait for its first bytes too), and a stream that
goes quiet for longer than the idle limit ends with a 504 `error` event. Each attempt is in
the ledger as a timeout."""

from __future__ import annotations

import time

from tests.utils.app import SettingsFactory
from tests.utils.errors import assert_error_shape
from tests.utils.live import live_app, signed_in
from tests.utils.provider import ProviderControl
from tests.utils.sse import sse_events

BODY = {"primary_character": "Ada", "secondary_character": "Grace"}


async def test_a_hung_provider_fails_within_the_deadline(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    provider_control.faults(*[{"kind": "timeout", "seconds": 30}] * 5)
    settings = make_settings(
        provider_timeout_seconds=1.5,
        provider_deadline_seconds=2.5,
        provider_max_attempts=5,
    )
    with live_app(settings) as base:
        async with signed_in(base) as client:
            started = time.monotonic()
            response = await client.post("/api/langchain", json=BODY)
            elapsed = time.monotonic() - started
            rows = (await client.get("/api/cost/transactions")).json()["transactions"]
    assert_error_shape(response, 504, "PROVIDER_TIMEOUT")
    # 2.5 s of deadline; the rest is margin for a loaded machine, far from 5 attempts of 1.5 s.
    assert elapsed < 2.5 + 2.0, elapsed
    assert len(rows) >= 2  # a first attempt, then a retry cut short by the deadline
    assert {row["status"] for row in rows} == {"timeout"}
    assert len(provider_control.requests()) == len(rows)


async def test_a_stream_that_goes_quiet_ends_with_a_timeout_event(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    provider_control.configure(stream_chunk_delay_ms=5000, reply_words=5)
    settings = make_settings(provider_stream_idle_seconds=1.0, provider_max_attempts=1)
    with live_app(settings) as base:
        async with signed_in(base) as client:
            started = time.monotonic()
            async with client.stream("POST", "/api/langchain/stream", json=BODY) as response:
                events = [item async for item in sse_events(response)]
            elapsed = time.monotonic() - started
            rows = (await client.get("/api/cost/transactions")).json()["transactions"]
    name, payload = events[-1]
    assert name == "error"
    assert payload["status"] == 504
    assert payload["error"]["code"] == "PROVIDER_TIMEOUT"
    assert elapsed < 1.0 + 3.0, elapsed  # the idle limit, not the 5 s pause
    assert [row["status"] for row in rows] == ["timeout"]


async def test_a_hung_provider_fails_a_stream_within_the_deadline(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    provider_control.faults(*[{"kind": "timeout", "seconds": 30}] * 5)
    settings = make_settings(
        provider_deadline_seconds=2.0,
        provider_stream_idle_seconds=1.8,
        provider_max_attempts=5,
    )
    with live_app(settings) as base:
        async with signed_in(base) as client:
            started = time.monotonic()
            async with client.stream("POST", "/api/langchain/stream", json=BODY) as response:
                events = [item async for item in sse_events(response)]
            elapsed = time.monotonic() - started
    name, payload = events[-1]
    assert name == "error"
    assert payload["status"] == 504
    assert elapsed < 2.0 + 1.2, elapsed  # the deadline, not two idle limits
