"""The separated deployment's topology as processes: Debian's nginx with the project's own
config (frontendReact/nginx.conf.template, rendered as the nginx image renders it) in front of
two `python -m backend` processes on PostgreSQL and Redis, and the MCP server over HTTP. Driven
as users reach it: a browser streams a story through nginx (words on the page before the run
ends), rate limits are shared by the two backends, each client's own address reaches the app
(a forged X-Forwarded-For does not), the web app and the MCP server answer through nginx."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from backend.core.config import async_database_url
from backend.testprovider import RunningProvider, start_provider
from tests.utils.app import PASSWORD
from tests.utils.database import reset_postgres
from tests.utils.live import free_port
from tests.utils.processes import ROOT, backend_env, process

DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
TEMPLATE = ROOT / "frontendReact" / "nginx.conf.template"
WEB_ROOT = ROOT / "frontendReact" / "dist"
STORY = {"primary_character": "Ada", "secondary_character": "Grace"}
SIGNUPS_PER_ADDRESS = 3

pytestmark = pytest.mark.skipif(
    DATABASE_URL is None or REDIS_URL is None,
    reason="the topology runs on PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL)",
)


def render(template: str, values: dict[str, str]) -> str:
    """What envsubst does in the nginx image: ${NAME} for the settings it is given."""
    return re.sub(r"\$\{(FASTAPILLM_[A-Z_]+)\}", lambda match: values[match.group(1)], template)


@dataclass
class Topology:
    url: str
    provider: RunningProvider
    key: str  # an API key, for the MCP server


@dataclass
class Site:
    folder: Path
    conf: Path
    nginx_port: int
    backend_ports: tuple[int, int]
    mcp_port: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The rendered config, wrapped in a main config of its own, and the ports it names."""
    folder = tmp_path_factory.mktemp("nginx")
    nginx_port, first, second, mcp_port = (free_port() for _ in range(4))
    rendered = render(
        TEMPLATE.read_text(),
        {
            "FASTAPILLM_LISTEN": f"127.0.0.1:{nginx_port}",
            "FASTAPILLM_BACKENDS": f"server 127.0.0.1:{first}; server 127.0.0.1:{second};",
            "FASTAPILLM_MCP": f"127.0.0.1:{mcp_port}",
            "FASTAPILLM_WEB_ROOT": str(WEB_ROOT),
        },
    )
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp_paths = "\n".join(f"  {kind}_temp_path {folder / kind};" for kind in kinds)
    user = "user root;" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""{user}
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
  include /etc/nginx/mime.types;
  access_log off;
{temp_paths}
{rendered}
}}
"""
    )
    return Site(folder, conf, nginx_port, (first, second), mcp_port)


@contextmanager
def running(site: Site, provider: RunningProvider) -> Iterator[str]:
    """Two backends (one after the other: the first runs the migrations), nginx in front of
    them, the MCP server behind it; yields nginx's URL."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    checked = subprocess.run(
        [nginx, "-t", "-p", str(site.folder), "-c", str(site.conf)], capture_output=True
    )
    assert checked.returncode == 0, checked.stderr.decode()
    prefix = f"topology-{uuid.uuid4().hex[:8]}"

    def env(port: int) -> dict[str, str]:
        values = backend_env(DATABASE_URL or "", provider.port, port)
        values.update(
            REDIS_URL=REDIS_URL or "",
            RATE_LIMIT_ENABLED="true",
            RATE_LIMIT_KEY_PREFIX=prefix,
            RATE_LIMIT_GENERATION="4/minute",
            RATE_LIMIT_SIGNUPS_PER_IP=f"{SIGNUPS_PER_ADDRESS}/hour",
            SSE_PING_SECONDS="1",
            MCP_PORT=str(site.mcp_port),
        )
        return values

    first, second = site.backend_ports
    url = f"http://127.0.0.1:{site.nginx_port}"
    with (
        process(["-m", "backend"], env(first), f"http://127.0.0.1:{first}/health"),
        process(["-m", "backend"], env(second), f"http://127.0.0.1:{second}/health"),
    ):
        proxy = subprocess.Popen([nginx, "-p", str(site.folder), "-c", str(site.conf)])
        mcp = subprocess.Popen(
            [sys.executable, "-m", "backend.mcp_server", "--http"],
            cwd=ROOT,
            env=env(site.mcp_port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(f"{url}/health", proxy)
            yield url
        finally:
            for child in (mcp, proxy):
                child.terminate()
                child.wait(timeout=20)


@pytest.fixture(scope="module")
async def topology(site: Site) -> AsyncIterator[Topology]:
    assert DATABASE_URL is not None
    await reset_postgres(async_database_url(DATABASE_URL))
    provider = start_provider()
    try:
        with running(site, provider) as url:
            yield Topology(url, provider, await owner_key(url))
    finally:
        provider.stop()


def wait_until_up(url: str, proc: subprocess.Popen[bytes], seconds: float = 180) -> None:
    """Generous for a loaded machine: the wait ends as soon as the URL answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "nginx exited"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not come up")


async def owner_key(url: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        token = await sign_up(client, "owner@example.com")
        created = await client.post(
            "/api/auth/api-keys", json={"name": "mcp"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201, created.text
        key: str = created.json()["key"]
        return key


async def sign_up(client: httpx.AsyncClient, email: str, **headers: str) -> str:
    response = await client.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD}, headers=headers
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["access_token"]
    return token


def from_address(url: str, address: str) -> httpx.AsyncClient:
    """A client whose connections come from `address` (any of 127/8 is this machine)."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=url, transport=transport, timeout=60)


async def test_the_web_app_and_the_api_answer_through_nginx(topology: Topology) -> None:
    async with httpx.AsyncClient(base_url=topology.url, timeout=30) as client:
        page = await client.get("/stories")  # a route of the app: answered by index.html
        assert page.status_code == 200
        assert '<div id="root">' in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        health = await client.get("/health")
        assert health.json()["checks"] == {"database": "ok"}
        api = await client.get("/api/stories")
        assert api.status_code == 401
        assert api.json()["error"]["code"] == "UNAUTHORIZED"
        # the app's own headers, once (nginx adds none of its own to the API's answers)
        assert api.headers.get_list("content-security-policy") == [
            health.headers["content-security-policy"]
        ]


async def test_a_browser_sees_the_story_stream_in_through_nginx(topology: Topology) -> None:
    configure(topology, stream_chunk_delay_ms=60, reply_words=60)  # about 4 s of words
    node = shutil.which("node") or "node"
    finished = await asyncio.to_thread(
        subprocess.run,
        [node, "e2e/through-proxy.mjs", topology.url],
        cwd=ROOT / "frontendReact",
        capture_output=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr.decode()
    seen = json.loads(finished.stdout.decode().strip().splitlines()[-1])
    assert seen["alerts"] == []
    assert seen["failures"] == []
    assert seen["partial"], "no words were on the page while the story streamed"
    assert len(seen["story"].split()) > len(seen["partial"].split())
    # buffered by the proxy, the words would only appear when the run ends
    assert seen["ended"] - seen["firstWords"] > 1000, seen


async def test_events_and_heartbeats_are_not_buffered(topology: Topology) -> None:
    configure(topology, stream_chunk_delay_ms=60, reply_words=60)
    async with from_address(topology.url, "127.0.0.4") as client:
        client.headers["Authorization"] = f"Bearer {await sign_up(client, 'stream@example.com')}"
        arrivals: list[tuple[str, float]] = []
        started = time.monotonic()
        async with client.stream("POST", "/api/langchain/stream", json=STORY) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            async for line in stream.aiter_lines():
                if line.startswith(":"):
                    arrivals.append(("ping", time.monotonic() - started))
                elif line.startswith("event:"):
                    arrivals.append((line[6:].strip(), time.monotonic() - started))
    names = [name for name, _ in arrivals]
    assert names[-1] == "done"
    first_token = next(at for name, at in arrivals if name == "token")
    done = arrivals[-1][1]
    assert done - first_token > 1.0, arrivals  # tokens came as they were written
    assert any(name == "ping" and at < done for name, at in arrivals)  # heartbeats too


async def test_the_two_backends_share_one_rate_limit(topology: Topology) -> None:
    configure(topology, stream_chunk_delay_ms=0)
    async with from_address(topology.url, "127.0.0.5") as client:
        client.headers["Authorization"] = f"Bearer {await sign_up(client, 'limits@example.com')}"
        statuses = []
        for _ in range(6):  # round robin over the two backends
            statuses.append((await client.post("/api/langchain", json=STORY)).status_code)
    assert statuses == [200] * 4 + [429] * 2
    assert DATABASE_URL is not None
    engine = create_async_engine(async_database_url(DATABASE_URL))
    try:
        async with engine.connect() as connection:
            served_by = await connection.execute(
                text(
                    "SELECT count(DISTINCT l.instance_id) FROM llm_calls l "
                    "JOIN users u ON u.id = l.user_id WHERE u.email = 'limits@example.com'"
                )
            )
            assert served_by.scalar_one() == 2  # both backends served, one budget between them
    finally:
        await engine.dispose()


async def test_each_clients_own_address_reaches_the_app(topology: Topology) -> None:
    """Sign-ups are limited per address (3 an hour here). Two clients on two addresses have a
    budget each; a forged X-Forwarded-For buys nothing."""
    async with (
        from_address(topology.url, "127.0.0.2") as first,
        from_address(topology.url, "127.0.0.3") as second,
    ):
        for n in range(SIGNUPS_PER_ADDRESS):
            await sign_up(first, f"first-{n}@example.com")
        refused = await first.post(
            "/api/auth/register", json={"email": "first-9@example.com", "password": PASSWORD}
        )
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "RATE_LIMITED"
        forged = await first.post(
            "/api/auth/register",
            json={"email": "first-4@example.com", "password": PASSWORD},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
        assert forged.status_code == 429
        await sign_up(second, "second-1@example.com")  # another address: its own budget


async def test_the_mcp_server_answers_through_nginx(topology: Topology) -> None:
    url = f"{topology.url}/mcp"
    async with httpx.AsyncClient(timeout=30) as client:
        listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        for _ in range(100):  # the MCP server started last
            try:
                refused = await client.post(url, json=listing)
            except httpx.TransportError:
                refused = None
            if refused is not None and refused.status_code != 502:
                break
            await asyncio.sleep(0.2)
        assert refused is not None
        assert refused.status_code == 401
    async with Client(StreamableHttpTransport(url, auth=topology.key)) as mcp:
        names = {tool.name for tool in await mcp.list_tools()}
        assert "generate_story_langgraph" in names
        frameworks = (await mcp.call_tool("list_frameworks", {})).structured_content
        assert frameworks is not None


def configure(topology: Topology, **config: object) -> None:
    httpx.post(f"{topology.provider.root_url}/_control/config", json=config).raise_for_status()
