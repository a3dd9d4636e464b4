"""The real thing: each framework on the embedded SmolLM2 model, through the whole app, with
no provider configured. Outputs are short and odd, but real, with real token counts."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from backend.core.config import Settings
from tests.utils.app import PASSWORD, AppClient, open_client
from tests.utils.live import free_port
from tests.utils.processes import process
from tests.utils.stories import FRAMEWORK_PATHS, generate

REDIS_URL = os.environ.get("TEST_REDIS_URL")

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
async def embedded_client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AppClient]:
    database = tmp_path_factory.mktemp("embedded") / "embedded.db"
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{database}",
        story_max_tokens=32,
        serve_frontend=False,
    )
    assert settings.uses_embedded_model
    async with open_client(settings) as client:
        yield client


async def test_provider_is_the_embedded_model(embedded_client: AppClient) -> None:
    body = (await embedded_client.get("/api/provider")).json()
    assert body == body | {
        "provider": "embedded",
        "model": "SmolLM2-135M-Instruct",
        "embedded": True,
        "base_url": None,
    }


@pytest.mark.parametrize("framework", list(FRAMEWORK_PATHS))
async def test_each_framework_writes_a_story_on_the_embedded_model(
    embedded_client: AppClient, framework: str
) -> None:
    response = await generate(embedded_client, framework, "Alice", "Bob")
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["story"].split()) >= 3
    assert body["provider"] == "embedded"
    assert body["estimated_cost_usd"] == 0
    calls = body["calls"]
    assert len(calls) == (2 if framework == "langgraph" else 1)
    for call in calls:
        assert call["status"] == "ok"
        assert call["tokens_estimated"] is False
        assert call["input_tokens"] > 10
        assert 0 < call["output_tokens"] <= 32  # the cap reached llama.cpp
    assert body["total_tokens"] == sum(c["input_tokens"] + c["output_tokens"] for c in calls)


async def test_embedded_spend_is_zero_in_the_ledger(embedded_client: AppClient) -> None:
    usage = (await embedded_client.get("/api/cost/usage")).json()["summary"]
    assert usage["total_requests"] >= 1
    assert Decimal(usage["total_cost_exact"]) == 0


async def test_a_comparison_streams_all_three_on_the_embedded_model(
    embedded_client: AppClient,
) -> None:
    """Three concurrent upstream streams: llama.cpp's server would abort all but the newest
    unless started with --interrupt_requests False."""
    response = await embedded_client.post(
        "/api/compare", json={"primary_character": "Ada", "secondary_character": "Grace"}
    )
    assert response.status_code == 200
    events = [
        (block.split("\n")[0].removeprefix("event: "), block)
        for block in response.text.replace("\r\n", "\n").split("\n\n")
        if block.startswith("event: ")
    ]
    names = [name for name, _ in events]
    assert names.count("done") == 3, names
    assert "error" not in names


def descendants(pid: int) -> list[int]:
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        found += [int(child), *descendants(int(child))]
    return found


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.mark.skipif(REDIS_URL is None, reason="several workers share rate limits through Redis")
async def test_two_workers_share_one_embedded_model(tmp_path: Path) -> None:
    """WORKERS=2: the parent starts the model once; both workers generate on it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROVIDER_", "EMBEDDED_"))}
    env.update(
        PORT=str(port),
        DATABASE_URL=f"sqlite:///{tmp_path}/workers.db",
        WORKERS="2",
        REDIS_URL=REDIS_URL or "",
        RATE_LIMIT_KEY_PREFIX=f"embedded-{uuid.uuid4().hex[:8]}",
        STORY_MAX_TOKENS="16",
        SERVE_FRONTEND="false",
        LOG_LEVEL="WARNING",
    )
    base = f"http://127.0.0.1:{port}"
    with process(["-m", "backend"], env, f"{base}/health") as server:
        models = [pid for pid in descendants(server.pid) if "llama_cpp.server" in command_line(pid)]
        workers = [pid for pid in descendants(server.pid) if "multiprocessing" in command_line(pid)]
        assert len(models) == 1
        assert len(workers) >= 2
        async with httpx.AsyncClient(base_url=base, timeout=300) as client:
            registered = await client.post(
                "/api/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
            )
            client.headers["Authorization"] = f"Bearer {registered.json()['access_token']}"
            stories = await asyncio.gather(
                *(
                    client.post(
                        "/api/langchain",
                        json={"primary_character": "Ada", "secondary_character": "Grace"},
                        headers={"Connection": "close"},
                    )
                    for _ in range(2)
                )
            )
        for story in stories:
            assert story.status_code == 200, story.text
            assert story.json()["provider"] == "embedded"
            assert story.json()["calls"][0]["output_tokens"] > 0
