"""Chaos: the primary provider fails 30% of its calls at random, a healthy fallback stands by.

Three kinds of process, as in bench/load.py: two test providers (the primary answering 429,
500, 502, 503 or a dropped connection to a random 30% of requests; the fallback always well),
the platform (`python -m backend` with `PROVIDER_FALLBACKS` naming the second, every other
setting at its default: retries, backoff, circuit breaker) and this load client. Users ask for
stories and chat replies, a few at a time, and the script prints:

  - how many succeeded (issue 10's goal: at least 99.9%);
  - how many requests each provider received, and how many ledger rows there are: every
    request either provider received must be exactly one row, whatever happened to it.

Run: `python -m bench.chaos [--requests 1000] [--concurrency 20] [--fault-rate 0.3]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from collections import Counter

from bench.load import (
    CHAT,
    STORY,
    Results,
    client_session,
    configure,
    platform_env,
    sign_in,
    timed,
)
from bench.processes import process
from tests.utils.live import free_port


async def provider_requests(root: str) -> int:
    async with client_session() as session, session.get(f"{root}/_control/requests") as got:
        return len(await got.json())


async def run(args: argparse.Namespace) -> None:
    primary_port, fallback_port, app_port = free_port(), free_port(), free_port()
    primary, fallback = f"http://127.0.0.1:{primary_port}", f"http://127.0.0.1:{fallback_port}"
    base = f"http://127.0.0.1:{app_port}"
    with tempfile.TemporaryDirectory() as scratch:
        database = f"{scratch}/chaos.db"
        env = {
            **platform_env(f"{primary}/v1", "primary", f"sqlite:///{database}", app_port),
            "PROVIDER_FALLBACKS": json.dumps(
                [
                    {
                        "base_url": f"{fallback}/v1",
                        "model": "gpt-4o-mini",
                        "name": "fallback",
                        "api_key": "sk-bench",
                    }
                ]
            ),
        }
        py = sys.executable
        with (
            process(
                [py, "-m", "backend.testprovider", "--port", str(primary_port)],
                env,
                f"{primary}/v1/models",
            ),
            process(
                [py, "-m", "backend.testprovider", "--port", str(fallback_port)],
                env,
                f"{fallback}/v1/models",
            ),
            process([py, "-m", "backend"], env, f"{base}/health"),
        ):
            headers = await sign_in(base)
            await configure(
                primary,
                latency_ms=args.latency_ms,
                reply_words=40,
                fault_rate=args.fault_rate,
                fault_seed=args.seed,
            )
            await configure(fallback, latency_ms=args.latency_ms, reply_words=40)
            results = Results()
            kinds: Counter[str] = Counter()
            paths = [("/api/langchain", STORY), ("/api/chat/langgraph", CHAT)]
            paths += [("/api/semantic-kernel", STORY)]
            started = time.perf_counter()
            async with client_session(timeout=300) as session:
                pending = iter(range(args.requests))

                async def user() -> None:
                    for n in pending:
                        path, body = paths[n % len(paths)]
                        kinds[path] += 1
                        await timed(session, f"{base}{path}", body, results, headers)

                await asyncio.gather(*(user() for _ in range(args.concurrency)))
            seconds = time.perf_counter() - started
            sent = {"primary": await provider_requests(primary)}
            sent["fallback"] = await provider_requests(fallback)
        rows = ledger_rows(database)
    report(args, results, kinds, sent, rows, seconds)


def ledger_rows(database: str) -> dict[tuple[str, str], int]:
    with sqlite3.connect(database) as connection:
        found = connection.execute(
            "SELECT provider, status, count(*) FROM llm_calls GROUP BY provider, status"
        ).fetchall()
    return {(provider, status): count for provider, status, count in found}


def report(
    args: argparse.Namespace,
    results: Results,
    kinds: Counter[str],
    sent: dict[str, int],
    rows: dict[tuple[str, str], int],
    seconds: float,
) -> None:
    ok = results.statuses["200"]
    print(
        f"{results.sent} requests ({', '.join(f'{n} {p}' for p, n in kinds.items())}), "
        f"{args.concurrency} at a time, primary failing {args.fault_rate:.0%} at random, "
        f"{seconds:.0f} s\n"
    )
    failed = {k: v for k, v in results.statuses.items() if k != "200"}
    print(f"succeeded: {ok} of {results.sent} = {100 * ok / results.sent:.2f}%  {failed or ''}")
    print(f"p50 {results.quantile(0.5):.0f} ms, p99 {results.quantile(0.99):.0f} ms")
    for provider in ("primary", "fallback"):
        statuses = {s: n for (p, s), n in sorted(rows.items()) if p == provider}
        print(
            f"{provider}: received {sent[provider]} requests; ledger rows "
            f"{sum(statuses.values())} {statuses}"
        )
    total_rows, total_sent = sum(rows.values()), sum(sent.values())
    verdict = "one row per provider request" if total_rows == total_sent else "MISMATCH"
    print(f"ledger: {total_rows} rows for {total_sent} provider requests: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--seed", type=int, default=1)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
