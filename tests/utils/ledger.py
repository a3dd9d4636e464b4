"""The cost ledger as the API shows it."""

from __future__ import annotations

from typing import Any

from tests.utils.app import AppClient


async def ledger(client: AppClient) -> list[dict[str, Any]]:
    """The newest 100 rows of the caller's ledger."""
    page = (await client.get("/api/cost/transactions", params={"limit": 100})).json()
    rows: list[dict[str, Any]] = page["transactions"]
    return rows
