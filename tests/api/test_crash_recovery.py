"""A real server process killed with SIGKILL while provider calls are in flight: after a
restart, every request the provider received has exactly one ledger row; the ones that were
in flight say `interrupted`, with tokens estimated from the request, and nothing vanished."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import httpx

from tests.utils.app import PASSWORD
from tests.utils.live import free_port
from tests.utils.processes import backend_env, process

BODY = {"primary_character": "Ada", "secondary_character": "Grace"}


async def _fire(client: httpx.AsyncClient) -> list[asyncio.Task[Any]]:
    """Seven provider requests in flight: two plain stories, a streamed one, a comparison
    (SK, LangChain and LangGraph's first node) and a streamed chat turn."""

    async def streamed(path: str, body: dict[str, Any]) -> None:
        async with client.stream("POST", path, json=body) as response:
            async for _ in response.aiter_lines():
                pass

    return [
        asyncio.create_task(client.post("/api/langchain", json=BODY)),
        asyncio.create_task(client.post("/api/semantic-kernel", json=BODY)),
        asyncio.create_task(streamed("/api/langgraph/stream", BODY)),
        asyncio.create_task(streamed("/api/compare", BODY)),
        asyncio.create_task(streamed("/api/chat/langchain/stream", {"message": "hello"})),
    ]


async def test_sigkill_mid_call_leaves_one_row_per_provider_request(database_url: str) -> None:
    provider_port, port = free_port(), free_port()
    provider_url = f"http://127.0.0.1:{provider_port}"
    control = httpx.AsyncClient(base_url=provider_url, timeout=10)
    base = f"http://127.0.0.1:{port}"
    env = backend_env(database_url, provider_port, port)
    provider_args = ["-m", "backend.testprovider", "--port", str(provider_port)]
    with process(provider_args, dict(os.environ), f"{provider_url}/v1/models"):
        with process(["-m", "backend"], env, f"{base}/health") as server:
            async with httpx.AsyncClient(base_url=base, timeout=120) as client:
                registered = await client.post(
                    "/api/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
                )
                token = registered.json()["access_token"]
                client.headers["Authorization"] = f"Bearer {token}"
                finished = await client.post("/api/langchain", json=BODY)
                assert finished.status_code == 200, finished.text
                (
                    await control.post("/_control/config", json={"latency_ms": 60_000})
                ).raise_for_status()
                tasks = await _fire(client)
                for _ in range(600):
                    if len((await control.get("/_control/requests")).json()) == 8:
                        break
                    await asyncio.sleep(0.05)
                assert len((await control.get("/_control/requests")).json()) == 8
                os.kill(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
                await asyncio.gather(*tasks, return_exceptions=True)

        with process(["-m", "backend"], env, f"{base}/health"):
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                client.headers["Authorization"] = f"Bearer {token}"
                page = await client.get("/api/cost/transactions", params={"limit": 100})
                rows = sorted(page.json()["transactions"], key=lambda row: row["id"])
                usage = (await client.get("/api/cost/usage")).json()["summary"]

        received = (await control.get("/_control/requests")).json()
    await control.aclose()
    assert len(rows) == len(received) == 8
    assert [row["status"] for row in rows] == ["ok"] + ["interrupted"] * 7
    for row in rows[1:]:
        assert row["tokens_estimated"] is True
        assert row["input_tokens"] > 0
        assert row["estimated_cost_usd"] > 0  # the spend of a crashed request never vanishes
    assert sorted(row["type"] for row in rows[1:]) == (
        ["chat"] + ["comparison"] * 3 + ["story_generation"] * 3
    )
    assert usage["total_requests"] == 8
    assert usage["failed_requests"] == 7


async def test_sigkill_mid_evaluation_run_resumes_it_after_the_restart(database_url: str) -> None:
    """A run's process killed while a story is in flight: the next start takes the run up
    again, writes each story that was missing exactly once, and the one cut off is in the
    ledger as `interrupted`."""
    provider_port, port = free_port(), free_port()
    provider_url = f"http://127.0.0.1:{provider_port}"
    control = httpx.AsyncClient(base_url=provider_url, timeout=10)
    base = f"http://127.0.0.1:{port}"
    env = backend_env(database_url, provider_port, port)
    plan = {"briefs": [BODY], "frameworks": ["langchain"], "repetitions": 4, "judge": False,
            "concurrency": 1}  # fmt: skip
    provider_args = ["-m", "backend.testprovider", "--port", str(provider_port)]
    with process(provider_args, dict(os.environ), f"{provider_url}/v1/models"):
        with process(["-m", "backend"], env, f"{base}/health") as server:
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                registered = await client.post(
                    "/api/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
                )
                client.headers["Authorization"] = f"Bearer {registered.json()['access_token']}"
                run = (await client.post("/api/evaluations", json=plan)).json()
                (
                    await control.post("/_control/config", json={"latency_ms": 400})
                ).raise_for_status()
                await client.post(f"/api/evaluations/{run['id']}/start")
                for _ in range(600):  # two stories done, the third in flight
                    if len((await control.get("/_control/requests")).json()) == 3:
                        break
                    await asyncio.sleep(0.05)
                os.kill(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
                token = client.headers["Authorization"]

        with process(["-m", "backend"], env, f"{base}/health"):
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                client.headers["Authorization"] = token
                for _ in range(600):
                    status = (await client.get(f"/api/evaluations/{run['id']}")).json()
                    if status["status"] == "done":
                        break
                    await asyncio.sleep(0.05)
                items = (await client.get(f"/api/evaluations/{run['id']}/items")).json()
                ledger = (
                    await client.get(f"/api/cost/transactions/{run['transaction_guid']}")
                ).json()
        received = (await control.get("/_control/requests")).json()
    await control.aclose()
    assert status["status"] == "done"
    assert status["progress"]["done"] == 4
    assert len({item["story_id"] for item in items}) == 4
    statuses = sorted(row["status"] for row in ledger["calls"])
    assert statuses == ["interrupted"] + ["ok"] * 4
    assert len(received) == len(ledger["calls"]) == 5
