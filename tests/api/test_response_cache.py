"""The response cache, through the real app, in each store (the database; Redis when
TEST_REDIS_URL is set): a request that asks is answered with an identical request's story at
$0 with a `cached` ledger row naming the original; nothing is cached unless asked (or the
server's default says so); each input, the user and the sampling settings change the key;
entries expire; deleting stories forgets them; streams and comparisons are answered too."""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any

import httpx
import pytest

from tests.utils.app import (
    OWNER_EMAIL,
    PASSWORD,
    AppClient,
    SettingsFactory,
    bearer,
    open_client,
    sign_up,
)
from tests.utils.errors import assert_error_shape
from tests.utils.provider import ProviderControl
from tests.utils.sse import stream_events
from tests.utils.stories import generate

REDIS_URL = os.environ.get("TEST_REDIS_URL")
STORES = ["database"] + (["redis"] if REDIS_URL else [])


def cache_settings(store: str, **values: Any) -> dict[str, Any]:
    values.update(rate_limit_enabled=False, rate_limit_key_prefix=f"c-{uuid.uuid4().hex[:8]}")
    if store == "redis":
        values["redis_url"] = REDIS_URL
    return values


async def cached_story(client: httpx.AsyncClient, framework: str = "langchain", **body: Any) -> Any:
    response = await generate(client, framework, **{"cache": True, **body})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("store", STORES)
async def test_a_repeated_request_is_answered_from_the_cache_at_no_cost(
    make_settings: SettingsFactory, provider_control: ProviderControl, store: str
) -> None:
    async with open_client(make_settings(**cache_settings(store))) as client:
        assert client.runtime.response_cache.store.backend == store
        first = await cached_story(client)
        assert first["cached"] is False
        assert first["cached_from_guid"] is None
        assert first["estimated_cost_usd"] > 0
        second = await cached_story(client)

        assert len(provider_control.requests()) == 1  # the second never reached the provider
        assert second["cached"] is True
        assert second["story"] == first["story"]
        assert second["id"] != first["id"]
        assert second["cached_from_guid"] == first["transaction_guid"]
        assert second["transaction_guid"] != first["transaction_guid"]
        assert (second["estimated_cost_usd"], second["total_tokens"]) == (0, 0)
        [row] = second["calls"]
        assert row["status"] == "cached"
        assert (row["cost_usd"], row["input_tokens"], row["output_tokens"]) == (0, 0, 0)
        assert row["cached_from_guid"] == first["transaction_guid"]

        # What the user reads on the Cost page: the row, and a summary that does not count it
        # as a provider request or a failure.
        page = (await client.get("/api/cost/transactions")).json()
        assert page["total"] == len(page["transactions"]) == 2
        [hit] = [
            row
            for row in page["transactions"]
            if row["transaction_guid"] == second["transaction_guid"]
        ]
        assert (hit["status"], hit["cost_exact"]) == ("cached", "0.000000000")
        assert hit["cached_from_guid"] == first["transaction_guid"]
        summary = (await client.get("/api/cost/usage")).json()["summary"]
        assert summary["total_requests"] == 1
        assert summary["cache_hits"] == 1
        assert summary["failed_requests"] == 0
        assert summary["total_cost_usd"] == pytest.approx(first["estimated_cost_usd"])
        # What a story costs to make: the hit made nothing, so it is not a $0 story.
        performance = (await client.get("/api/cost/performance")).json()
        [stories] = [u for u in performance["by_operation"] if u["key"] == "story_generation"]
        assert stories["units"] == 1
        assert stories["median_cost_usd"] == pytest.approx(first["estimated_cost_usd"])
        detail = (await client.get(f"/api/stories/{second['id']}")).json()
        assert detail["cached"] is True
        listed = (await client.get("/api/stories")).json()["stories"]
        assert [story["cached"] for story in listed] == [True, False]


async def test_nothing_is_cached_unless_asked_or_made_the_default(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    async with open_client(make_settings(**cache_settings("database"))) as client:
        for _ in range(2):
            response = await generate(client, "langchain")
            assert response.json()["cached"] is False
        assert (await cached_story(client))["cached"] is False  # asked, but nothing was kept
        assert len(provider_control.requests()) == 3
    settings = make_settings(**cache_settings("database", response_cache_default=True))
    async with open_client(settings, email="second@example.com") as client:
        assert (await generate(client, "langchain")).json()["cached"] is False
        assert (await generate(client, "langchain")).json()["cached"] is True
        refused = await generate(client, "langchain", cache=False)
        assert refused.json()["cached"] is False  # a request may still ask for a fresh story
    assert len(provider_control.requests()) == 5
    off = make_settings(**cache_settings("database", response_cache_ttl_seconds=0))
    async with open_client(off, email="third@example.com") as client:
        await cached_story(client)
        assert (await cached_story(client))["cached"] is False  # a TTL of 0: no cache at all
    assert len(provider_control.requests()) == 7


@pytest.mark.parametrize("store", STORES)
async def test_each_input_the_user_and_the_sampling_settings_change_the_key(
    make_settings: SettingsFactory, provider_control: ProviderControl, store: str
) -> None:
    settings = make_settings(**cache_settings(store))
    base = {"genre": "mystery", "length": "short"}
    async with open_client(settings) as client:
        await cached_story(client, **base)
        variants: list[tuple[str, dict[str, Any]]] = [
            ("semantic_kernel", base),
            ("langchain", {**base, "primary": "Alicia"}),
            ("langchain", {**base, "secondary": "Rob"}),
            ("langchain", {**base, "genre": "romance"}),
            ("langchain", {**base, "length": "long"}),
            ("langchain", {"length": "short"}),
        ]
        for framework, body in variants:
            assert (await cached_story(client, framework, **body))["cached"] is False, body
        assert (await cached_story(client, **base))["cached"] is True
        other = bearer(await sign_up(client, "other@example.com"))
        response = await generate(client, "langchain", headers=other, cache=True, **base)
        assert response.json()["cached"] is False  # never another user's story
    # The same user and store, a server with another temperature: another key.
    warmer = make_settings(
        **{
            **cache_settings(store, story_temperature=0.2),
            "rate_limit_key_prefix": settings.rate_limit_key_prefix,
        }
    )
    async with open_client(warmer, email=None) as client:
        signed = await client.post(
            "/api/auth/login", json={"email": OWNER_EMAIL, "password": PASSWORD}
        )
        client.headers.update(bearer(signed.json()["access_token"]))
        assert (await cached_story(client, **base))["cached"] is False
    assert len(provider_control.requests()) == 1 + len(variants) + 1 + 1


@pytest.mark.parametrize("store", STORES)
async def test_an_entry_expires_after_its_ttl(
    make_settings: SettingsFactory, provider_control: ProviderControl, store: str
) -> None:
    # Three seconds: a loaded machine still asks again well within it.
    settings = make_settings(**cache_settings(store, response_cache_ttl_seconds=3))
    async with open_client(settings) as client:
        first = await cached_story(client)
        assert (await cached_story(client))["cached_from_guid"] == first["transaction_guid"]
        await asyncio.sleep(3.2)  # the TTL is the thing under test: wall time, not a model
        fresh = await cached_story(client)
        assert fresh["cached"] is False
        again = await cached_story(client)
        assert again["cached_from_guid"] == fresh["transaction_guid"]
    assert len(provider_control.requests()) == 2


@pytest.mark.parametrize("store", STORES)
async def test_deleted_stories_are_not_served_again(
    make_settings: SettingsFactory, provider_control: ProviderControl, store: str
) -> None:
    async with open_client(make_settings(**cache_settings(store))) as client:
        await cached_story(client)
        assert (await client.delete("/api/stories")).status_code == 200
        assert (await cached_story(client))["cached"] is False
    assert len(provider_control.requests()) == 2


async def test_a_cache_flag_that_is_not_a_boolean_is_refused(client: AppClient) -> None:
    response = await generate(client, "langchain", cache="yes")
    error = assert_error_shape(response, 422, "VALIDATION_ERROR")
    assert any("cache" in str(detail) for detail in error["details"])


async def test_streams_and_comparisons_are_answered_from_the_cache(
    live_api: httpx.AsyncClient, provider_control: ProviderControl
) -> None:
    body = {"primary_character": "Ada", "secondary_character": "Grace", "cache": True}
    first = await stream_events(live_api, "/api/langchain/stream", body)
    sent = len(provider_control.requests())
    again = await stream_events(live_api, "/api/langchain/stream", body)
    assert len(provider_control.requests()) == sent
    [story] = [data["story"] for name, data in again if name == "done"]
    [original] = [data["story"] for name, data in first if name == "done"]
    assert [data["text"] for name, data in again if name == "token"] == [original["story"]]
    assert story["cached"] is True
    assert story["cached_from_guid"] == original["transaction_guid"]

    # A comparison's LangChain story is the same request as the stream above: a hit.
    compared = {**body, "judge": False}
    first_comparison = await stream_events(live_api, "/api/compare", compared)
    cached_methods = [
        data["story"]["method"]
        for name, data in first_comparison
        if name == "done" and data["story"]["cached"]
    ]
    assert cached_methods == ["langchain"]
    sent = len(provider_control.requests())
    events = await stream_events(live_api, "/api/compare", compared)
    assert len(provider_control.requests()) == sent
    stories = [data["story"] for name, data in events if name == "done"]
    assert sorted(s["method"] for s in stories) == ["langchain", "langgraph", "semantic_kernel"]
    assert all(s["cached"] and s["comparison_id"] for s in stories)
    assert len({s["comparison_id"] for s in stories}) == 1
    rows = (await live_api.get("/api/cost/transactions", params={"limit": 100})).json()
    cached = [r for r in rows["transactions"] if r["status"] == "cached"]
    assert sorted(r["type"] for r in cached) == ["comparison"] * 4 + ["story_generation"]
