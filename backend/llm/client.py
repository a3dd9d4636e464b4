"""The one pooled `AsyncOpenAI` client every framework receives."""

from __future__ import annotations

from collections.abc import Sequence

import httpx2 as httpx
from openai import AsyncOpenAI

from backend.llm.fallback import CircuitBreakers
from backend.llm.provider import ProviderConfig
from backend.llm.retry import RetryPolicy
from backend.llm.transport import ProviderTransport


def build_openai_client(
    provider: ProviderConfig,
    policy: RetryPolicy,
    *,
    timeout_seconds: float,
    connect_timeout_seconds: float,
    max_connections: int = 50,
    max_concurrency: int | None = None,
    inner_transport: httpx.AsyncBaseTransport | None = None,
    fallbacks: Sequence[ProviderConfig] = (),
    breakers: CircuitBreakers | None = None,
    name_every_call: bool = False,
) -> AsyncOpenAI:
    """SDK retries are off (`max_retries=0`): `ProviderTransport` runs the only retry loop.
    With fallbacks, or `name_every_call` (a client for a provider other than the primary),
    every attempt names the provider that served it."""
    inner = inner_transport or httpx.AsyncHTTPTransport(
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
    )
    http_client = httpx.AsyncClient(
        transport=ProviderTransport(
            inner,
            policy,
            max_concurrency=max_concurrency,
            providers=(provider, *fallbacks) if fallbacks or name_every_call else (),
            breakers=breakers,
        ),
        timeout=httpx.Timeout(timeout_seconds, connect=connect_timeout_seconds),
    )
    return AsyncOpenAI(
        base_url=provider.base_url,
        api_key=provider.api_key,
        default_headers=provider.headers or None,
        http_client=http_client,
        max_retries=0,
    )
