"""What a response cache hit costs over a plain authenticated GET.

Through the whole app in this process (token check, validation, the cache look-up, the new
story and its `cached` ledger row written in one transaction, the response serialised),
against the project's test provider in its own process, measured in one run on this machine:

  get        GET /api/auth/me: the plain authenticated request a hit is compared with
  hit        POST /api/langchain {"cache": true}, answered from the cache
  miss       POST /api/langchain {"cache": true} with a new brief each time: generated (the
             test provider answers at once) and cached

Run: `.venv/bin/python -m bench.cache` (`--iterations`, `--database-url`, `--redis-url`).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import tempfile
from pathlib import Path

import httpx

from backend.core.config import Settings
from backend.core.logging import configure_logging
from backend.main import create_app
from bench.overhead import measure, p95
from bench.processes import test_provider
from tests.utils.live import free_port

MODEL = "gpt-4o-mini"


async def run(iterations: int, database_url: str | None, redis_url: str | None) -> None:
    configure_logging("ERROR")
    with (
        test_provider(free_port(), dict(os.environ)) as provider_url,
        tempfile.TemporaryDirectory() as data,
    ):
        settings = Settings(
            _env_file=None,
            provider_api_base_url=provider_url,
            provider_model=MODEL,
            provider_name="bench",
            database_url=database_url or f"sqlite+aiosqlite:///{Path(data) / 'bench.db'}",
            redis_url=redis_url,
            story_max_tokens=64,
            serve_frontend=False,
            log_level="ERROR",
            rate_limit_enabled=False,  # measure the path, not the 15/minute budget
        )
        results = await measure_app(settings, iterations)
    report(results, iterations, settings)


async def measure_app(settings: Settings, iterations: int) -> dict[str, list[float]]:
    app = create_app(settings)
    results: dict[str, list[float]] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
            registered = await client.post(
                "/api/auth/register",
                json={"email": "bench@example.com", "password": "bench horse battery 9"},
            )
            registered.raise_for_status()
            client.headers["Authorization"] = f"Bearer {registered.json()['access_token']}"
            body = {"primary_character": "Alice", "secondary_character": "Bob", "cache": True}
            first = await client.post("/api/langchain", json=body)
            first.raise_for_status()

            async def get() -> None:
                (await client.get("/api/auth/me")).raise_for_status()

            async def hit() -> None:
                response = await client.post("/api/langchain", json=body)
                response.raise_for_status()
                assert response.json()["cached"], "a repeated request was not a cache hit"

            names = (f"Carol {n}" for n in itertools.count())

            async def miss() -> None:
                fresh = {**body, "secondary_character": next(names)}
                response = await client.post("/api/langchain", json=fresh)
                response.raise_for_status()
                assert not response.json()["cached"]

            # Interleaved rounds, so a drift of the machine touches every path alike.
            for _ in range(3):
                for name, call in (("get", get), ("hit", hit), ("miss", miss)):
                    results.setdefault(name, []).extend(await measure(call, iterations // 3))
    return results


def report(results: dict[str, list[float]], iterations: int, settings: Settings) -> None:
    store = "redis" if settings.redis_url else "database"
    database = settings.database_url.split(":", 1)[0]
    base = statistics.median(results["get"])
    print(f"requests per row: {iterations}; store: {store}; database: {database}")
    print(f"{'path':<8}{'median ms':>11}{'p95 ms':>9}{'added ms':>10}")
    for name, samples in results.items():
        median = statistics.median(samples)
        print(f"{name:<8}{median:>11.2f}{p95(samples):>9.2f}{median - base:>10.2f}")
    print("added ms = median minus the plain authenticated GET's median")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.iterations, arguments.database_url, arguments.redis_url))


if __name__ == "__main__":
    main()
