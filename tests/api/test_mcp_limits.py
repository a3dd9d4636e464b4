"""The MCP server holds the REST API's limits and transport promises: budgets and rate limits
refuse a tool call with an MCP error carrying the error shape's code before any provider call,
and over stdio nothing but JSON-RPC reaches stdout, wherever the client starts the server."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError

from backend.testprovider import RunningProvider
from tests.utils.app import AppClient
from tests.utils.ledger import ledger
from tests.utils.mcp import STORY, mcp_env, stdio_transport
from tests.utils.processes import ROOT
from tests.utils.provider import ProviderControl


def relative_to_root(database_url: str) -> str:
    """A SQLite URL as a path relative to the project (a server reading it from elsewhere
    opens another file); other URLs as they are."""
    sqlite = "sqlite+aiosqlite:///"
    if not database_url.startswith(sqlite):
        return database_url
    relative = os.path.relpath(database_url.removeprefix(sqlite), ROOT)
    assert not relative.startswith("/")
    return sqlite + relative


async def test_the_daily_cap_refuses_comparisons_and_chat_before_any_provider_call(
    platform: tuple[AppClient, str, str],
    provider: RunningProvider,
    provider_control: ProviderControl,
) -> None:
    client, database_url, key = platform
    transport = stdio_transport(database_url, provider, key, GLOBAL_DAILY_BUDGET_USD="0")
    async with Client(transport) as mcp:  # (a user's budget on a story tool: test_mcp.py)
        with pytest.raises(ToolError, match=r"^BUDGET_EXCEEDED: "):
            await mcp.call_tool("compare_frameworks", STORY)
        with pytest.raises(ToolError, match=r"^BUDGET_EXCEEDED: "):
            await mcp.call_tool("chat", {"message": "Hello", "framework": "langgraph"})
    assert provider_control.requests() == []
    assert await ledger(client) == []


async def test_the_generation_rate_limit_refuses_with_rate_limited(
    platform: tuple[AppClient, str, str],
    provider: RunningProvider,
    provider_control: ProviderControl,
) -> None:
    client, database_url, key = platform
    transport = stdio_transport(database_url, provider, key, RATE_LIMIT_GENERATION="1/minute")
    async with Client(transport) as mcp:
        story = (await mcp.call_tool("generate_story_langchain", STORY)).structured_content
        assert story is not None
        with pytest.raises(ToolError, match=r"^RATE_LIMITED: Too many requests \(generation\)"):
            await mcp.call_tool("generate_story_langchain", STORY)
        with pytest.raises(ToolError, match=r"^RATE_LIMITED: "):
            await mcp.call_tool("compare_frameworks", STORY)
        # Reading is not generation: the general budget still has room.
        assert (await mcp.call_tool("list_frameworks", {})).structured_content is not None
    assert len(provider_control.requests()) == 1
    rows = await ledger(client)
    assert [row["transaction_guid"] for row in rows] == [story["transaction_guid"]]


async def test_stdio_stdout_is_json_rpc_only_even_started_elsewhere(
    platform: tuple[AppClient, str, str], provider: RunningProvider, tmp_path: Path
) -> None:
    """A raw session at DEBUG logging, started outside the project as desktop clients that
    ignore `cwd` do (the README's PYTHONPATH): every stdout line is a JSON-RPC message, and a
    relative SQLite path still means the project's (the test's database, relative to ROOT)."""
    client, database_url, key = platform
    env = mcp_env(relative_to_root(database_url), provider, FASTAPILLM_API_KEY=key)
    env.update(LOG_LEVEL="DEBUG", PYTHONPATH=str(ROOT))
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "backend.mcp_server",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert server.stdin is not None
    assert server.stdout is not None
    seen: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        assert server.stdin is not None
        server.stdin.write(json.dumps({"jsonrpc": "2.0", **message}).encode() + b"\n")
        await server.stdin.drain()

    async def answer_to(request_id: int) -> dict[str, Any]:
        assert server.stdout is not None
        while True:
            line = await asyncio.wait_for(server.stdout.readline(), 60)
            assert line, "the server closed stdout"
            message: dict[str, Any] = json.loads(line)  # anything else on stdout fails here
            assert message["jsonrpc"] == "2.0"
            seen.append(message)
            if message.get("id") == request_id:
                return message

    try:
        await send(
            {
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "raw", "version": "1"},
                },
            }
        )
        assert "result" in await answer_to(1)
        await send({"method": "notifications/initialized"})
        call = {
            "name": "generate_story_langchain",
            "arguments": STORY,
            "_meta": {"progressToken": "story"},
        }
        await send({"id": 2, "method": "tools/call", "params": call})
        answer = await answer_to(2)
        assert answer["result"]["isError"] is False
        assert answer["result"]["structuredContent"]["method"] == "langchain"
        assert any(m.get("method") == "notifications/progress" for m in seen)
        server.stdin.close()
        rest, stderr = await asyncio.wait_for(server.communicate(), 30)
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
    for line in rest.splitlines():
        assert json.loads(line)["jsonrpc"] == "2.0"
    assert b"story" in stderr  # the logs went to stderr
    rows = await ledger(client)
    assert [row["framework"] for row in rows] == ["langchain"]
