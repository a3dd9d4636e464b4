"""Load on the platform as a real server, beside the same load sent straight to the provider.

Three processes: the test provider (`python -m backend.testprovider`), the platform
(`python -m backend`, one process unless `--workers`) and this script, the load client (aiohttp,
so that the client is not the bottleneck). Every figure for the platform has its reference,
measured in the same run with the same client against the provider directly:

  burst       N concurrent `POST /api/chat/langchain` at 1 s upstream (reference: N concurrent
              completions): success, p50/p99, what failed and how
  open loop   a fixed arrival rate for a while at 1.5 s upstream, whatever the answers do:
              success, p50/p99, the slowest answer, 503s, the server's peak resident memory
  cpu         the server process's CPU time per story request, per framework, at 0 upstream
              latency (reference: the provider's CPU per completion)
  latency     p50 added over sockets, one request at a time (a LangChain story vs a completion)
  ttft        time to the first streamed token (a streamed LangChain story vs a streamed
              completion's first content chunk)

Run: `python -m bench.load [--database-url postgresql://...] [--burst 1500] [--rates 200,500]
[--seconds 30] [--only burst,open,cpu,latency,ttft]`. It prints a table; the README keeps the
figures of one run on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.processes import process
from tests.utils.live import free_port

PASSWORD = "bench horse battery 9 staple"  # noqa: S105 (a throw-away benchmark account)
STORY = {"primary_character": "Ada", "secondary_character": "Grace", "length": "short"}
COMPLETION = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "Write a short story about Ada and Grace."}],
    "max_tokens": 64,
}
CHAT = {"message": "Tell me a short story about a lighthouse."}
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)  # successes
    answered_ms: list[float] = field(default_factory=list)  # every answer, refusals included
    statuses: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    first_error: str | None = None  # the body of the first answer that was not a 200

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    def success(self) -> float:
        return 100.0 * self.statuses["200"] / self.sent if self.sent else 0.0

    def within(self, ms: float) -> float:
        """The share of requests answered (whatever the answer) within `ms`."""
        return 100.0 * sum(1 for t in self.answered_ms if t <= ms) / self.sent if self.sent else 0

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its reaped children (a worker pool's too)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICKS


def tree_cpu_seconds(pid: int) -> float:
    """The process and its live children (workers)."""
    total = cpu_seconds(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        total += tree_cpu_seconds(int(child))
    return total


def rss_mib(pid: int) -> float:
    """Resident memory of the process and its live children (workers), each counted once."""
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1]) / 1024
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        total += rss_mib(int(child))
    return total


async def timed(
    session: aiohttp.ClientSession,
    url: str,
    body: dict[str, Any],
    results: Results,
    headers: dict[str, str],
    retries: int = 0,
) -> None:
    """One request; with `retries`, a 503 is sent again after its Retry-After, as a polite
    client would, and the time counts from the first try."""
    started = time.perf_counter()
    for attempt in range(retries + 1):
        retry_after = None
        try:
            async with session.post(url, json=body, headers=headers) as response:
                answer = await response.read()
                status = str(response.status)
                retry_after = response.headers.get("Retry-After")
                if status != "200" and results.first_error is None:
                    results.first_error = answer[:300].decode(errors="replace")
        except TimeoutError:
            status = "timeout"
        except aiohttp.ClientError as exc:
            status = type(exc).__name__
        if status != "503" or retry_after is None or attempt == retries:
            break
        results.retries += 1
        await asyncio.sleep(float(retry_after))
    elapsed = (time.perf_counter() - started) * 1000
    results.statuses[status] += 1
    results.answered_ms.append(elapsed)
    if status == "200":
        results.latencies_ms.append(elapsed)


def client_session(timeout: float = 60) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, force_close=False),
        timeout=aiohttp.ClientTimeout(total=timeout),
    )


async def burst(
    url: str, body: dict[str, Any], count: int, headers: dict[str, str], retries: int = 0
) -> Results:
    results = Results()
    async with client_session() as session:
        await asyncio.gather(
            *(timed(session, url, body, results, headers, retries) for _ in range(count))
        )
    return results


async def open_loop(
    url: str,
    body: dict[str, Any],
    rate: int,
    seconds: float,
    headers: dict[str, str],
    pid: int | None,
) -> tuple[Results, float]:
    """Arrivals at a fixed rate whatever the answers do; the peak RSS of `pid` meanwhile."""
    results = Results()
    peak = 0.0
    async with client_session() as session:
        tasks = []
        started = time.perf_counter()
        for n in range(int(rate * seconds)):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(timed(session, url, body, results, headers)))
            if pid is not None and n % max(1, rate // 10) == 0:
                peak = max(peak, rss_mib(pid))
        while not all(task.done() for task in tasks):
            if pid is not None:
                peak = max(peak, rss_mib(pid))
            await asyncio.sleep(0.1)
    return results, peak


async def sequential(
    url: str, body: dict[str, Any], count: int, headers: dict[str, str]
) -> Results:
    results = Results()
    async with client_session() as session:
        for _ in range(count):
            await timed(session, url, body, results, headers)
    return results


async def first_token_ms(
    url: str, body: dict[str, Any], headers: dict[str, str], marker: bytes, count: int
) -> list[float]:
    samples = []
    async with client_session() as session:
        for _ in range(count):
            started = time.perf_counter()
            async with session.post(url, json=body, headers=headers) as response:
                assert response.status == 200, await response.text()
                first = None
                async for line in response.content:
                    if first is None and marker in line:
                        first = (time.perf_counter() - started) * 1000
                samples.append(first if first is not None else float("nan"))
    return samples


async def configure(provider_root: str, **config: Any) -> None:
    """Forget earlier requests (the provider keeps them all), then set the latency."""
    async with client_session() as session:
        async with session.post(f"{provider_root}/_control/reset") as response:
            assert response.status in (200, 204)
        async with session.post(f"{provider_root}/_control/config", json=config) as response:
            assert response.status == 200


async def sign_in(base: str) -> dict[str, str]:
    async with client_session() as session:
        async with session.post(
            f"{base}/api/auth/register", json={"email": "load@bench.example", "password": PASSWORD}
        ) as response:
            token = (await response.json())["access_token"]
        async with session.post(
            f"{base}/api/auth/api-keys",
            json={"name": "load"},
            headers={"Authorization": f"Bearer {token}"},
        ) as response:
            payload = await response.json()
    return {"Authorization": f"Bearer {payload['key']}"}


def platform_env(
    provider_url: str, provider_name: str, database_url: str, port: int
) -> dict[str, str]:
    """The platform's environment for a benchmark: this one's, with the provider, database and
    port given, rate limits off (the load is one account) and short stories."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PROVIDER_", "DATABASE_"))},
        "PROVIDER_API_BASE_URL": provider_url,
        "PROVIDER_API_KEY": "sk-bench",
        "PROVIDER_MODEL": "gpt-4o-mini",
        "PROVIDER_NAME": provider_name,
        "DATABASE_URL": database_url,
        "RATE_LIMIT_ENABLED": "false",
        "ACCESS_TOKEN_MINUTES": "600",
        "PORT": str(port),
        "STORY_MAX_TOKENS": "64",
    }


def row(label: str, platform: str, reference: str) -> None:
    print(f"{label:<46} {platform:>34} {reference:>28}")


def summary(results: Results) -> str:
    failed = ", ".join(f"{k}: {v}" for k, v in sorted(results.statuses.items()) if k != "200")
    p50, p99 = results.quantile(0.5), results.quantile(0.99)
    text = f"{results.success():.1f}% ok, p50 {p50:.0f} p99 {p99:.0f} ms"
    return text + (f" ({failed})" if failed else "")


async def run(args: argparse.Namespace) -> None:
    provider_port, app_port = free_port(), free_port()
    provider_root = f"http://127.0.0.1:{provider_port}"
    base = f"http://127.0.0.1:{app_port}"
    with tempfile.TemporaryDirectory() as scratch:
        database_url = args.database_url or f"sqlite:///{scratch}/load.db"
        if args.database_url:
            from bench.cost_report import recreate_database  # the same drop-and-create

            await recreate_database(args.database_url)
        env = {
            **platform_env(f"{provider_root}/v1", "test-provider", database_url, app_port),
            **({"WORKERS": str(args.workers)} if args.workers else {}),
            **({"REDIS_URL": args.redis_url} if args.workers > 1 else {}),
            **dict(setting.split("=", 1) for setting in args.setting),
        }
        py = sys.executable
        with (
            process(
                [py, "-m", "backend.testprovider", "--port", str(provider_port)],
                env,
                f"{provider_root}/v1/models",
            ) as provider,
            process([py, "-m", "backend"], env, f"{base}/health") as app,
        ):
            headers = await sign_in(base)
            direct = f"{provider_root}/v1/chat/completions"
            engine = "PostgreSQL" if args.database_url else "SQLite"
            print(f"platform pid {app.pid} on {engine}; {os.cpu_count()} cores\n")
            row("measure", "platform", "direct to the provider")
            only = set(args.only.split(","))
            if "burst" in only:
                await configure(provider_root, latency_ms=1000, reply_words=40)
                reference = await burst(direct, COMPLETION, args.burst, {})
                platform = await burst(f"{base}/api/chat/langchain", CHAT, args.burst, headers)
                row(f"burst {args.burst} chat, 1 s upstream", summary(platform), summary(reference))
                row("  answered within 3 s", f"{platform.within(3000):.1f}%", "")
                polite = await burst(
                    f"{base}/api/chat/langchain", CHAT, args.burst, headers, retries=30
                )
                row(
                    f"  the same, clients retrying after Retry-After ({polite.retries} retries)",
                    summary(polite),
                    "",
                )
            if "open" in only:
                for rate in (int(r) for r in args.rates.split(",")):
                    await configure(provider_root, latency_ms=1500, reply_words=40)
                    reference, _ = await open_loop(direct, COMPLETION, rate, args.seconds, {}, None)
                    platform, peak = await open_loop(
                        f"{base}/api/chat/langchain", CHAT, rate, args.seconds, headers, app.pid
                    )
                    row(
                        f"open loop {rate}/s x {args.seconds:.0f} s, 1.5 s upstream",
                        summary(platform),
                        summary(reference),
                    )
                    row(
                        "  slowest answer ms, peak RSS MiB",
                        f"{max(platform.answered_ms, default=0):.0f}, {peak:.0f}",
                        f"{max(reference.answered_ms, default=0):.0f}",
                    )
                    row(
                        "  answered within 3 s",
                        f"{platform.within(3000):.1f}%",
                        f"{reference.within(3000):.1f}%",
                    )
            await configure(provider_root, latency_ms=0, reply_words=40)
            # Past an overload the server refuses for up to a second more (its measured
            # backlog stays fresh that long); the figures below are for a quiet server.
            await asyncio.sleep(2)
            if "cpu" in only:
                for framework in ("semantic-kernel", "langchain", "langgraph"):
                    before, provider_before = tree_cpu_seconds(app.pid), cpu_seconds(provider.pid)
                    done = await burst_closed(
                        f"{base}/api/{framework}", STORY, args.cpu_requests, 8, headers
                    )
                    used = (tree_cpu_seconds(app.pid) - before) * 1000 / done
                    calls = (cpu_seconds(provider.pid) - provider_before) * 1000 / done
                    row(
                        f"cpu per {framework} story request ms",
                        f"{used:.1f}",
                        f"provider {calls:.1f} per story",
                    )
                before = cpu_seconds(provider.pid)
                done = await burst_closed(direct, COMPLETION, args.cpu_requests, 8, {})
                row(
                    "cpu per completion, the provider itself ms",
                    "",
                    f"{(cpu_seconds(provider.pid) - before) * 1000 / done:.1f}",
                )
            if "latency" in only:
                reference = await sequential(direct, COMPLETION, args.sequential, {})
                platform = await sequential(
                    f"{base}/api/langchain", STORY, args.sequential, headers
                )
                added = platform.quantile(0.5) - reference.quantile(0.5)
                row(
                    "p50 one at a time, LangChain story ms",
                    f"{platform.quantile(0.5):.1f} (+{added:.1f})",
                    f"{reference.quantile(0.5):.1f}",
                )
            if "ttft" in only:
                await configure(
                    provider_root, latency_ms=0, reply_words=40, stream_chunk_delay_ms=5
                )
                reference_ttft = await first_token_ms(
                    direct, {**COMPLETION, "stream": True}, {}, b'"content"', args.sequential // 4
                )
                platform_ttft = await first_token_ms(
                    f"{base}/api/langchain/stream",
                    STORY,
                    headers,
                    b"event: token",
                    args.sequential // 4,
                )
                p, r = statistics.median(platform_ttft), statistics.median(reference_ttft)
                row("time to first token, median ms", f"{p:.1f} (+{p - r:.1f})", f"{r:.1f}")


async def burst_closed(
    url: str, body: dict[str, Any], total: int, concurrency: int, headers: dict[str, str]
) -> int:
    """`total` requests, `concurrency` at a time; returns how many succeeded."""
    results = Results()
    async with client_session() as session:
        remaining = iter(range(total))

        async def worker() -> None:
            for _ in remaining:
                await timed(session, url, body, results, headers)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    if results.statuses["200"] != total:
        raise RuntimeError(
            f"requests failed at 0 latency: {dict(results.statuses)}: {results.first_error}"
        )
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--database-url", help="PostgreSQL to use (dropped and re-created); SQLite otherwise"
    )
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379", help="for --workers above 1"
    )
    parser.add_argument("--burst", type=int, default=1500)
    parser.add_argument("--rates", default="200,500")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--cpu-requests", type=int, default=300)
    parser.add_argument("--sequential", type=int, default=200)
    parser.add_argument("--only", default="burst,open,cpu,latency,ttft")
    parser.add_argument(
        "--setting", action="append", default=[], help="NAME=VALUE for the platform, repeatable"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
