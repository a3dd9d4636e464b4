"""Provider fallback and circuit breaking, under the frameworks.

A call goes to the primary provider; when its retries are exhausted on a failure worth retrying
(429, 5xx, a timeout, a dropped connection), or its circuit is open, the same call goes to the
next provider in PROVIDER_FALLBACKS, rewritten for it (its URL, key, headers and model). A
stream falls back only before its first token: once a provider has answered 200 the stream is
the caller's. Each provider has a circuit breaker (purgatory: opens after
PROVIDER_CIRCUIT_FAILURES failed calls in a row, lets calls probe after
PROVIDER_CIRCUIT_OPEN_SECONDS, closes when one succeeds), kept in Redis when REDIS_URL is set so
replicas and workers agree, in memory otherwise. It also opens when the share of failed calls
over the last PROVIDER_CIRCUIT_WINDOW_SECONDS reaches PROVIDER_CIRCUIT_FAILURE_RATE, once the
window holds PROVIDER_CIRCUIT_MIN_CALLS (llm/failure_window.py): a provider failing every other
call never fails five in a row.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx2 as httpx
from purgatory import AsyncCircuitBreakerFactory, AsyncInMemoryUnitOfWork, AsyncRedisUnitOfWork
from purgatory.domain.model import OpenedState
from purgatory.service._async.circuitbreaker import AsyncCircuitBreaker

from backend.core.logging import get_logger
from backend.llm.failure_window import FailureWindow, InMemoryFailureWindow, RedisFailureWindow
from backend.llm.provider import ProviderConfig

log = get_logger(__name__)

T = TypeVar("T")


def retarget(
    request: httpx.Request, payload: dict[str, Any], primary: ProviderConfig, to: ProviderConfig
) -> tuple[httpx.Request, dict[str, Any]]:
    """The same call for another provider."""
    base_path = httpx.URL(primary.base_url).path.rstrip("/")
    path = request.url.path
    suffix = path[len(base_path) :] if path.startswith(base_path) else path
    url = httpx.URL(to.base_url.rstrip("/") + suffix, query=request.url.query)
    rewritten = {**payload, "model": to.model}
    headers = {
        key: value
        for key, value in request.headers.items()
        if key.lower() not in {"authorization", "content-length", "host"}
        and key.lower() not in {name.lower() for name in primary.headers}
    }
    headers.update(to.headers)
    headers["Authorization"] = f"Bearer {to.api_key}"
    moved = httpx.Request(
        request.method,
        url,
        headers=headers,
        content=json.dumps(rewritten).encode(),
        extensions=dict(request.extensions),
    )
    return moved, rewritten


class _Failed(Exception):
    """Carries a failed call's outcome out through the breaker, which counts it."""

    def __init__(self, outcome: object) -> None:
        super().__init__("provider call failed")
        self.outcome = outcome


@dataclass(frozen=True)
class CircuitState:
    provider: str
    state: str  # closed, opened, half-opened
    failures: int


class CircuitBreakers:
    def __init__(
        self,
        *,
        failures: int,
        open_seconds: float,
        failure_rate: float = 0.0,
        min_calls: int = 20,
        window_seconds: float = 60.0,
        redis_url: str | None = None,
        key_prefix: str = "fastapillm",
    ) -> None:
        uow = AsyncRedisUnitOfWork(redis_url) if redis_url else AsyncInMemoryUnitOfWork()
        self._factory = AsyncCircuitBreakerFactory(
            default_threshold=failures,
            default_ttl=open_seconds,
            # a caller that leaves is not the provider's failure
            exclude=[asyncio.CancelledError],
            uow=uow,
        )
        self._prefix = key_prefix
        self._failure_rate = failure_rate
        self._min_calls = min_calls
        self._window: FailureWindow | None = None
        if failure_rate > 0:
            self._window = (
                RedisFailureWindow(redis_url, window_seconds, key_prefix)
                if redis_url
                else InMemoryFailureWindow(window_seconds)
            )
        self._ready = False
        self._lock = asyncio.Lock()

    def _circuit(self, provider: str) -> str:
        return f"{self._prefix}:provider:{provider}"

    async def _initialized(self) -> None:
        if not self._ready:
            async with self._lock:
                if not self._ready:
                    await self._factory.initialize()
                    self._ready = True

    async def call(
        self, provider: str, attempt: Callable[[], Awaitable[T]], failed: Callable[[T], bool]
    ) -> T | None:
        """`attempt`'s result, counted for or against the provider's circuit; None, without
        calling, while the circuit is open."""
        await self._initialized()
        breaker = await self._factory.get_breaker(self._circuit(provider))
        try:
            async with breaker:
                result = await attempt()
                if failed(result):
                    raise _Failed(result)
        except OpenedState:
            return None
        except _Failed as failure:
            await self._judge_rate(provider, breaker, failed=True)
            outcome: T = failure.outcome  # type: ignore[assignment]
            return outcome
        await self._judge_rate(provider, breaker, failed=False)
        return result

    async def _judge_rate(self, provider: str, breaker: AsyncCircuitBreaker, failed: bool) -> None:
        """Count the call in the window; open a closed circuit whose failure rate is too high."""
        if self._window is None:
            return
        counts = await self._window.record(provider, failed)
        if (
            failed
            and breaker.context.state == "closed"
            and counts.calls >= self._min_calls
            and counts.failure_rate >= self._failure_rate
        ):
            breaker.context.set_state(OpenedState(self._circuit(provider)))
            while breaker.context.messages:  # purgatory saves the new state (Redis or memory)
                await breaker.messagebus.handle(breaker.context.messages.pop(0), breaker.uow)
            await self._window.clear(provider)
            log.warning(
                "provider_circuit_opened",
                provider=provider,
                calls=counts.calls,
                failures=counts.failures,
            )

    async def close(self) -> None:
        if self._window is not None:
            await self._window.close()

    async def state(self, provider: str) -> CircuitState:
        await self._initialized()
        async with self._factory.uow as uow:
            context = await uow.contexts.get(self._circuit(provider))
        if context is None:
            return CircuitState(provider, "closed", 0)
        return CircuitState(provider, context.state, int(context.failure_count or 0))
