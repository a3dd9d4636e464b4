"""The response cache: an exact-match cache of stories, for requests that ask for it.

A key is the digest of everything that decides a story: the user (a cache never answers one
user with another's story), the framework and its prompt files, the provider and model, the
sampling settings, the platform's version, and the brief. A hit is the story that first
answered the key; the story service stores it again as a new story with a `cached` ledger row
at $0 that names the original transaction.

Two stores, one interface: Redis (shared by replicas, expiry by Redis) when REDIS_URL is set,
else the database (an entry points at the original story and goes when it is deleted). A Redis
that cannot be reached is a miss, never a failed story.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.logging import get_logger
from backend.core.version import VERSION
from backend.frameworks.base import prompts_version
from backend.frameworks.stories.base import StoryBrief, StoryFramework
from backend.models import ResponseCacheEntry, Story

log = get_logger(__name__)


@dataclass(frozen=True)
class CachedStory:
    """What a hit repeats: the original story's text and who served it."""

    story_id: int
    transaction_guid: str
    content: str
    model: str
    provider: str

    @classmethod
    def of(cls, story: Story) -> CachedStory:
        return cls(story.id, story.transaction_guid, story.content, story.model, story.provider)


@dataclass(frozen=True)
class Sampling:
    """The generation settings a story depends on, besides its brief."""

    provider: str
    model: str
    temperature: float
    max_tokens: int


def story_cache_key(
    owner_id: int, framework: StoryFramework, sampling: Sampling, brief: StoryBrief
) -> str:
    material = {
        "kind": "story",
        "user": owner_id,
        "framework": framework.name.value,
        "prompts": prompts_version(*framework.prompt_folder),
        "version": VERSION,
        "sampling": asdict(sampling),
        "brief": asdict(brief),
    }
    text = json.dumps(material, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class CacheStore(Protocol):
    backend: str

    async def find(self, owner_id: int, key: str) -> CachedStory | None: ...

    async def keep(self, owner_id: int, key: str, story: Story, ttl_seconds: int) -> None: ...

    async def forget_user(self, owner_id: int) -> None: ...

    async def close(self) -> None: ...


class DatabaseCacheStore:
    backend = "database"

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def find(self, owner_id: int, key: str) -> CachedStory | None:
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(
                        Story.id, Story.transaction_guid, Story.content, Story.model, Story.provider
                    )
                    .join(ResponseCacheEntry, ResponseCacheEntry.story_id == Story.id)
                    .where(
                        ResponseCacheEntry.key == key,
                        ResponseCacheEntry.user_id == owner_id,
                        ResponseCacheEntry.expires_at > datetime.now(UTC),
                    )
                )
            ).first()
        return CachedStory(*row) if row is not None else None

    async def keep(self, owner_id: int, key: str, story: Story, ttl_seconds: int) -> None:
        """Replace the key's entry; expired entries go in the same transaction. Two requests
        that missed at once race to insert: the first keeps its story."""
        now = datetime.now(UTC)
        async with self._sessions() as session:
            await session.execute(
                delete(ResponseCacheEntry).where(
                    (ResponseCacheEntry.key == key) | (ResponseCacheEntry.expires_at <= now)
                )
            )
            session.add(
                ResponseCacheEntry(
                    key=key,
                    user_id=owner_id,
                    story_id=story.id,
                    expires_at=now + timedelta(seconds=ttl_seconds),
                    created_at=now,
                )
            )
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()

    async def forget_user(self, owner_id: int) -> None:
        """Nothing to do: entries go with their stories (and users)."""

    async def close(self) -> None:
        """The sessions belong to the runtime."""


class RedisCacheStore:
    """`{prefix}:cache:{user}:{key}` holds the cached story as JSON, with Redis's own expiry."""

    backend = "redis"

    def __init__(self, redis_url: str, key_prefix: str) -> None:
        self._redis: Redis = Redis.from_url(redis_url)
        self._prefix = key_prefix

    def _name(self, owner_id: int, key: str) -> str:
        return f"{self._prefix}:cache:{owner_id}:{key}"

    async def find(self, owner_id: int, key: str) -> CachedStory | None:
        try:
            stored = await self._redis.get(self._name(owner_id, key))
        except (RedisError, OSError) as exc:
            log.warning("response_cache_unavailable", error=type(exc).__name__)
            return None
        return CachedStory(**json.loads(stored)) if stored is not None else None

    async def keep(self, owner_id: int, key: str, story: Story, ttl_seconds: int) -> None:
        value = json.dumps(asdict(CachedStory.of(story)))
        try:
            await self._redis.set(self._name(owner_id, key), value, ex=ttl_seconds, nx=True)
        except (RedisError, OSError) as exc:
            log.warning("response_cache_unavailable", error=type(exc).__name__)

    async def forget_user(self, owner_id: int) -> None:
        """A user who deletes their stories must not get them back from the cache."""
        names = [name async for name in self._redis.scan_iter(self._name(owner_id, "*"))]
        if names:
            await self._redis.delete(*names)

    async def close(self) -> None:
        await self._redis.aclose()


class ResponseCache:
    """Which requests use the cache, their keys, and the store behind them."""

    def __init__(
        self, store: CacheStore, sampling: Sampling, ttl_seconds: int, by_default: bool
    ) -> None:
        self.store = store
        self._sampling = sampling
        self._ttl_seconds = ttl_seconds
        self._by_default = by_default

    def key_for(
        self, asked: bool | None, owner_id: int, framework: StoryFramework, brief: StoryBrief
    ) -> str | None:
        """The key of a request that uses the cache (`asked`, else the server's default), or
        None when it does not or the cache is off (RESPONSE_CACHE_TTL_SECONDS=0)."""
        wanted = self._by_default if asked is None else asked
        if not wanted or self._ttl_seconds <= 0:
            return None
        return story_cache_key(owner_id, framework, self._sampling, brief)

    async def find(self, owner_id: int, key: str) -> CachedStory | None:
        return await self.store.find(owner_id, key)

    async def keep(self, owner_id: int, key: str, story: Story) -> None:
        await self.store.keep(owner_id, key, story, self._ttl_seconds)

    async def forget_user(self, owner_id: int) -> None:
        await self.store.forget_user(owner_id)
