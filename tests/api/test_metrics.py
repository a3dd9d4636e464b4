"""Prometheus metrics at /metrics: off by default (a 404), never without the scraper's token
(a 401 that shows nothing), and after real traffic the provider counters equal the ledger's
rows: calls by framework and status, retries, tokens and cost; HTTP requests by route template
and status; streams in flight while one is open."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from backend.core.errors import ConfigurationError
from backend.from_settings import preflight
from tests.utils.app import AppClient, SettingsFactory, open_client
from tests.utils.errors import assert_error_shape
from tests.utils.live import live_app, signed_in
from tests.utils.provider import ProviderControl
from tests.utils.sse import sse_events
from tests.utils.stories import generate

TOKEN = "scrape-token-0123456789"
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}
STORY = {"primary_character": "Ada", "secondary_character": "Grace"}


def samples(exposition: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = defaultdict(list)
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            found[sample.name].append((sample.labels, sample.value))
    return found


def total(found: dict[str, list[tuple[dict[str, str], float]]], name: str, **match: str) -> float:
    return sum(
        value
        for labels, value in found.get(name, [])
        if all(labels.get(key) == wanted for key, wanted in match.items())
    )


@pytest.fixture
async def metered(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> AsyncIterator[AppClient]:
    settings = make_settings(metrics_enabled=True, metrics_token=TOKEN, rate_limit_enabled=False)
    async with open_client(settings, email="metered@example.com") as client:
        yield client


async def test_metrics_are_off_by_default_and_need_a_token_when_on(
    client: AppClient, metered: AppClient
) -> None:
    assert_error_shape(await client.get("/metrics", headers=SCRAPER), 404, "NOT_FOUND")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        refused = await metered.get("/metrics", headers=headers)
        assert_error_shape(refused, 401, "UNAUTHORIZED")
        assert "fastapillm_" not in refused.text
    served = await metered.get("/metrics", headers=SCRAPER)
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/plain")
    assert "/metrics" not in (await metered.get("/openapi.json")).json()["paths"]


def test_metrics_without_a_token_stop_start_up(make_settings: SettingsFactory) -> None:
    with pytest.raises(ConfigurationError, match="METRICS_TOKEN"):
        preflight(make_settings(metrics_enabled=True))


async def ledger_rows(client: AppClient) -> list[Any]:
    async with client.runtime.sessions() as session:
        rows = await session.execute(
            text(
                "SELECT framework, status, attempt, input_tokens, output_tokens, cost_usd "
                "FROM llm_calls"
            )
        )
        return list(rows.all())


async def test_provider_counters_equal_the_ledger_after_real_traffic(
    metered: AppClient, provider_control: ProviderControl
) -> None:
    for framework in ("semantic_kernel", "langchain", "langgraph"):
        assert (await generate(metered, framework)).status_code == 200
    provider_control.faults({"kind": "500"})  # one retry, then the answer
    assert (await generate(metered, "langchain")).status_code == 200
    provider_control.faults(*[{"kind": "502"}] * 3)  # every attempt fails
    assert (await generate(metered, "semantic_kernel")).status_code == 503
    assert (await metered.get("/api/stories/424242")).status_code == 404

    found = samples((await metered.get("/metrics", headers=SCRAPER)).text)
    rows = await ledger_rows(metered)
    assert len(rows) == 3 + 2 + 1 + 3  # langgraph makes two calls; retries are rows too
    by_outcome: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        by_outcome[(row.framework, row.status)] += 1
    counted = {
        (labels["framework"], labels["status"]): int(value)
        for labels, value in found["fastapillm_provider_calls_total"]
    }
    assert counted == dict(by_outcome)
    assert total(found, "fastapillm_provider_retries_total") == sum(r.attempt > 1 for r in rows)
    assert total(found, "fastapillm_provider_tokens_total", kind="input") == sum(
        r.input_tokens for r in rows
    )
    assert total(found, "fastapillm_provider_tokens_total", kind="output") == sum(
        r.output_tokens for r in rows
    )
    ledger_usd = sum(int(r.cost_usd) for r in rows) / 1e9
    assert ledger_usd > 0
    assert total(found, "fastapillm_provider_cost_usd_total") == pytest.approx(ledger_usd, abs=1e-9)

    requests = "fastapillm_http_requests_total"
    assert total(found, requests, route="/api/langchain", status="200") == 2
    assert total(found, requests, route="/api/semantic-kernel", status="503") == 1
    assert total(found, requests, route="/api/stories/{story_id}", status="404") == 1
    assert not [labels for labels, _ in found[requests] if "424242" in labels["route"]]
    assert total(found, "fastapillm_db_pool_checked_out") == 0
    assert total(found, "fastapillm_generations_in_flight") == 0


async def test_streams_in_flight_while_one_is_open(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    provider_control.configure(stream_chunk_delay_ms=30, reply_words=30)
    settings = make_settings(metrics_enabled=True, metrics_token=TOKEN, rate_limit_enabled=False)
    with live_app(settings) as base:
        async with signed_in(base) as client, httpx.AsyncClient(base_url=base) as scraper:

            async def gauge(name: str) -> float:
                exposition = (await scraper.get("/metrics", headers=SCRAPER)).text
                return total(samples(exposition), name)

            async with client.stream("POST", "/api/langchain/stream", json=STORY) as stream:
                async for name, _ in sse_events(stream):
                    if name == "token":
                        assert await gauge("fastapillm_streams_in_flight") == 1
                        assert await gauge("fastapillm_generations_in_flight") == 1
                        break
            for _ in range(200):
                if await gauge("fastapillm_streams_in_flight") == 0:
                    break
                await asyncio.sleep(0.02)
            assert await gauge("fastapillm_streams_in_flight") == 0
            streamed = samples((await scraper.get("/metrics", headers=SCRAPER)).text)
            assert (
                total(streamed, "fastapillm_http_requests_total", route="/api/langchain/stream")
                == 1
            )


async def test_metrics_off_are_a_404_even_beside_the_web_app(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    """The web app answers unknown paths with its page; /metrics is not one of them."""
    settings = make_settings(serve_frontend=True)
    async with open_client(settings, email=None) as client:
        assert (await client.get("/some/page")).status_code == 200  # the web app's index
        assert_error_shape(await client.get("/metrics", headers=SCRAPER), 404, "NOT_FOUND")


async def test_unmatched_paths_share_one_label(metered: AppClient) -> None:
    for path in ("/api/no-such-thing", "/api/nor-this/42"):
        assert (await metered.get(path)).status_code == 404
    found = samples((await metered.get("/metrics", headers=SCRAPER)).text)
    routes = {labels["route"] for labels, _ in found["fastapillm_http_requests_total"]}
    assert "unmatched" in routes
    assert not [route for route in routes if "no-such-thing" in route or "nor-this" in route]
    assert total(found, "fastapillm_http_requests_total", route="unmatched", status="404") == 2
