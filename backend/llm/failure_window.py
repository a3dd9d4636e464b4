"""Each provider's recent calls and how many failed, over a sliding window of time.

A circuit that opens only after N failures in a row never opens on a provider failing half its
calls, one success between each two failures. The circuit breakers (llm/fallback.py) also read
this window and open a circuit when the share of failures over it passes a rate, once it holds
enough calls to judge. The window is kept in buckets of a tenth of its length: in Redis when
REDIS_URL is set (replicas and workers judge the same calls), in memory otherwise.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

BUCKETS = 10


@dataclass(frozen=True)
class WindowCounts:
    calls: int
    failures: int

    @property
    def failure_rate(self) -> float:
        return self.failures / self.calls if self.calls else 0.0


class FailureWindow(Protocol):
    async def record(self, provider: str, failed: bool) -> WindowCounts:
        """Count one call, then return the window's counts, that call included."""
        ...

    async def clear(self, provider: str) -> None:
        """Forget the provider's calls (its circuit has just opened)."""
        ...

    async def close(self) -> None: ...


class _Calls:
    def __init__(self) -> None:
        self.outcomes: deque[tuple[float, bool]] = deque()
        self.failures = 0


class InMemoryFailureWindow:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._providers: dict[str, _Calls] = {}

    async def record(self, provider: str, failed: bool) -> WindowCounts:
        now = time.monotonic()
        calls = self._providers.setdefault(provider, _Calls())
        calls.outcomes.append((now, failed))
        calls.failures += failed
        while calls.outcomes and calls.outcomes[0][0] <= now - self.seconds:
            calls.failures -= calls.outcomes.popleft()[1]
        return WindowCounts(len(calls.outcomes), calls.failures)

    async def clear(self, provider: str) -> None:
        self._providers.pop(provider, None)

    async def close(self) -> None:
        self._providers.clear()


class RedisFailureWindow:
    """Per bucket, one hash with `calls` and `failures`, expiring after the window."""

    def __init__(self, redis_url: str, seconds: float, key_prefix: str) -> None:
        self.seconds = seconds
        self._bucket_seconds = seconds / BUCKETS
        self._redis: Redis = Redis.from_url(redis_url)
        self._prefix = key_prefix

    def _key(self, provider: str, bucket: int) -> str:
        return f"{self._prefix}:provider-window:{provider}:{bucket}"

    async def record(self, provider: str, failed: bool) -> WindowCounts:
        now = int(time.time() / self._bucket_seconds)
        current = self._key(provider, now)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hincrby(current, "calls", 1)
            pipe.hincrby(current, "failures", 1 if failed else 0)
            pipe.expire(current, int(self.seconds + self._bucket_seconds) + 1)
            for bucket in range(now - BUCKETS + 1, now + 1):
                pipe.hmget(self._key(provider, bucket), ["calls", "failures"])
            replies = await pipe.execute()
        calls = failures = 0
        for counted in replies[3:]:
            calls += int(counted[0] or 0)
            failures += int(counted[1] or 0)
        return WindowCounts(calls, failures)

    async def clear(self, provider: str) -> None:
        now = int(time.time() / self._bucket_seconds)
        await self._redis.delete(
            *(self._key(provider, bucket) for bucket in range(now - BUCKETS, now + 1))
        )

    async def close(self) -> None:
        await self._redis.aclose()
