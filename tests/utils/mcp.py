"""The MCP server as a subprocess: its environment, and waiting for its port."""

from __future__ import annotations

import asyncio
import os
import sys
import time

import httpx
from fastmcp.client.transports import StdioTransport

from backend.testprovider import RunningProvider
from tests.utils.processes import ROOT
from tests.utils.provider import TEST_MODEL

STORY = {"primary_character": "Ada", "secondary_character": "Grace"}


def mcp_env(database_url: str, provider: RunningProvider, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROVIDER_", "FASTAPILLM_"))}
    env.update(
        DATABASE_URL=database_url,
        PROVIDER_API_BASE_URL=provider.base_url,
        PROVIDER_API_KEY="sk-test-secret-key",
        PROVIDER_MODEL=TEST_MODEL,
        PROVIDER_NAME="test-provider",
        STORY_MAX_TOKENS="64",
        LOG_LEVEL="INFO",
        **extra,
    )
    return env


async def wait_for_port(
    http: httpx.AsyncClient,
    url: str,
    process: asyncio.subprocess.Process,
    seconds: float = 180,  # a loaded machine starts slowly; the wait ends once it answers
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise RuntimeError(f"the MCP server exited with {process.returncode}")
        try:
            await http.get(url)
            return
        except httpx.TransportError:
            await asyncio.sleep(0.1)
    raise RuntimeError("the MCP server did not come up")


def stdio_transport(
    database_url: str, provider: RunningProvider, key: str, **extra: str
) -> StdioTransport:
    """`python -m backend.mcp_server` over stdio, as an MCP client starts it, with `key`."""
    return StdioTransport(
        command=sys.executable,
        args=["-m", "backend.mcp_server"],
        env=mcp_env(database_url, provider, FASTAPILLM_API_KEY=key, **extra),
        cwd=str(ROOT),
    )
