"""Reading a server-sent event stream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """(event name, JSON data) for each server-sent event; comment pings are skipped."""
    name, data = "message", list[str]()
    async for line in response.aiter_lines():
        if line == "":
            if data:
                yield name, json.loads("\n".join(data))
            name, data = "message", []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


Events = list[tuple[str, dict[str, Any]]]


async def stream_events(
    client: httpx.AsyncClient, path: str, body: dict[str, Any] | None = None
) -> Events:
    """POST `path` and read its whole stream (it must answer 200)."""
    async with client.stream("POST", path, json=body) as response:
        assert response.status_code == 200, await response.aread()
        return [item async for item in sse_events(response)]
