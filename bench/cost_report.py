"""Cost reports at a million ledger rows on PostgreSQL.

Creates (or re-creates) its own database, starts the real app on it (`python -m backend` under
uvicorn, which runs the migrations as every start does), signs up an administrator and five
users through the API, then seeds the ledger in SQL: `--rows` calls over the last 90 days from
all three frameworks, four models on two providers, every operation, mostly `ok` with some
failed attempts and retries, one to three calls per transaction GUID, ids in time order as an
append-only ledger has them. Then it times, over real HTTP, as the administrator (everyone's
spend) and as one user (their own):

  usage        GET /api/cost/usage: last 30 days by day, the full range by day, 2 days by hour
  performance  GET /api/cost/performance (latency percentiles, cost per unit, the comparison)
  ledger       GET /api/cost/transactions: the first page, and a page 90% deep by keyset cursor
               (and, for contrast, the same depth by offset)
  transaction  GET /api/cost/transactions/{guid}
  export       GET /api/cost/export.csv of every row, uncompressed and gzipped (as a browser
               asks): rows/s and the server's memory growth

The server runs in its own process (httpx's in-process ASGI transport collects a whole
response before returning it, so it cannot show a stream's flat memory); the memory figure is
the server process's resident set (VmRSS) sampled while the export streams.

Run: `python -m bench.cost_report [--rows 1000000] [--database-url postgresql://...]`;
`--reuse` keeps an already seeded database (to compare query plans without re-seeding).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_cost"
PASSWORD = "bench horse battery 9 staple"  # noqa: S105 (a throw-away benchmark account)
EMAILS = ["admin@bench.example"] + [f"user{n}@bench.example" for n in range(1, 6)]
DAYS = 90

# One row per provider call. Transactions (t) get their user, framework, model and operation;
# a LangGraph story makes two calls (draft, polish), 8% of transactions retry once after a
# 429 or a timeout, and 1.5% of final attempts fail. Costs are whole nano-dollars from
# per-token prices (cached input at half price); the custom model has no price.
SEED = """
INSERT INTO llm_calls (
    user_id, transaction_guid, request_id, operation, framework, step, provider, model,
    attempt, status, http_status, input_tokens, output_tokens, cached_tokens,
    tokens_estimated, cost_usd, price_source, latency_ms, time_to_first_token_ms,
    error_message, created_at
)
WITH tx AS (
    SELECT t, users[1 + floor(power(r_user, 1.6) * cardinality(users))::int] AS user_id,
        (ARRAY['semantic_kernel', 'langchain', 'langgraph'])[1 + floor(r_fw * 3)::int]
            AS framework,
        CASE WHEN r_model < 0.5 THEN 1 WHEN r_model < 0.7 THEN 2
             WHEN r_model < 0.95 THEN 3 ELSE 4 END AS model_no,
        CASE WHEN r_op < 0.45 THEN 'story_generation' WHEN r_op < 0.6 THEN 'comparison'
             WHEN r_op < 0.9 THEN 'chat' ELSE 'document_run' END AS operation,
        r_retry < 0.08 AS retried
    FROM (
        SELECT t, random() AS r_user, random() AS r_fw, random() AS r_model, random() AS r_op,
            random() AS r_retry, $2::int[] AS users
        FROM generate_series(1, $1::int) AS t
    ) AS draws
),
calls AS (
    SELECT tx.*, k, row_number() OVER (ORDER BY t, k) AS rn
    FROM (
        SELECT tx.*, (CASE WHEN framework = 'langgraph'
                           AND operation IN ('story_generation', 'comparison') THEN 2 ELSE 1 END
                      + retried::int) AS n
        FROM tx
    ) AS tx
    CROSS JOIN LATERAL generate_series(1, n) AS k
    ORDER BY t, k
    LIMIT $1::int
),
shaped AS (
    SELECT calls.*,
        CASE WHEN retried AND k = 1 THEN (CASE WHEN random() < 0.7 THEN 'http_429'
                                              ELSE 'timeout' END)
             WHEN k = n AND random() < 0.015 THEN (ARRAY['http_500', 'timeout', 'cancelled',
                                                   'interrupted'])[1 + floor(random() * 4)::int]
             ELSE 'ok' END AS status,
        (ARRAY['gpt-4o-mini', 'gpt-4o', 'anthropic/claude-3.5-haiku',
               'acme/custom-13b'])[model_no] AS model,
        (ARRAY[150, 2500, 800, 0])[model_no] AS input_price,
        (ARRAY[600, 10000, 4000, 0])[model_no] AS output_price,
        CASE WHEN operation = 'document_run' THEN 1500 + floor(random() * 6000)::int
             WHEN operation = 'chat' THEN 120 + floor(random() * 2500)::int
             ELSE 90 + floor(random() * 400)::int END AS prompt,
        80 + floor(power(random(), 2) * 900)::int AS answer,
        random() AS r_cache, random() AS r_speed
    FROM calls
),
tokens AS (
    SELECT shaped.*,
        CASE WHEN status IN ('ok', 'cancelled') THEN prompt ELSE 0 END AS input_tokens,
        CASE WHEN status = 'ok' THEN answer
             WHEN status = 'cancelled' THEN answer / 3 ELSE 0 END AS output_tokens
    FROM shaped
)
SELECT user_id, md5('tx' || t)::uuid::text, md5('rq' || t), operation, framework,
    CASE WHEN framework = 'langgraph' AND operation IN ('story_generation', 'comparison')
         THEN (CASE WHEN k = n THEN 'polish' ELSE 'draft' END) END,
    CASE WHEN model_no <= 2 THEN 'openai' ELSE 'openrouter' END, model,
    CASE WHEN retried AND k <= 2 THEN k ELSE 1 END, status,
    CASE WHEN status = 'ok' THEN 200 WHEN status = 'http_429' THEN 429
         WHEN status = 'http_500' THEN 500 END,
    input_tokens, output_tokens,
    CASE WHEN operation = 'chat' AND r_cache < 0.4 THEN input_tokens * 3 / 10 ELSE 0 END,
    r_cache > 0.99,
    (input_tokens - CASE WHEN operation = 'chat' AND r_cache < 0.4
                         THEN input_tokens * 3 / 10 ELSE 0 END / 2)::bigint * input_price
        + output_tokens::bigint * output_price,
    CASE WHEN model_no = 4 THEN 'unknown' ELSE 'genai-prices' END,
    CASE WHEN status = 'timeout' THEN 30000.0
         ELSE round((250 + r_speed * 1500 + output_tokens * 9)::numeric, 1)::float8 END,
    CASE WHEN operation IN ('chat', 'comparison') AND status = 'ok'
         THEN round((120 + r_speed * 600)::numeric, 1)::float8 END,
    CASE WHEN status NOT IN ('ok', 'cancelled') THEN 'provider said ' || status END,
    $3::timestamptz + (rn::float8 / $1::int) * interval '90 days'
FROM tokens
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def plain(url: str, database: str | None = None) -> str:
    """The URL as asyncpg takes it (no `+asyncpg`), optionally naming another database."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def recreate_database(url: str) -> None:
    name = make_url(url).database
    if not name or name in {"postgres", "test", "test_lead", "test_web"}:
        raise SystemExit(f"refusing to drop database {name!r}: name a benchmark database")
    connection = await asyncpg.connect(plain(url, "postgres"))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


class Server:
    """`python -m backend` on a free port, in its own process, against the bench database."""

    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            # Never called: the bench reads reports, it generates nothing.
            "PROVIDER_API_BASE_URL": "http://127.0.0.1:9/v1",
            "PROVIDER_MODEL": "gpt-4o-mini",
            "PROVIDER_NAME": "openai",
            "RATE_LIMIT_ENABLED": "false",
            "SERVE_FRONTEND": "false",
            "LOG_LEVEL": "ERROR",
            "ACCESS_TOKEN_MINUTES": "240",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
        }
        self.process = subprocess.Popen([sys.executable, "-m", "backend"], cwd=ROOT, env=env)
        self.base_url = f"http://127.0.0.1:{self.port}"

    async def ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise SystemExit(f"the server exited with {self.process.returncode}")
                try:
                    if (await client.get("/health")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise SystemExit("the server did not start")

    def rss_kib(self) -> int:
        """The server process's resident set now."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def sign_in(client: httpx.AsyncClient, email: str, *, register: bool) -> str:
    body = {"email": email, "password": PASSWORD}
    response = await client.post("/api/auth/register" if register else "/api/auth/login", json=body)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


async def seed(url: str, rows: int, user_ids: list[int]) -> float:
    connection = await asyncpg.connect(plain(url))
    try:
        started = time.perf_counter()
        await connection.execute("SELECT setseed(0.2026)")
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=DAYS, minutes=5)
        await connection.execute(SEED, rows, user_ids, start)
        # What autovacuum does soon after a bulk load: planner statistics and the visibility
        # map (index-only scans need it).
        await connection.execute("VACUUM ANALYZE llm_calls, llm_call_days")
        return time.perf_counter() - started
    finally:
        await connection.close()


async def ledger_facts(url: str, user_id: int) -> dict[str, Any]:
    """A cursor 90% deep into everyone's ledger and into one user's, and GUIDs to look up."""
    connection = await asyncpg.connect(plain(url))
    try:
        total = await connection.fetchval("SELECT count(*) FROM llm_calls")
        mine = await connection.fetchval(
            "SELECT count(*) FROM llm_calls WHERE user_id = $1", user_id
        )

        async def cursor(where: str, depth: int, *args: Any) -> str:
            row = await connection.fetchrow(
                f"SELECT created_at, id FROM llm_calls {where} "  # noqa: S608 (constant text)
                "ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1",
                depth,
                *args,
            )
            micros = (row["created_at"] - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(
                microseconds=1
            )
            return f"{micros}-{row['id']}"

        guid = "SELECT transaction_guid FROM llm_calls {} GROUP BY 1 HAVING count(*) = 3 LIMIT 1"
        return {
            "total": total,
            "mine": mine,
            "deep_all": await cursor("", total * 9 // 10),
            "deep_mine": await cursor("WHERE user_id = $2", mine * 9 // 10, user_id),
            "guid_all": await connection.fetchval(guid.format("")),
            "guid_mine": await connection.fetchval(guid.format("WHERE user_id = $1"), user_id),
        }
    finally:
        await connection.close()


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


async def measure(call: Callable[[], Awaitable[object]], iterations: int) -> list[float]:
    """Three warm-up calls, then `iterations` timed ones (5 when a call takes over a second)."""
    warm = []
    for _ in range(3):
        started = time.perf_counter()
        await call()
        warm.append(time.perf_counter() - started)
    count = iterations if statistics.median(warm) < 1 else min(iterations, 5)
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def export(client: httpx.AsyncClient, server: Server, encoding: str) -> dict[str, float]:
    """Every row as CSV, read as it streams; `encoding` is what the client accepts (a browser
    asks for gzip, which the app's GZip middleware then does on the fly)."""
    headers = {"Accept-Encoding": encoding}
    before = server.rss_kib()
    peak = before
    lines = size = 0
    started = time.perf_counter()
    last_sample = started
    async with client.stream(
        "GET", "/api/cost/export.csv", params={"all_users": "true"}, headers=headers
    ) as res:
        res.raise_for_status()
        async for chunk in res.aiter_bytes():
            lines += chunk.count(b"\n")
            size += len(chunk)
            if time.perf_counter() - last_sample > 0.05:
                peak = max(peak, server.rss_kib())
                last_sample = time.perf_counter()
    seconds = time.perf_counter() - started
    peak = max(peak, server.rss_kib())
    rows = lines - 1  # the header
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "mib": size / 2**20,
        "sent_mib": res.num_bytes_downloaded / 2**20,
        "rss_before_mib": before / 1024,
        "rss_peak_mib": peak / 1024,
    }


async def run(args: argparse.Namespace) -> None:
    url: str = args.database_url
    if not args.reuse:
        await recreate_database(url)
    server = Server(url)
    try:
        await server.ready()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=600) as client:
            tokens = [await sign_in(client, email, register=not args.reuse) for email in EMAILS]
            ids = []
            for token in tokens:
                me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
                ids.append(me.json()["id"])
            if not args.reuse:
                took = await seed(url, args.rows, ids)
                print(f"seeded {args.rows:,} ledger rows in {took:.1f} s (VACUUM ANALYZE included)")
            user_id = ids[1]
            facts = await ledger_facts(url, user_id)
            print(
                f"ledger: {facts['total']:,} rows over {DAYS} days; the measured user has "
                f"{facts['mine']:,}"
            )
            if not args.export_only:
                results = await measure_all(client, tokens[0], tokens[1], facts, args.iterations)
                report(results, args.iterations)
            client.headers["Authorization"] = f"Bearer {tokens[0]}"
            print("\nCSV export of every row (admin):")
            for encoding in ("identity", "gzip"):
                figures = await export(client, server, encoding)
                print(
                    f"  {encoding:<9} {figures['rows']:,.0f} rows, {figures['mib']:.0f} MiB "
                    f"({figures['sent_mib']:.0f} MiB sent) in {figures['seconds']:.1f} s = "
                    f"{figures['rows_per_s']:,.0f} rows/s; server RSS "
                    f"{figures['rss_before_mib']:.0f} MiB before, "
                    f"{figures['rss_peak_mib']:.0f} MiB peak "
                    f"(+{figures['rss_peak_mib'] - figures['rss_before_mib']:.0f} MiB)"
                )
    finally:
        server.stop()


async def measure_all(
    client: httpx.AsyncClient,
    admin: str,
    user: str,
    facts: dict[str, Any],
    iterations: int,
) -> dict[str, list[float]]:
    today = datetime.now(UTC).date()

    def days(count: int) -> dict[str, str]:
        return {
            "start_date": (today - timedelta(days=count - 1)).isoformat(),
            "end_date": today.isoformat(),
        }

    results: dict[str, list[float]] = {}
    for who, token, scope, deep, guid in (
        ("admin", admin, {"all_users": "true"}, facts["deep_all"], facts["guid_all"]),
        ("user", user, {}, facts["deep_mine"], facts["guid_mine"]),
    ):
        headers = {"Authorization": f"Bearer {token}"}
        checks: list[tuple[str, str, dict[str, str]]] = [
            ("usage 30 days by day", "/api/cost/usage", {**scope, **days(30)}),
            ("usage all 90 days by day", "/api/cost/usage", scope),
            (
                "usage 2 days by hour",
                "/api/cost/usage",
                {**scope, **days(2), "granularity": "hour"},
            ),
            ("performance 30 days", "/api/cost/performance", {**scope, **days(30)}),
            ("performance all 90 days", "/api/cost/performance", scope),
            ("ledger first page", "/api/cost/transactions", {**scope, "limit": "50"}),
            (
                "ledger page 90% deep (cursor)",
                "/api/cost/transactions",
                {**scope, "limit": "50", "cursor": deep},
            ),
            (
                "ledger page 90% deep (offset)",
                "/api/cost/transactions",
                {
                    **scope,
                    "limit": "50",
                    "skip": str((facts["total"] if who == "admin" else facts["mine"]) * 9 // 10),
                },
            ),
            ("one transaction", f"/api/cost/transactions/{guid}", {}),
        ]
        for name, path, params in checks:

            async def call(
                path: str = path, params: dict[str, str] = params, headers: dict[str, str] = headers
            ) -> None:
                response = await client.get(path, params=params, headers=headers)
                response.raise_for_status()

            if path.endswith("/performance") and not await exists(client, path, headers):
                continue
            results[f"{who}: {name}"] = await measure(call, iterations)
    return results


async def exists(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> bool:
    response = await client.get(path, params={"start_date": date.max.isoformat()}, headers=headers)
    return response.status_code != 404


def report(results: dict[str, list[float]], iterations: int) -> None:
    print(f"\n{'request':<44}{'n':>4}{'median ms':>11}{'p95 ms':>9}")
    for name, samples in results.items():
        print(f"{name:<44}{len(samples):>4}{statistics.median(samples):>11.1f}{p95(samples):>9.1f}")
    print(f"n = timed requests after 3 warm-up ones ({iterations}, or 5 for calls over 1 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database")
    parser.add_argument("--export-only", action="store_true", help="time the CSV export alone")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
