"""PROVIDER_DEADLINE_SECONDS bounds one provider call with all its retries, streamed ones
too: an attempt never waits for the provider's first bytes past the deadline, whatever the
idle limit."""

from __future__ import annotations

import time

import httpx

from tests.conftest import PASSWORD, ProviderControl, SettingsFactory
from tests.live import live_app, sse_events

BODY = {"primary_character": "Ada", "secondary_character": "Grace"}


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
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            registered = await client.post(
                "/api/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
            )
            client.headers["Authorization"] = f"Bearer {registered.json()['access_token']}"
            started = time.monotonic()
            async with client.stream("POST", "/api/langchain/stream", json=BODY) as response:
                events = [item async for item in sse_events(response)]
            elapsed = time.monotonic() - started
    name, payload = events[-1]
    assert name == "error"
    assert payload["status"] == 504
    assert elapsed < 2.0 + 1.2, elapsed  # the deadline, not two idle limits
