"""Fixtures shared by API tests: the app on a real socket, signed in; and for the MCP tests
(FastMCP's Python client and the TypeScript SDK's) the app with an API key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.utils.app import AppClient, SettingsFactory, open_client
from tests.utils.live import live_app, signed_in
from tests.utils.provider import ProviderControl


@pytest.fixture
async def platform(
    make_settings: SettingsFactory, provider_control: ProviderControl, database_url: str
) -> AsyncIterator[tuple[AppClient, str, str]]:
    """The REST app on the database the MCP server will share, an account and its key."""
    async with open_client(make_settings()) as client:
        created = await client.post("/api/auth/api-keys", json={"name": "mcp"})
        assert created.status_code == 201, created.text
        yield client, database_url, created.json()["key"]


@pytest.fixture
async def live_api(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on a real socket (for streams), rate limits off, signed in as its first
    account (an administrator)."""
    with live_app(make_settings(rate_limit_enabled=False)) as base:
        async with signed_in(base) as client:
            yield client
