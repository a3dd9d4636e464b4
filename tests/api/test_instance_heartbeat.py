"""A live replica whose `app_instances` entry was swept while a call was in flight (its beats
were late once: a database outage, a long pause, clock skew between hosts) registers again,
and that call's row ends with its real outcome, costing what the story says."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from backend.models import AppInstance
from backend.services.instances import InstanceRegistry
from tests.utils.app import AppClient, SettingsFactory, open_client
from tests.utils.provider import ProviderControl

BODY = {"primary_character": "Ada", "secondary_character": "Grace"}


@pytest.fixture
async def fast_beats(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> AsyncIterator[AppClient]:
    settings = make_settings(instance_heartbeat_seconds=0.2, rate_limit_enabled=False)
    async with open_client(settings) as client:
        yield client


async def test_a_replica_swept_mid_call_registers_again_and_keeps_the_real_outcome(
    fast_beats: AppClient, provider_control: ProviderControl
) -> None:
    client = fast_beats
    runtime = client.runtime
    ours = runtime.instances.id
    provider_control.configure(latency_ms=1500)
    story_call = asyncio.create_task(client.post("/api/langchain", json=BODY))
    await asyncio.sleep(0.4)  # the call is in flight
    # Our beats were late for a while (say the database was away for a minute) ...
    async with runtime.sessions() as session:
        await session.execute(
            update(AppInstance)
            .where(AppInstance.id == ours)
            .values(heartbeat_at=datetime.now(UTC) - timedelta(minutes=5))
        )
        await session.commit()
    # ... and another replica, on another host, swept while they were.
    other = InstanceRegistry(runtime.sessions, heartbeat_seconds=0.2, instance_id="other")
    other.hostname = "another-host"
    await other.register()
    await other.recover(runtime.ledger)

    response = await story_call
    await asyncio.sleep(0.6)  # a few more of our beats
    async with runtime.sessions() as session:
        live = set((await session.execute(select(AppInstance.id))).scalars())
    assert response.status_code == 200, response.text
    story = response.json()
    rows = (await client.get("/api/cost/transactions")).json()["transactions"]
    assert [row["status"] for row in rows] == ["ok"], rows
    assert sum(Decimal(str(row["estimated_cost_usd"])) for row in rows) == Decimal(
        str(story["estimated_cost_usd"])
    )
    assert ours in live, "a live replica must be in app_instances after it beats again"
