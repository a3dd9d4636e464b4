"""The log viewer's API: what the platform logs is stored (off the request path, redacted as
printed) and found by level, time, request id, transaction GUID and text, newest first, in
pages without gaps or repeats and followed by `after_id`; the store keeps only the newest
rows; only administrators read it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.models import LogEntry
from tests.utils.app import AppClient, SettingsFactory, bearer, open_client, sign_up
from tests.utils.errors import assert_error_shape
from tests.utils.provider import ProviderControl
from tests.utils.stories import generate


@pytest.fixture
async def admin(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> AsyncIterator[AppClient]:
    settings = make_settings(rate_limit_enabled=False, log_store_rows=100)
    async with open_client(settings) as client:  # the first account: an administrator
        yield client


async def stored(client: AppClient) -> None:
    """Wait until everything logged so far is in the database."""
    store = client.runtime.log_store
    assert store is not None
    await store.flush()


async def logs(client: AppClient, **params: str | int | None) -> dict[str, Any]:
    response = await client.get("/api/admin/logs", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_requests_are_stored_and_found_by_each_filter(admin: AppClient) -> None:
    story = await generate(admin, "langchain")
    assert story.status_code == 200
    missing = await admin.get("/api/stories/424242")
    assert missing.status_code == 404
    await stored(admin)

    by_request = await logs(admin, request_id=missing.headers["x-request-id"])
    [line] = by_request["entries"]
    assert line["event"] == "request"
    assert line["fields"]["path"] == "/api/stories/424242"
    assert line["fields"]["status"] == 404
    assert line["level"] == "info"

    guid = story.headers["x-transaction-guid"]
    by_guid = await logs(admin, transaction_guid=guid)
    assert by_guid["entries"]
    assert {entry["transaction_guid"] for entry in by_guid["entries"]} == {guid}

    by_text = await logs(admin, q="STORIES/424242")  # any case
    assert [entry["request_id"] for entry in by_text["entries"]] == [
        missing.headers["x-request-id"]
    ]
    warnings = await logs(admin, level="warning")
    assert all(entry["level"] in {"warning", "error", "critical"} for entry in warnings["entries"])
    future = (datetime.now(UTC) + timedelta(hours=1)).replace(tzinfo=None).isoformat()
    assert (await logs(admin, since=future))["entries"] == []
    assert (await logs(admin, until=future))["entries"]


async def test_pages_have_no_gaps_or_repeats_and_following_finds_only_new_lines(
    admin: AppClient,
) -> None:
    for n in range(12):
        await admin.get(f"/api/stories/{1000 + n}")
    await stored(admin)
    seen: list[int] = []
    page = await logs(admin, limit=5)
    newest = page["newest_id"]
    while True:
        seen += [entry["id"] for entry in page["entries"]]
        if page["next_before_id"] is None:
            break
        page = await logs(admin, limit=5, before_id=page["next_before_id"])
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen))
    async with admin.runtime.sessions() as session:
        assert len(seen) == (await session.execute(select(func.count(LogEntry.id)))).scalar_one()

    assert (await logs(admin, after_id=newest, q="/api/stories/"))["entries"] == []
    await admin.get("/api/stories/777777")
    await stored(admin)
    followed = await logs(admin, after_id=newest, q="/api/stories/")
    assert [entry["fields"]["path"] for entry in followed["entries"]] == ["/api/stories/777777"]


async def test_the_store_keeps_only_the_newest_rows(admin: AppClient) -> None:
    for n in range(150):
        await admin.get(f"/api/stories/{2000 + n}")
    await stored(admin)
    store = admin.runtime.log_store
    assert store is not None
    await store.prune()
    async with admin.runtime.sessions() as session:
        count = (await session.execute(select(func.count(LogEntry.id)))).scalar_one()
        newest = (await session.execute(select(func.max(LogEntry.id)))).scalar_one()
    assert count <= 100
    latest = await logs(admin, limit=1)
    assert latest["entries"][0]["id"] == newest


async def test_secrets_are_never_stored(admin: AppClient) -> None:
    await admin.post(
        "/api/auth/login", json={"email": "nobody@example.com", "password": "hunter2 secret"}
    )
    await admin.post("/api/auth/api-keys", json={"name": "k"})
    await stored(admin)
    async with admin.runtime.sessions() as session:
        everything = " ".join(
            f"{entry.event} {entry.fields}"
            for entry in (await session.execute(select(LogEntry))).scalars()
        )
    assert "hunter2" not in everything
    assert "fapi_" not in everything
    assert "Bearer" not in everything


async def test_only_administrators_read_the_log(admin: AppClient) -> None:
    other = bearer(await sign_up(admin, "other@example.com"))
    assert_error_shape(await admin.get("/api/admin/logs", headers=other), 403, "FORBIDDEN")
    anonymous = {"Authorization": ""}
    assert_error_shape(await admin.get("/api/admin/logs", headers=anonymous), 401, "UNAUTHORIZED")
    assert_error_shape(
        await admin.get("/api/admin/logs", params={"level": "loud"}), 422, "VALIDATION_ERROR"
    )
    assert_error_shape(
        await admin.get("/api/admin/logs", params={"limit": 0}), 422, "VALIDATION_ERROR"
    )


async def test_writing_the_log_never_waits_on_the_request_path(admin: AppClient) -> None:
    """The handler only queues: a burst of lines is written later, in batches."""
    store = admin.runtime.log_store
    assert store is not None
    await asyncio.gather(*(admin.get("/api/stories/9") for _ in range(20)))
    assert store.dropped == 0
    await stored(admin)
    found = await logs(admin, q="/api/stories/9", limit=50)
    assert len(found["entries"]) == 20
