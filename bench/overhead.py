"""What each framework adds on top of a direct OpenAI SDK call.

Against the project's test provider, in its own process, with zero latency (so the numbers are
framework and platform overhead, not model time), measured in one run on this machine:

  direct   one `AsyncOpenAI.chat.completions.create` call, plain SDK client
  <fw>     `write_story` through Semantic Kernel / LangChain / LangGraph on the shared client
           (retrying, recording transport included)
  http     POST /api/<fw> through the whole app: token check (a session look-up), validation,
           framework, pricing, ledger and story written to SQLite, response serialised

Run: `make bench` (or `python -m bench.overhead --iterations 200`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam

from backend.core.config import Settings
from backend.core.logging import configure_logging
from backend.frameworks import GenerationSettings, build_frameworks
from backend.frameworks.stories.base import StoryBrief, StoryFramework
from backend.llm.client import build_openai_client
from backend.llm.provider import ProviderConfig
from backend.llm.retry import RetryPolicy
from backend.main import create_app
from bench.processes import test_provider
from tests.utils.live import free_port

MODEL = "gpt-4o-mini"
PATHS = {"semantic_kernel": "semantic-kernel", "langchain": "langchain", "langgraph": "langgraph"}


async def measure(call: Callable[[], Awaitable[object]], iterations: int) -> list[float]:
    for _ in range(max(5, iterations // 10)):  # warm-up: connections, caches, lazy imports
        await call()
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


async def run(iterations: int) -> None:
    configure_logging("ERROR")
    results: dict[str, list[float]] = {}
    # The provider in its own process: sharing this interpreter's lock, its own work swung the
    # direct call's baseline between 2.6 and 6.6 ms.
    with test_provider(free_port(), dict(os.environ)) as provider_url:
        await measure_all(provider_url, iterations, results)
    report(results, iterations)


async def measure_all(provider_url: str, iterations: int, results: dict[str, list[float]]) -> None:
    direct = AsyncOpenAI(base_url=provider_url, api_key="bench", max_retries=0)
    messages: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "Write a story about Alice and Bob."}
    ]
    results["direct"] = await measure(
        lambda: direct.chat.completions.create(
            model=MODEL,
            messages=messages,
            max_tokens=64,
        ),
        iterations,
    )
    await direct.close()

    config = ProviderConfig(name="bench", model=MODEL, base_url=provider_url, api_key="bench")
    shared = build_openai_client(
        config, RetryPolicy(), timeout_seconds=30, connect_timeout_seconds=5
    )
    frameworks = build_frameworks(
        shared, GenerationSettings(model=MODEL, max_tokens=64, temperature=0.7)
    )
    brief = StoryBrief("Alice", "Bob")
    for framework_name, framework in frameworks.items():

        async def write(framework: StoryFramework = framework) -> None:
            await framework.write_story(brief)  # no ledger here: the framework alone

        results[framework_name.value] = await measure(write, iterations)
    await shared.close()

    with tempfile.TemporaryDirectory() as data:
        settings = Settings(
            _env_file=None,
            provider_api_base_url=provider_url,
            provider_model=MODEL,
            provider_name="bench",
            database_url=f"sqlite+aiosqlite:///{Path(data) / 'bench.db'}",
            story_max_tokens=64,
            serve_frontend=False,
            log_level="ERROR",
            rate_limit_enabled=False,  # measure the path, not the 15/minute budget
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
                registered = await client.post(
                    "/api/auth/register",
                    json={"email": "bench@example.com", "password": "bench horse battery 9"},
                )
                registered.raise_for_status()
                token = registered.json()["access_token"]
                client.headers["Authorization"] = f"Bearer {token}"
                body = {"primary_character": "Alice", "secondary_character": "Bob"}
                for name, path in PATHS.items():

                    async def post(path: str = path) -> None:
                        response = await client.post(f"/api/{path}", json=body)
                        response.raise_for_status()

                    results[f"http {name}"] = await measure(post, iterations)


def report(results: dict[str, list[float]], iterations: int) -> None:
    base = statistics.median(results["direct"])
    print(f"iterations per row: {iterations}; test provider latency: 0 ms")
    print(f"{'path':<22}{'calls':>6}{'median ms':>11}{'p95 ms':>9}{'added ms':>10}{'ratio':>7}")
    for name, samples in results.items():
        calls = 2 if name.endswith("langgraph") else 1
        median = statistics.median(samples)
        added = median - base * calls
        print(
            f"{name:<22}{calls:>6}{median:>11.2f}{p95(samples):>9.2f}"
            f"{added:>10.2f}{median / (base * calls):>7.2f}"
        )
    print("added ms = median minus the direct call's median times the provider calls made")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--iterations", type=int, default=200)
    asyncio.run(run(parser.parse_args().iterations))


if __name__ == "__main__":
    main()
