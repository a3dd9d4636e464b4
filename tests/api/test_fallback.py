"""Provider fallback and circuit breaking against two real test providers: when the primary's
retries end on a failure (each kind), the fallback serves, rewritten for it (its model), and
every attempt on either provider is one ledger row naming it; the primary's circuit opens
after the threshold and stops calls to it, a probe after the open time closes it; a stream
falls back before its first token; with 30% random faults on the primary every request
succeeds and the ledger has one row per provider request."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import text

from backend.core.config import Settings
from backend.core.errors import ConfigurationError
from backend.from_settings import preflight
from backend.testprovider import RunningProvider, start_provider
from tests.utils.app import AppClient, SettingsFactory, open_client
from tests.utils.provider import TEST_MODEL, ProviderControl
from tests.utils.stories import generate

FALLBACK_MODEL = "gpt-4o"
STORY = {"primary_character": "Ada", "secondary_character": "Grace"}


@pytest.fixture(scope="module")
def second_provider() -> Iterator[RunningProvider]:
    started = start_provider()
    yield started
    started.stop()


@pytest.fixture
def backup(second_provider: RunningProvider) -> Iterator[ProviderControl]:
    control = ProviderControl(second_provider)
    control.reset()
    yield control
    control.reset()
    control.close()


def with_fallback(
    make_settings: SettingsFactory, backup: ProviderControl, **extra: Any
) -> Settings:
    values: dict[str, Any] = {
        "provider_fallbacks": [
            {
                "base_url": backup.provider.base_url,
                "model": FALLBACK_MODEL,
                "name": "backup",
                "api_key": "sk-backup-secret",
            }
        ],
        "rate_limit_enabled": False,
        **extra,
    }
    return make_settings(**values)


@pytest.fixture
async def client(
    make_settings: SettingsFactory, provider_control: ProviderControl, backup: ProviderControl
) -> AsyncIterator[AppClient]:
    settings = with_fallback(make_settings, backup, provider_circuit_failures=100)
    async with open_client(settings) as opened:
        yield opened


async def rows(client: AppClient) -> list[Any]:
    async with client.runtime.sessions() as session:
        result = await session.execute(
            text("SELECT provider, model, status, attempt FROM llm_calls ORDER BY id")
        )
        return list(result.all())


@pytest.mark.parametrize("kind", ["429", "500", "502", "503", "drop"])
async def test_each_failure_kind_falls_back_with_rows_on_both(
    client: AppClient, provider_control: ProviderControl, backup: ProviderControl, kind: str
) -> None:
    provider_control.faults(*[{"kind": kind}] * 3)  # every attempt on the primary
    response = await generate(client, "langchain")
    assert response.status_code == 200, response.text
    story = response.json()
    assert story["provider"] == "backup"
    [sent] = backup.requests()
    assert sent["model"] == FALLBACK_MODEL  # the call was rewritten for the fallback
    ledger = await rows(client)
    assert [(row.provider, row.attempt) for row in ledger] == [
        ("test-provider", 1),
        ("test-provider", 2),
        ("test-provider", 3),
        ("backup", 1),
    ]
    assert all(row.status != "ok" for row in ledger[:3])
    assert (ledger[3].status, ledger[3].model) == ("ok", FALLBACK_MODEL)
    assert len(story["calls"]) == 4


async def test_a_timeout_falls_back(
    make_settings: SettingsFactory, provider_control: ProviderControl, backup: ProviderControl
) -> None:
    settings = with_fallback(
        make_settings, backup, provider_timeout_seconds=0.3, provider_max_attempts=2
    )
    provider_control.faults(*[{"kind": "timeout", "seconds": 3}] * 2)
    async with open_client(settings) as client:
        response = await generate(client, "semantic_kernel")
        assert response.status_code == 200, response.text
        assert [(row.provider, row.status) for row in await rows(client)] == [
            ("test-provider", "timeout"),
            ("test-provider", "timeout"),
            ("backup", "ok"),
        ]


async def test_a_refused_request_does_not_fall_back(
    client: AppClient, provider_control: ProviderControl, backup: ProviderControl
) -> None:
    provider_control.faults({"kind": "400"})
    response = await generate(client, "langchain")
    assert response.status_code >= 400
    assert backup.requests() == []


async def test_the_circuit_opens_then_a_probe_closes_it(
    make_settings: SettingsFactory, provider_control: ProviderControl, backup: ProviderControl
) -> None:
    settings = with_fallback(
        make_settings, backup, provider_circuit_failures=2, provider_circuit_open_seconds=1
    )
    async with open_client(settings) as client:
        provider_control.faults(*[{"kind": "503"}] * 6)  # two calls of three attempts
        for _ in range(2):
            assert (await generate(client, "langchain")).status_code == 200
        assert len(provider_control.requests()) == 6
        states = {p["name"]: p for p in (await client.get("/api/provider")).json()["providers"]}
        assert states["test-provider"]["circuit"] == "opened"
        assert states["backup"]["circuit"] == "closed"

        assert (await generate(client, "langchain")).status_code == 200
        assert len(provider_control.requests()) == 6  # open: the primary was not called
        assert len(backup.requests()) == 3

        await asyncio.sleep(1.2)  # the circuit's open time passes
        probe = await generate(client, "langchain")
        assert probe.status_code == 200
        assert probe.json()["provider"] == "test-provider"  # the probe went to the primary
        assert len(provider_control.requests()) == 7
        states = {p["name"]: p for p in (await client.get("/api/provider")).json()["providers"]}
        assert states["test-provider"]["circuit"] == "closed"


async def test_a_stream_falls_back_before_its_first_token(
    client: AppClient, provider_control: ProviderControl, backup: ProviderControl
) -> None:
    provider_control.faults(*[{"kind": "502"}] * 3)
    response = await client.post("/api/langgraph/stream", json=STORY)
    assert response.status_code == 200
    assert "event: done" in response.text
    assert "event: error" not in response.text
    ledger = await rows(client)
    # LangGraph's first node fell back; its second call found the primary healthy again
    assert [(row.provider, row.status) for row in ledger] == [
        ("test-provider", "http_502"),
        ("test-provider", "http_502"),
        ("test-provider", "http_502"),
        ("backup", "ok"),
        ("test-provider", "ok"),
    ]


async def test_thirty_percent_faults_on_the_primary_every_request_succeeds(
    client: AppClient, provider_control: ProviderControl, backup: ProviderControl
) -> None:
    provider_control.configure(fault_rate=0.3, fault_seed=7)
    statuses = []
    for start in range(0, 60, 10):
        batch = await asyncio.gather(
            *(generate(client, "langchain", f"Ada {n}") for n in range(start, start + 10))
        )
        statuses += [response.status_code for response in batch]
    assert statuses == [200] * 60
    ledger = await rows(client)
    sent = len(provider_control.requests()) + len(backup.requests())
    assert len(ledger) == sent  # exactly one row per request either provider received
    assert Counter(row.status for row in ledger)["ok"] == 60
    assert {row.provider for row in ledger} <= {"test-provider", "backup"}


async def test_the_provider_page_lists_every_provider_and_no_key(client: AppClient) -> None:
    body = (await client.get("/api/provider")).json()
    assert [(p["name"], p["role"], p["model"]) for p in body["providers"]] == [
        ("test-provider", "primary", TEST_MODEL),
        ("backup", "fallback", FALLBACK_MODEL),
    ]
    assert "sk-backup-secret" not in str(body)


def test_two_providers_with_one_name_stop_start_up(
    make_settings: SettingsFactory, backup: ProviderControl
) -> None:
    twice = {"base_url": backup.provider.base_url, "model": "m", "name": "test-provider"}
    with pytest.raises(ConfigurationError, match="used twice"):
        preflight(make_settings(provider_fallbacks=[twice]))


REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.mark.parametrize("redis_url", [REDIS_URL] if REDIS_URL else [])
async def test_replicas_share_a_circuit_through_redis(
    make_settings: SettingsFactory,
    provider_control: ProviderControl,
    backup: ProviderControl,
    redis_url: str,
) -> None:
    settings = with_fallback(
        make_settings,
        backup,
        redis_url=redis_url,
        rate_limit_key_prefix=f"circuit-{uuid.uuid4().hex[:8]}",
        provider_circuit_failures=1,
        provider_circuit_open_seconds=60,
    )
    provider_control.faults(*[{"kind": "500"}] * 3)
    async with open_client(settings) as first:
        assert (await generate(first, "langchain")).status_code == 200  # opens the circuit
        async with open_client(settings, email="second@example.com") as second:
            assert (await generate(second, "langchain")).status_code == 200
            states = {p["name"]: p for p in (await second.get("/api/provider")).json()["providers"]}
            assert states["test-provider"]["circuit"] == "opened"
    assert len(provider_control.requests()) == 3  # the second replica never called it
    assert len(backup.requests()) == 2


async def fail_every_other_call(
    clients: list[AppClient], provider_control: ProviderControl, pairs: int
) -> None:
    """Failure, success, failure, success...: never two failures in a row. Each user request
    is served (by the fallback when the primary failed); the clients take turns."""
    for n in range(pairs):
        client = clients[n % len(clients)]
        provider_control.faults({"kind": "500"})
        assert (await generate(client, "langchain")).status_code == 200
        assert (await generate(client, "langchain")).status_code == 200


async def primary_circuit(client: AppClient) -> str:
    providers = (await client.get("/api/provider")).json()["providers"]
    return str({p["name"]: p for p in providers}["test-provider"]["circuit"])


@pytest.mark.parametrize("shared", ["memory", *(["redis"] if REDIS_URL else [])])
async def test_a_high_failure_rate_opens_the_circuit_without_failures_in_a_row(
    make_settings: SettingsFactory,
    provider_control: ProviderControl,
    backup: ProviderControl,
    shared: str,
) -> None:
    extra: dict[str, Any] = {}
    if shared == "redis":  # two replicas judge the same window
        extra = {
            "redis_url": REDIS_URL,
            "rate_limit_key_prefix": f"window-{uuid.uuid4().hex[:8]}",
        }
    settings = with_fallback(
        make_settings,
        backup,
        provider_max_attempts=1,
        provider_circuit_failures=3,  # never reached: no two failures in a row
        provider_circuit_failure_rate=0.5,
        provider_circuit_min_calls=6,
        **extra,
    )
    async with (
        open_client(settings) as first,
        open_client(settings, email="second@example.com") as second,
    ):
        replicas = [first, second] if shared == "redis" else [first]
        await fail_every_other_call(replicas, provider_control, pairs=3)
        # 6 calls, 3 failed: at the rate, but the last call succeeded; still closed
        assert await primary_circuit(second) == "closed"
        assert len(provider_control.requests()) == 6

        provider_control.faults({"kind": "500"})
        assert (await generate(first, "langchain")).status_code == 200  # 4 of 7 failed
        assert len(provider_control.requests()) == 7
        assert await primary_circuit(first) == "opened"
        # open: the next stories go straight to the fallback
        for replica in replicas:
            served = await generate(replica, "langchain")
            assert served.status_code == 200
            assert served.json()["provider"] == "backup"
        assert len(provider_control.requests()) == 7
    assert len(backup.requests()) == 4 + len(replicas)


async def test_a_low_failure_rate_leaves_the_circuit_closed(
    make_settings: SettingsFactory, provider_control: ProviderControl, backup: ProviderControl
) -> None:
    settings = with_fallback(
        make_settings,
        backup,
        provider_max_attempts=1,
        provider_circuit_failure_rate=0.5,
        provider_circuit_min_calls=6,
    )
    async with open_client(settings) as client:
        for _ in range(4):  # one failure in three calls
            provider_control.faults({"kind": "502"})
            for _ in range(3):
                assert (await generate(client, "langchain")).status_code == 200
        assert await primary_circuit(client) == "closed"
        assert len(provider_control.requests()) == 12
        assert len(backup.requests()) == 4
