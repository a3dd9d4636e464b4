"""A second, independent MCP client: the official TypeScript SDK from Node
(tests/mcp_node/client.test.mjs), over stdio (the server as the Node process's child) and
over streamable HTTP. Node lists the tools, writes a story with progress, reads resources, sees
a platform error's code and is refused without a key; then the ledger must hold the story's
calls under the key's account, with the tokens the tool reported."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.testprovider import RunningProvider
from tests.utils.app import AppClient
from tests.utils.ledger import ledger
from tests.utils.live import free_port
from tests.utils.mcp import mcp_env, wait_for_port
from tests.utils.processes import ROOT
from tests.utils.provider import ProviderControl

CLIENT_DIR = ROOT / "tests" / "mcp_node"
NODE = shutil.which("node")


def run_node_client(env: dict[str, str]) -> dict[str, Any]:
    """Runs the Node tests; returns what they made (written to MCP_RESULT_FILE)."""
    if NODE is None or not (CLIENT_DIR / "node_modules" / "@modelcontextprotocol").is_dir():
        pytest.fail("Node and tests/mcp_node/node_modules are needed: run `make test`")
    finished = subprocess.run(
        [NODE, "--test", "--test-reporter=tap", "client.test.mjs"],
        cwd=CLIENT_DIR,
        env=env,
        capture_output=True,
        timeout=300,
    )
    report = finished.stdout.decode() + finished.stderr.decode()
    assert finished.returncode == 0, report
    assert "# fail 0" in report, report
    assert "# pass 5" in report, report
    made: dict[str, Any] = json.loads(Path(env["MCP_RESULT_FILE"]).read_text())
    return made


async def check_ledger(client: AppClient, made: dict[str, Any], provider: ProviderControl) -> None:
    [story] = made["stories"]
    me = (await client.get("/api/auth/me")).json()
    rows = await ledger(client)
    assert [row["transaction_guid"] for row in rows] == [story["transaction_guid"]]
    [row] = rows
    assert row["user_id"] == me["id"]
    assert row["framework"] == "langchain"
    assert row["status"] == "ok"
    assert row["total_tokens"] == story["total_tokens"]
    usage = provider.usages()
    assert len(usage) == 1  # the refused clients and the invalid call reached no model
    assert usage[0] is not None
    assert row["total_tokens"] == usage[0]["total_tokens"]


async def test_typescript_sdk_client_over_stdio(
    platform: tuple[AppClient, str, str],
    provider: RunningProvider,
    provider_control: ProviderControl,
    tmp_path: Path,
) -> None:
    client, database_url, key = platform
    result_file = tmp_path / "made.json"
    env = {
        **mcp_env(database_url, provider),
        "MCP_TRANSPORT": "stdio",
        "MCP_PYTHON": sys.executable,
        "MCP_CWD": str(ROOT),
        "MCP_SERVER_ENV": json.dumps(mcp_env(database_url, provider)),
        "MCP_KEY": key,
        "MCP_RESULT_FILE": str(result_file),
    }
    made = await asyncio.to_thread(run_node_client, env)
    await check_ledger(client, made, provider_control)


async def test_typescript_sdk_client_over_http(
    platform: tuple[AppClient, str, str],
    provider: RunningProvider,
    provider_control: ProviderControl,
    tmp_path: Path,
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
    result_file = tmp_path / "made.json"
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            await wait_for_port(http, url, server)
        env = {
            **mcp_env(database_url, provider),
            "MCP_TRANSPORT": "http",
            "MCP_URL": url,
            "MCP_KEY": key,
            "MCP_RESULT_FILE": str(result_file),
        }
        made = await asyncio.to_thread(run_node_client, env)
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), 20)
    await check_ledger(client, made, provider_control)
