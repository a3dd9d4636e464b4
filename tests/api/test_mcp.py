"""The MCP server as MCP clients use it: `python -m backend.mcp_server` as a real subprocess,
driven by FastMCP's Python client over stdio and over streamable HTTP. Tools reach the same
services and ledger as the REST API, under the key's account; no key, nothing runs."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import httpx
import pytest
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport
from fastmcp.exceptions import ToolError
from mcp.shared.exceptions import McpError

from backend.testprovider import RunningProvider
from tests.utils.app import AppClient
from tests.utils.ledger import ledger
from tests.utils.live import free_port
from tests.utils.mcp import STORY, mcp_env, stdio_transport, wait_for_port
from tests.utils.processes import ROOT
from tests.utils.provider import ProviderControl


async def test_stdio_tools_resources_and_progress_land_in_the_ledger(
    platform: tuple[AppClient, str, str], provider: RunningProvider
) -> None:
    client, database_url, key = platform
    me = (await client.get("/api/auth/me")).json()
    transport = stdio_transport(database_url, provider, key)
    progress: list[tuple[float, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, message))

    async with Client(transport, progress_handler=on_progress) as mcp:
        names = {tool.name for tool in await mcp.list_tools()}
        assert names >= {
            "generate_story_semantic_kernel",
            "generate_story_langchain",
            "generate_story_langgraph",
            "compare_frameworks",
            "chat",
            "run_document_prompt",
            "list_frameworks",
            "get_cost_usage",
        }
        result = await mcp.call_tool("generate_story_langgraph", STORY)
        story = result.structured_content
        assert story is not None
        assert story["method"] == "langgraph"  # the REST API's story shape
        assert story["story"]
        assert story["input_tokens"] > 0
        assert story["output_tokens"] > 0
        assert progress
        assert progress[0][1] == "langgraph: storyteller"
        assert [done for done, _ in progress] == sorted(done for done, _ in progress)

        recent = await mcp.read_resource("stories://recent")
        listed = json.loads(recent[0].text)
        assert [item["id"] for item in listed] == [story["id"]]

        usage = (await mcp.call_tool("get_cost_usage", {})).structured_content
        assert usage is not None

    rows = await ledger(client)
    assert len(rows) == 2  # LangGraph's storyteller and editor
    assert {row["transaction_guid"] for row in rows} == {story["transaction_guid"]}
    assert all(row["user_id"] == me["id"] for row in rows)
    assert usage["total_requests"] == 2
    assert usage["total_tokens"] == sum(row["total_tokens"] for row in rows)


async def test_tool_errors_carry_the_error_shapes_code(
    platform: tuple[AppClient, str, str], provider: RunningProvider
) -> None:
    client, database_url, key = platform
    transport = stdio_transport(database_url, provider, key)
    async with Client(transport) as mcp:
        with pytest.raises(ToolError, match="VALIDATION_ERROR"):
            await mcp.call_tool("generate_story_langchain", {**STORY, "primary_character": " "})
        with pytest.raises(McpError, match="NOT_FOUND"):
            await mcp.read_resource("stories://424242")
    assert await ledger(client) == []


def test_stdio_refuses_to_start_without_a_valid_key(
    platform: tuple[AppClient, str, str], provider: RunningProvider
) -> None:
    _, database_url, _ = platform
    for env_key in ("", "fapi_not-a-real-key"):
        finished = subprocess.run(
            [sys.executable, "-m", "backend.mcp_server"],
            cwd=ROOT,
            env=mcp_env(database_url, provider, FASTAPILLM_API_KEY=env_key),
            input=b"",
            capture_output=True,
            timeout=60,
        )
        assert finished.returncode != 0
        assert finished.stdout == b""  # stdout is the protocol's alone


async def test_http_needs_a_key_and_runs_tools_as_its_account(
    platform: tuple[AppClient, str, str], provider: RunningProvider
) -> None:
    client, database_url, key = platform
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "backend.mcp_server",
        "--http",
        cwd=ROOT,
        env=mcp_env(database_url, provider, MCP_PORT=str(port)),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            await wait_for_port(http, url, server)
            listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
            assert (await http.post(url, json=listing)).status_code == 401
        with pytest.raises(httpx.HTTPStatusError):
            async with Client(StreamableHttpTransport(url, auth="fapi_wrong")) as mcp:
                await mcp.list_tools()

        async with Client(StreamableHttpTransport(url, auth=key)) as mcp:
            frameworks = (await mcp.call_tool("list_frameworks", {})).structured_content
            assert frameworks is not None
            answer = await mcp.call_tool("chat", {"message": "Hello", "framework": "langchain"})
            reply = answer.structured_content
            assert reply is not None
            assert reply["response"]
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), 20)
    rows = await ledger(client)
    assert [row["type"] for row in rows] == ["chat"]
    assert rows[0]["transaction_guid"] == reply["transaction_guid"]


async def test_budgets_and_rate_limits_hold_over_mcp(
    platform: tuple[AppClient, str, str],
    provider: RunningProvider,
    provider_control: ProviderControl,
) -> None:
    """A key's account spends through MCP under the same budget and limits as over REST."""
    client, database_url, key = platform
    me = (await client.get("/api/auth/me")).json()
    zero = await client.put(f"/api/admin/users/{me['id']}/budget", json={"monthly_budget_usd": 0})
    assert zero.status_code == 200, zero.text
    transport = stdio_transport(database_url, provider, key, RATE_LIMIT_GENERAL="3/minute")
    async with Client(transport) as mcp:
        with pytest.raises(ToolError, match=r"^BUDGET_EXCEEDED: "):
            await mcp.call_tool("generate_story_langchain", STORY)
        for _ in range(2):  # the general limit: 3 a minute, the refused story was the first
            await mcp.call_tool("list_frameworks", {})
        with pytest.raises(ToolError, match=r"^RATE_LIMITED: "):
            await mcp.call_tool("list_frameworks", {})
    assert provider_control.requests() == []
    assert await ledger(client) == []


async def test_an_evaluation_run_is_planned_started_and_reported_over_mcp(
    platform: tuple[AppClient, str, str], provider: RunningProvider
) -> None:
    """Plan (nothing spent), start (the cost confirmed), follow, report: the run worked by the
    MCP server's own task queue, its rows under the key's account and the run's GUID."""
    client, database_url, key = platform
    me = (await client.get("/api/auth/me")).json()
    transport = stdio_transport(database_url, provider, key)
    async with Client(transport) as mcp:
        names = {tool.name for tool in await mcp.list_tools()}
        assert names >= {"plan_evaluation", "start_evaluation", "get_evaluation"}
        planned = (
            await mcp.call_tool(
                "plan_evaluation",
                {"briefs": [STORY], "frameworks": ["langchain"], "repetitions": 2, "judge": False},
            )
        ).structured_content
        assert planned is not None
        assert (planned["status"], planned["progress"]["total"]) == ("planned", 2)
        assert planned["planned_cost_usd"] > 0
        assert await ledger(client) == []
        await mcp.call_tool("start_evaluation", {"run_id": planned["id"]})
        for _ in range(600):
            run = await mcp.call_tool("get_evaluation", {"run_id": planned["id"]})
            if run.structured_content and run.structured_content["status"] == "done":
                break
            await asyncio.sleep(0.05)
        report = (
            await mcp.call_tool("evaluation_report", {"run_id": planned["id"]})
        ).structured_content
        with pytest.raises(ToolError, match="CONFLICT"):
            await mcp.call_tool("start_evaluation", {"run_id": planned["id"]})
    assert report is not None
    assert report["run"]["status"] == "done"
    [langchain] = report["frameworks"]
    assert (langchain["stories"], langchain["calls"]) == (2, 2)
    rows = await ledger(client)
    assert len(rows) == 2
    assert {row["transaction_guid"] for row in rows} == {planned["transaction_guid"]}
    assert all(row["user_id"] == me["id"] and row["type"] == "evaluation" for row in rows)
