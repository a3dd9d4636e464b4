"""Rate limits with the `limits` library: moving windows kept in memory, or in Redis when
REDIS_URL is set so that every replica counts against the same budget."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import StrEnum

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from backend.core.errors import RateLimitedError
from backend.core.logging import get_logger

log = get_logger(__name__)


class Budget(StrEnum):
    GENERATION = "generation"
    GENERAL = "general"
    LOGIN_FAILURES_ACCOUNT = "login-account"
    LOGIN_FAILURES_IP = "login-ip"
    SIGNUPS_IP = "signup-ip"


@dataclass(frozen=True)
class RateLimitSettings:
    enabled: bool
    generation: str
    general: str
    login_failures_per_account: str
    login_failures_per_ip: str
    redis_url: str | None
    key_prefix: str
    signups_per_ip: str = "10/hour"


class RateLimits:
    def __init__(self, settings: RateLimitSettings) -> None:
        self.enabled = settings.enabled
        self._items: dict[Budget, RateLimitItem] = {
            Budget.GENERATION: parse(settings.generation),
            Budget.GENERAL: parse(settings.general),
            Budget.LOGIN_FAILURES_ACCOUNT: parse(settings.login_failures_per_account),
            Budget.LOGIN_FAILURES_IP: parse(settings.login_failures_per_ip),
            Budget.SIGNUPS_IP: parse(settings.signups_per_ip),
        }
        if settings.redis_url:
            url = "async+" + settings.redis_url
            storage = storage_from_string(url, key_prefix=settings.key_prefix)
            self.backend = "redis"
        else:
            storage = storage_from_string("async+memory://")
            self.backend = "memory"
        assert isinstance(storage, Storage)  # the async+ scheme gives the asyncio storage
        self.storage: Storage = storage
        self._limiter = MovingWindowRateLimiter(self.storage)

    async def hit(self, budget: Budget, key: str, cost: int = 1) -> None:
        """Count a request (`cost` units); raise a 429 with Retry-After when the budget is
        spent."""
        if not self.enabled:
            return
        item = self._items[budget]
        if not await self._limiter.hit(item, budget.value, key, cost=cost):
            raise await self._limited(budget, key)

    def capacity(self, budget: Budget) -> int:
        """How many units the budget allows in one window."""
        return int(self._items[budget].amount)

    async def check(self, budget: Budget, key: str) -> None:
        """Raise a 429 if the budget is already spent, without counting this request."""
        if not self.enabled:
            return
        if not await self._limiter.test(self._items[budget], budget.value, key):
            raise await self._limited(budget, key)

    async def count_failure(self, budget: Budget, key: str) -> None:
        if self.enabled:
            await self._limiter.hit(self._items[budget], budget.value, key)

    async def _limited(self, budget: Budget, key: str) -> RateLimitedError:
        stats = await self._limiter.get_window_stats(self._items[budget], budget.value, key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        log.warning("rate_limited", budget=budget.value, retry_after=retry_after)
        return RateLimitedError(
            f"Too many requests ({budget.value}). Try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
            details=[{"message": str(self._items[budget]), "type": budget.value}],
        )

    async def healthy(self) -> bool:
        return bool(await self.storage.check())
