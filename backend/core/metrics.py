"""Prometheus metrics of one process: HTTP traffic, provider calls, streams, generations and the
database pool.

Each app gets its own registry (tests build many apps in one process; the global default one
would collide). Provider-call figures are recorded where a ledger row is completed, so the
counters and the ledger agree by construction; the ledger stays the source of cost truth, the
counters are for dashboards and alerts. Each replica or worker serves its own figures:
Prometheus scrapes each and sums.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

PROVIDER_LABELS = ("framework", "operation", "provider", "model")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.http_requests = Counter(
            "fastapillm_http_requests_total",
            "HTTP requests answered, by route template (not the raw path) and status.",
            ("method", "route", "status"),
            registry=registry,
        )
        self.http_duration = Histogram(
            "fastapillm_http_request_duration_seconds",
            "Time from the request's arrival to its response's last byte (a stream's whole life).",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.provider_calls = Counter(
            "fastapillm_provider_calls_total",
            "Provider call attempts that reached the provider, by outcome (one per ledger row).",
            (*PROVIDER_LABELS, "status"),
            registry=registry,
        )
        self.provider_retries = Counter(
            "fastapillm_provider_retries_total",
            "Attempts after the first of a provider call (retries that reached the provider).",
            PROVIDER_LABELS,
            registry=registry,
        )
        self.provider_tokens = Counter(
            "fastapillm_provider_tokens_total",
            "Tokens of provider calls, by kind (input, output, cached).",
            (*PROVIDER_LABELS, "kind"),
            registry=registry,
        )
        self.provider_cost = Counter(
            "fastapillm_provider_cost_usd_total",
            "Cost of provider calls in US dollars (the ledger holds the exact figures).",
            PROVIDER_LABELS,
            registry=registry,
        )
        self.provider_latency = Histogram(
            "fastapillm_provider_call_duration_seconds",
            "Provider call attempts' latency.",
            ("framework", "provider", "model"),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.streams_in_flight = Gauge(
            "fastapillm_streams_in_flight",
            "Server-sent event streams open now.",
            registry=registry,
        )

    def watch(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """A gauge read at scrape time (the database pool, the generations in flight)."""
        Gauge(name, documentation, registry=self.registry).set_function(read)

    def watch_load(
        self,
        *,
        pool_checked_out: Callable[[], float],
        in_flight: Callable[[], float],
        working: Callable[[], float],
    ) -> None:
        """The platform's load gauges: database connections in use and generations running."""
        self.watch(
            "fastapillm_db_pool_checked_out",
            "Database connections in use now (none is held while a model works).",
            pool_checked_out,
        )
        self.watch(
            "fastapillm_generations_in_flight",
            "Generations running now (MAX_IN_FLIGHT_GENERATIONS bounds them).",
            in_flight,
        )
        self.watch(
            "fastapillm_generations_working",
            "Generations doing the platform's own work now, not waiting on a provider "
            "(MAX_WORKING_GENERATIONS bounds them).",
            working,
        )

    def provider_call(
        self,
        *,
        framework: str,
        operation: str,
        provider: str,
        model: str,
        status: str,
        attempt: int,
        input_tokens: int,
        output_tokens: int,
        cached_tokens: int,
        cost_usd: Decimal,
        latency_ms: float,
    ) -> None:
        labels = {
            "framework": framework,
            "operation": operation,
            "provider": provider,
            "model": model,
        }
        self.provider_calls.labels(**labels, status=status).inc()
        if attempt > 1:
            self.provider_retries.labels(**labels).inc()
        for kind, count in (
            ("input", input_tokens),
            ("output", output_tokens),
            ("cached", cached_tokens),
        ):
            self.provider_tokens.labels(**labels, kind=kind).inc(count)
        self.provider_cost.labels(**labels).inc(float(cost_usd))
        self.provider_latency.labels(framework=framework, provider=provider, model=model).observe(
            latency_ms / 1000
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
