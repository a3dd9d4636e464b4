"""WORKERS: `python -m backend` as several worker processes on one port. They share rate limits
through Redis (without REDIS_URL it refuses to start, in one line), and each worker is an
instance of its own in the database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from backend.core.config import async_database_url
from backend.testprovider import RunningProvider
from tests.utils.app import PASSWORD
from tests.utils.live import free_port
from tests.utils.processes import ROOT, backend_env, process
from tests.utils.provider import ProviderControl

REDIS_URL = os.environ.get("TEST_REDIS_URL")
STORY = {"primary_character": "Ada", "secondary_character": "Grace"}


def parent_pid(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_several_workers_refuse_to_start_without_redis(tmp_path: Path) -> None:
    env = backend_env(f"sqlite:///{tmp_path}/workers.db", provider_port=9, port=free_port())
    env.pop("REDIS_URL", None)
    env["WORKERS"] = "2"
    finished = subprocess.run(
        [sys.executable, "-m", "backend"], cwd=ROOT, env=env, capture_output=True, timeout=120
    )
    assert finished.returncode == 2
    assert finished.stderr.decode().strip().splitlines() == [
        "fastapillm: WORKERS above 1 needs REDIS_URL: the workers share rate limits through Redis"
    ]


@pytest.mark.parametrize("redis_url", [REDIS_URL] if REDIS_URL else [])
async def test_two_workers_share_one_port_and_their_rate_limits(
    database_url: str,
    provider: RunningProvider,
    provider_control: ProviderControl,
    redis_url: str,
) -> None:
    port = free_port()
    env = backend_env(database_url, provider.port, port)
    env.update(
        WORKERS="2",
        REDIS_URL=redis_url,
        RATE_LIMIT_ENABLED="true",
        RATE_LIMIT_GENERATION="6/minute",
        RATE_LIMIT_KEY_PREFIX=f"workers-{uuid.uuid4().hex[:8]}",
    )
    base = f"http://127.0.0.1:{port}"
    with process(["-m", "backend"], env, f"{base}/health") as server:
        # /health answered from one worker; on a loaded machine the other may still be
        # starting, and then it would take no requests
        await registered_instances(database_url, count=2)
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            registered = await client.post(
                "/api/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
            )
            assert registered.status_code == 201, registered.text
            client.headers["Authorization"] = f"Bearer {registered.json()['access_token']}"
            # ten at once, each on its own connection, so both workers take some
            responses = await asyncio.gather(
                *(
                    client.post("/api/langchain", json=STORY, headers={"Connection": "close"})
                    for _ in range(10)
                )
            )
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200] * 6 + [429] * 4
        assert len(provider_control.requests()) == 6

        workers = await registered_instances(database_url, count=2)
        assert len(workers) == 2
        assert all(parent_pid(pid) == server.pid for pid in workers)


async def registered_instances(database_url: str, count: int) -> list[int]:
    """The pids in app_instances, once there are `count` of them (or after 60 s)."""
    engine = create_async_engine(async_database_url(database_url))
    try:
        for _ in range(300):
            async with engine.connect() as connection:
                found = (await connection.execute(text("SELECT pid FROM app_instances"))).scalars()
                pids = sorted(found)
            if len(pids) >= count:
                return pids
            await asyncio.sleep(0.2)
        return pids
    finally:
        await engine.dispose()
