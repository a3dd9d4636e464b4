"""The response cache as the story service uses it: a request's key (None when it does not use
the cache), a hit, remembering a new story, and storing a hit as a story of its own with one
`cached` ledger row at $0 that names the transaction it repeats."""

from __future__ import annotations

import time
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from backend.core.logging import get_logger
from backend.core.names import FrameworkName, Operation
from backend.frameworks.stories.base import StoryBrief, StoryFramework
from backend.models import Story
from backend.services.metering import Meter
from backend.services.response_cache import CachedStory, ResponseCache
from backend.services.story_records import new_story

log = get_logger(__name__)


class CachedStories:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        meter: Meter,
        cache: ResponseCache | None,
    ) -> None:
        self._sessions = sessions
        self._meter = meter
        self._cache = cache

    def key_for(
        self, asked: bool | None, owner_id: int, framework: StoryFramework, brief: StoryBrief
    ) -> str | None:
        if self._cache is None:
            return None
        return self._cache.key_for(asked, owner_id, framework, brief)

    async def find(self, owner_id: int, key: str | None) -> CachedStory | None:
        if key is None or self._cache is None:
            return None
        return await self._cache.find(owner_id, key)

    async def remember(self, owner_id: int, key: str | None, story: Story) -> None:
        if key is not None and self._cache is not None:
            await self._cache.keep(owner_id, key, story)

    async def forget_user(self, owner_id: int) -> None:
        if self._cache is not None:
            await self._cache.forget_user(owner_id)

    async def answer(
        self,
        owner_id: int,
        framework: FrameworkName,
        brief: StoryBrief,
        hit: CachedStory,
        started: float,
        operation: Operation,
        comparison_id: str | None = None,
    ) -> Story:
        """The hit as a story of its own and its `cached` ledger row, in one transaction."""
        elapsed_ms = (time.perf_counter() - started) * 1000
        story = new_story(
            owner_id,
            framework,
            brief,
            comparison_id,
            content=hit.content,
            model=hit.model,
            provider=hit.provider,
            generation_time_ms=elapsed_ms,
            model_time_ms=0.0,
            input_tokens=0,
            output_tokens=0,
            cached_tokens=0,
            total_tokens=0,
            estimated_cost_usd=Decimal(0),
            cached_from_guid=hit.transaction_guid,
        )
        ledger = self._meter.ledger
        async with self._sessions() as session:
            session.add(story)
            await session.flush()
            row = await ledger.record_cached(
                session,
                self._meter.scope(operation, framework.value, owner_id),
                provider=hit.provider,
                model=hit.model,
                latency_ms=elapsed_ms,
                cached_from_guid=hit.transaction_guid,
                story_id=story.id,
            )
            await session.commit()
        set_committed_value(story, "calls", [row])
        log.info(
            "story_from_cache",
            framework=framework.value,
            story_id=story.id,
            cached_from_guid=hit.transaction_guid,
        )
        return story
