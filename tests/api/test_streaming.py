"""Streaming over real HTTP: event order, final usage equal to the ledger, the comparison of
all three frameworks, errors as events, and a client disconnect cancelling the provider call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.utils.app import PASSWORD, SettingsFactory
from tests.utils.live import live_app
from tests.utils.provider import ProviderControl
from tests.utils.sse import sse_events
from tests.utils.stories import FRAMEWORK_PATHS

BODY = {"primary_character": "Ada", "secondary_character": "Grace"}
Events = list[tuple[str, dict[str, Any]]]


@pytest.fixture
async def api(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> AsyncIterator[httpx.AsyncClient]:
    with live_app(make_settings()) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            registered = await client.post(
                "/api/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
            )
            client.headers["Authorization"] = f"Bearer {registered.json()['access_token']}"
            yield client


async def collect(client: httpx.AsyncClient, path: str) -> tuple[httpx.Response, Events]:
    async with client.stream("POST", path, json=BODY) as response:
        events = [event async for event in sse_events(response)]
    return response, events


@pytest.mark.parametrize("framework", list(FRAMEWORK_PATHS))
async def test_a_story_streams_token_by_token_then_its_record(
    api: httpx.AsyncClient, framework: str
) -> None:
    response, events = await collect(api, f"{FRAMEWORK_PATHS[framework]}/stream")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-accel-buffering"] == "no"
    names = [name for name, _ in events]
    assert names[0] == "start"
    assert names[-1] == "done"
    assert names.count("token") > 5
    assert events[0][1]["transaction_guid"] == response.headers["x-transaction-guid"]

    story = events[-1][1]["story"]
    streamed = "".join(data["text"] for name, data in events if name == "token")
    assert streamed == story["story"]
    steps = [data["step"] for name, data in events if name == "step"]
    assert steps == (["storyteller", "editor"] if framework == "langgraph" else [])
    # Usage came from the provider's final chunk, so nothing is an estimate.
    assert all(call["tokens_estimated"] is False for call in story["calls"])
    ledger = (await api.get("/api/cost/transactions")).json()["transactions"]
    assert sum(row["total_tokens"] for row in ledger) == story["total_tokens"]
    assert sum(row["estimated_cost_usd"] for row in ledger) == pytest.approx(
        story["estimated_cost_usd"]
    )


async def test_streamed_and_plain_calls_cost_the_same(api: httpx.AsyncClient) -> None:
    plain = (await api.post("/api/langchain", json=BODY)).json()
    _, events = await collect(api, "/api/langchain/stream")
    streamed = events[-1][1]["story"]
    assert streamed["input_tokens"] == plain["input_tokens"]
    assert streamed["output_tokens"] == plain["output_tokens"]
    assert streamed["estimated_cost_usd"] == plain["estimated_cost_usd"]


async def test_compare_streams_all_three_side_by_side(api: httpx.AsyncClient) -> None:
    response, events = await collect(api, "/api/compare")
    assert response.status_code == 200
    assert events[0][0] == "start"
    assert events[-1][0] == "end"
    comparison_id = events[0][1]["comparison_id"]
    done = {data["framework"]: data["story"] for name, data in events if name == "done"}
    assert set(done) == set(FRAMEWORK_PATHS)
    for framework, story in done.items():
        tokens = [d["text"] for n, d in events if n == "token" and d["framework"] == framework]
        assert "".join(tokens) == story["story"]
        assert story["comparison_id"] == comparison_id
    stories = (await api.get("/api/stories")).json()["stories"]
    assert {story["comparison_id"] for story in stories} == {comparison_id}


async def test_failures_arrive_as_error_events_in_the_standard_shape(
    api: httpx.AsyncClient, provider_control: ProviderControl
) -> None:
    provider_control.faults({"kind": "500"}, {"kind": "500"}, {"kind": "500"})
    response, events = await collect(api, "/api/langchain/stream")
    assert response.status_code == 200
    assert [name for name, _ in events] == ["start", "error"]
    payload = events[-1][1]
    assert payload["status"] == 502
    assert set(payload["error"]) == {
        "type",
        "message",
        "code",
        "details",
        "request_id",
        "timestamp",
    }
    assert payload["error"]["code"] == "PROVIDER_ERROR"
    assert (await api.get("/api/stories")).json()["total"] == 0
    ledger = (await api.get("/api/cost/transactions")).json()["transactions"]
    assert [row["status"] for row in ledger] == ["http_500"] * 3


async def test_a_client_disconnect_cancels_the_provider_call(
    api: httpx.AsyncClient, provider_control: ProviderControl
) -> None:
    provider_control.configure(stream_chunk_delay_ms=50)
    async with api.stream("POST", "/api/langchain/stream", json=BODY) as response:
        async for name, _ in sse_events(response):
            if name == "token":
                break  # leave after the first token: the response closes here
    streams: dict[str, int] = {}
    for _ in range(100):
        streams = provider_control.streams()
        if streams["abandoned"] == 1:
            break
        await asyncio.sleep(0.05)
    assert streams == {"started": 1, "abandoned": 1}
    for _ in range(40):  # well inside the general rate limit
        ledger = (await api.get("/api/cost/transactions")).json()["transactions"]
        if ledger and ledger[0]["status"] != "in_flight":
            break
        await asyncio.sleep(0.1)
    assert [row["status"] for row in ledger] == ["cancelled"]
    # What streamed before the client left is counted (estimated), not recorded as nothing.
    for _ in range(40):
        ledger = (await api.get("/api/cost/transactions")).json()["transactions"]
        if ledger[0]["output_tokens"] > 0:
            break
        await asyncio.sleep(0.1)
    assert ledger[0]["output_tokens"] > 0
    assert ledger[0]["tokens_estimated"] is True
    assert ledger[0]["story_id"] is None
    assert (await api.get("/api/stories")).json()["total"] == 0


async def test_streaming_needs_a_signed_in_caller(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/compare", json=BODY, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_a_stream_without_usage_is_estimated_from_both_sides(
    api: httpx.AsyncClient, provider_control: ProviderControl
) -> None:
    """Some servers (llama.cpp's) send no usage when streaming: both directions are counted,
    and the row says it is an estimate."""
    provider_control.configure(omit_usage=True)
    _, events = await collect(api, "/api/langchain/stream")
    (call,) = events[-1][1]["story"]["calls"]
    assert call["tokens_estimated"] is True
    assert call["input_tokens"] > 0
    assert call["output_tokens"] > 0


async def test_slow_streams_carry_heartbeats_for_proxies(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    provider_control.configure(stream_chunk_delay_ms=40, reply_words=15)
    with live_app(make_settings(sse_ping_seconds=0.1)) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            registered = await client.post(
                "/api/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
            )
            client.headers["Authorization"] = f"Bearer {registered.json()['access_token']}"
            async with client.stream("POST", "/api/langchain/stream", json=BODY) as response:
                lines = [line async for line in response.aiter_lines()]
    pings = [line for line in lines if line.startswith(":")]
    assert len(pings) >= 2, lines[:10]
    assert any(line.startswith("event: done") for line in lines)
