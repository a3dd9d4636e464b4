"""Back-pressure and pool exhaustion: past MAX_IN_FLIGHT_GENERATIONS a generation is refused at
once with a 503 and Retry-After in the error shape (streams hold their place until their last
event, and give it back when the client leaves); a database pool with no connection free in
time is a 503 too, never a 500. Nothing is stuck afterwards."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from backend.core.loop_lag import LoopLag
from backend.runtime import Runtime
from backend.services.admission import GenerationGate, OverloadedError
from tests.utils.app import AppClient, SettingsFactory, open_client
from tests.utils.live import live_app, running_apps, signed_in
from tests.utils.provider import ProviderControl
from tests.utils.sse import sse_events

STORY = {"primary_character": "Ada", "secondary_character": "Grace"}


def assert_overloaded(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    error = response.json()["error"]
    assert error["code"] == "OVERLOADED"
    assert error["details"] == [{"limit": limit, "retry_after_seconds": 1}]
    assert error["request_id"] == response.headers["x-request-id"]


async def wait_for(condition: object, what: str) -> None:
    for _ in range(500):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def gated(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> AsyncIterator[AppClient]:
    settings = make_settings(max_in_flight_generations=2, rate_limit_enabled=False)
    async with open_client(settings) as opened:
        yield opened


async def test_past_the_bound_generations_are_refused_at_once_and_nothing_sticks(
    gated: AppClient, provider_control: ProviderControl
) -> None:
    provider_control.configure(latency_ms=1500)
    held = [
        asyncio.create_task(gated.post(path, json=STORY))
        for path in ("/api/langchain", "/api/semantic-kernel")
    ]
    await wait_for(lambda: gated.runtime.gate.in_flight == 2, "two generations in flight")
    await wait_for(lambda: len(provider_control.requests()) == 2, "the provider to hold both")

    # every kind of generation is refused while both places are taken; none reaches the model
    refusals = [
        await gated.post("/api/langgraph", json=STORY),
        await gated.post("/api/compare", json=STORY),
        await gated.post("/api/chat/langchain", json={"message": "Hello"}),
        await gated.post(
            "/api/context/execute",
            json={
                "file_id": "ctx_" + "0" * 16,
                "system_prompt": "s",
                "user_prompt": "u",
                "framework": "langchain",
            },
        ),
    ]
    for refused in refusals:
        assert_overloaded(refused, limit=2)
    assert len(provider_control.requests()) == 2
    # what is not a generation is still served
    assert (await gated.get("/api/stories")).status_code == 200

    for finished in await asyncio.gather(*held):
        assert finished.status_code == 200, finished.text
    assert gated.runtime.gate.in_flight == 0
    provider_control.configure(latency_ms=0)
    assert (await gated.post("/api/langgraph", json=STORY)).status_code == 200
    assert gated.runtime.gate.in_flight == 0


async def test_a_stream_holds_its_place_until_its_end_or_until_its_client_leaves(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    provider_control.configure(stream_chunk_delay_ms=50, reply_words=40)
    settings = make_settings(max_in_flight_generations=1, rate_limit_enabled=False)
    with live_app(settings) as base:
        runtime: Runtime = running_apps[base].state.runtime
        async with signed_in(base) as client:
            # a stream read to its end keeps its place the whole time, and gives it back
            async with client.stream("POST", "/api/langchain/stream", json=STORY) as stream:
                assert stream.status_code == 200
                names = []
                async for name, _ in sse_events(stream):
                    names.append(name)
                    if name == "token" and names.count("token") == 1:
                        assert_overloaded(await client.post("/api/langgraph", json=STORY), limit=1)
                        refused = await client.post(
                            "/api/chat/langchain/stream", json={"message": "Hi"}
                        )
                        assert_overloaded(refused, limit=1)
                assert names[-1] == "done"
            await wait_for(lambda: runtime.gate.in_flight == 0, "the finished stream's place")

            # a client that leaves mid-stream gives its place back
            async with client.stream("POST", "/api/langgraph/stream", json=STORY) as stream:
                async for name, _ in sse_events(stream):
                    if name == "token":
                        break
            await wait_for(lambda: runtime.gate.in_flight == 0, "the abandoned stream's place")
            assert (await client.post("/api/semantic-kernel", json=STORY)).status_code == 200


async def test_a_pool_with_no_connection_free_in_time_is_a_503(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    settings = make_settings(
        database_pool_size=1, database_max_overflow=0, database_pool_timeout_seconds=0.2
    )
    async with open_client(settings) as client:
        engine = client.runtime.engine
        async with engine.connect():  # the pool's only connection, held elsewhere
            response = await client.get("/api/stories")
            assert response.status_code == 503, response.text
            assert response.headers["retry-after"] == "1"
            error = response.json()["error"]
            assert error["code"] == "DATABASE_BUSY"
            assert error["request_id"] == response.headers["x-request-id"]
        assert (await client.get("/api/stories")).status_code == 200


async def test_a_pool_exhausted_while_the_model_works_is_a_503_not_the_providers_fault(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    """The connection the ledger needs after the provider answered is taken: the answer says
    the server was busy (503 DATABASE_BUSY), not that the provider failed (502)."""
    provider_control.configure(latency_ms=800)
    settings = make_settings(
        database_pool_size=1,
        database_max_overflow=0,
        database_pool_timeout_seconds=0.2,
        rate_limit_enabled=False,
    )
    async with open_client(settings) as client:
        story = asyncio.create_task(client.post("/api/langchain", json=STORY))
        await wait_for(lambda: len(provider_control.requests()) == 1, "the provider to hold it")
        async with client.runtime.engine.connect():  # taken while the model works
            response = await story
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "DATABASE_BUSY"
        assert response.headers["retry-after"] == "1"


async def stall_the_loop_twice(lag: LoopLag, seconds: float) -> None:
    """A sustained delay, made deterministically: the loop is blocked, the monitor wakes late
    and notes it, and the loop is blocked again, so it is behind now and was behind before."""
    await asyncio.sleep(0.05)  # the monitor is running
    time.sleep(seconds)  # noqa: ASYNC251 (blocking the event loop is the point)
    for _ in range(100):
        if lag.last_lateness_seconds >= seconds * 0.8:
            break
        await asyncio.sleep(0)
    assert lag.last_lateness_seconds >= seconds * 0.8
    time.sleep(seconds)  # noqa: ASYNC251


async def test_while_the_event_loop_is_behind_generations_are_refused_at_once(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    settings = make_settings(max_loop_lag_ms=100, rate_limit_enabled=False)
    provider_control.configure(latency_ms=1500)
    async with open_client(settings) as client:
        gate = client.runtime.gate
        running = asyncio.create_task(client.post("/api/semantic-kernel", json=STORY))
        await wait_for(lambda: len(provider_control.requests()) == 1, "a generation running")
        await stall_the_loop_twice(client.runtime.loop_lag, 0.3)
        # the request runs in this same step of the loop: nothing lets the monitor catch up
        refused = await client.post("/api/langchain", json=STORY)
        assert refused.status_code == 503, refused.text
        assert refused.headers["retry-after"] == "1"
        error = refused.json()["error"]
        assert error["code"] == "OVERLOADED"
        (detail,) = error["details"]
        assert detail["max_loop_lag_ms"] == 100
        assert detail["loop_lag_ms"] >= 200
        assert len(provider_control.requests()) == 1  # refused before any provider call
        assert gate.in_flight == 1  # only the running one
        assert (await running).status_code == 200
        # the loop catches up: the next generation is served
        provider_control.configure(latency_ms=0)
        await asyncio.sleep(0.2)
        served = await client.post("/api/langchain", json=STORY)
        assert served.status_code == 200, served.text


async def test_a_lone_generation_is_not_refused_for_a_delay_it_did_not_cause(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    """Nothing of ours is running: the delay comes from another program on the machine, and
    refusing the one request would relieve nothing."""
    settings = make_settings(max_loop_lag_ms=100, rate_limit_enabled=False)
    async with open_client(settings) as client:
        await stall_the_loop_twice(client.runtime.loop_lag, 0.3)
        assert client.runtime.loop_lag.seconds() >= 0.2
        served = await client.post("/api/langchain", json=STORY)
        assert served.status_code == 200, served.text
        assert len(provider_control.requests()) == 1


async def test_a_single_stall_refuses_nothing_and_the_bound_can_be_turned_off() -> None:
    lag = LoopLag()
    lag.start()
    try:
        gate = GenerationGate(10, loop_lag=lag, max_loop_lag_seconds=0.1)
        await asyncio.sleep(0.1)
        time.sleep(0.3)  # noqa: ASYNC251 (one stall: behind now, not before)
        assert lag.seconds() < 0.1
        async with gate.slot(), gate.slot():
            assert gate.in_flight == 2
        async with gate.slot():  # one generation running: the bound applies to the next
            await stall_the_loop_twice(lag, 0.3)
            assert lag.seconds() >= 0.2
            with pytest.raises(OverloadedError):
                async with gate.slot():
                    pass
            assert gate.in_flight == 1
        assert gate.in_flight == 0
        assert gate.refused == 1
        unbounded = GenerationGate(10, loop_lag=lag, max_loop_lag_seconds=None)
        async with unbounded.slot(), unbounded.slot():  # MAX_LOOP_LAG_MS=0: in-flight bound only
            assert unbounded.in_flight == 2
    finally:
        await lag.stop()


async def test_requests_waiting_on_the_provider_leave_room_under_the_working_bound(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    """MAX_WORKING_GENERATIONS=1: a story whose provider call is under way is not working,
    so a second one starts; both are served and every count goes back to zero."""
    provider_control.configure(latency_ms=800)
    settings = make_settings(max_working_generations=1, rate_limit_enabled=False)
    async with open_client(settings) as client:
        gate = client.runtime.gate
        first = asyncio.create_task(client.post("/api/langchain", json=STORY))
        await wait_for(lambda: len(provider_control.requests()) == 1, "the provider to hold it")
        assert gate.in_flight == 1
        assert gate.working == 0
        second = await client.post("/api/semantic-kernel", json=STORY)
        assert second.status_code == 200, second.text
        assert (await first).status_code == 200
        assert gate.working == 0
        assert gate.in_flight == 0


async def test_time_spent_honouring_a_providers_retry_after_is_not_a_backlog(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    """Four stories each wait 1.5 s on a 429's Retry-After (more than a quarter of
    MAX_WAIT_BEFORE_PROVIDER_MS): that was the provider's time, not a queue in the platform,
    so the stories sent right after them are all admitted."""
    settings = make_settings(
        rate_limit_enabled=False,
        provider_retry_after_max_seconds=5,
        max_wait_before_provider_ms=5000,
    )
    async with open_client(settings) as client:
        provider_control.faults(*[{"kind": "429", "retry_after": 1.5}] * 4)
        first = await asyncio.gather(*(client.post("/api/langchain", json=STORY) for _ in range(4)))
        assert [response.status_code for response in first] == [200] * 4
        after = await asyncio.gather(*(client.post("/api/langchain", json=STORY) for _ in range(5)))
        assert [response.status_code for response in after] == [200] * 5, after[-1].text
        assert client.runtime.gate.refused == 0
        assert len(provider_control.requests()) == 13  # four retried, nothing refused
