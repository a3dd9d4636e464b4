"""Fixtures shared by the MCP tests (FastMCP's Python client and the TypeScript SDK's)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.utils.app import AppClient, SettingsFactory, open_client
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
