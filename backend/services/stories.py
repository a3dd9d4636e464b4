"""Story use cases: generate through a framework (plain or streamed), keep the history.

No database connection is held while a model works: the generation runs in a metered unit
(its ledger rows are written in their own short transactions) and the story is saved in one
short transaction afterwards. A request that asks for the response cache may instead be
answered with the story an identical request got (`backend.services.response_cache`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from backend.core.aio import closing
from backend.core.errors import NotFoundError
from backend.core.logging import get_logger
from backend.core.names import FrameworkName, Operation, StoryOrigin
from backend.core.text import storable
from backend.db.paging import page_of
from backend.frameworks.base import count_tokens, require_text
from backend.frameworks.stories.base import StoryBrief, StoryFramework
from backend.models import EvaluationItem, Story
from backend.services.ledger import escape_like
from backend.services.metering import Meter, MeteredUnit
from backend.services.response_cache import ResponseCache
from backend.services.spend_caps import SpendPlan
from backend.services.story_cache import CachedStories
from backend.services.story_records import new_story

log = get_logger(__name__)

# The story prompts' own words (system and user templates), generously.
PROMPT_OVERHEAD_TOKENS = 400


@dataclass(frozen=True)
class StreamStep:
    step: str


@dataclass(frozen=True)
class StreamText:
    text: str


@dataclass(frozen=True)
class StreamDone:
    story: Story


StreamEvent = StreamStep | StreamText | StreamDone


class StoryService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        meter: Meter,
        frameworks: Mapping[FrameworkName, StoryFramework],
        max_story_tokens: int,
        cache: ResponseCache | None = None,
    ) -> None:
        """`cache`: the response cache, for requests that ask for it (None: no cache)."""
        self._sessions = sessions
        self._meter = meter
        self._frameworks = frameworks
        self._max_story_tokens = max_story_tokens
        self._cache = CachedStories(sessions, meter, cache)

    def plan(self, framework: FrameworkName, brief: StoryBrief) -> SpendPlan:
        """The most a story can cost: each call's prompt (a later call also reads the draft)
        and a full-length answer."""
        calls = self._frameworks[framework].calls_per_story
        prompt = PROMPT_OVERHEAD_TOKENS + count_tokens(
            " ".join(
                filter(None, [brief.primary_character, brief.secondary_character, brief.genre])
            )
        )
        return SpendPlan(
            calls=calls,
            input_tokens=calls * prompt + (calls - 1) * self._max_story_tokens,
            output_tokens=calls * self._max_story_tokens,
        )

    async def admit(
        self, owner_id: int, frameworks: Sequence[FrameworkName], brief: StoryBrief
    ) -> None:
        """Before a stream starts: refuse stories the budgets cannot cover (a plain 429)."""
        await self._meter.admit(owner_id, [self.plan(framework, brief) for framework in frameworks])

    async def generate(
        self,
        owner_id: int,
        framework: FrameworkName,
        brief: StoryBrief,
        *,
        cache: bool | None = None,
    ) -> Story:
        """Run one framework. A failure raises the right provider error; the attempts it made
        are in the ledger either way, because a failed attempt may still have cost money.
        `cache`: answer from (and fill) the response cache; None: the server's default."""
        started = time.perf_counter()
        key = self._cache.key_for(cache, owner_id, self._frameworks[framework], brief)
        hit = await self._cache.find(owner_id, key)
        if hit is not None:
            return await self._cache.answer(
                owner_id, framework, brief, hit, started, Operation.STORY
            )
        plan = self.plan(framework, brief)
        async with self._meter.unit(Operation.STORY, framework.value, owner_id, plan) as unit:
            try:
                draft = await self._frameworks[framework].write_story(brief)
            except Exception as exc:
                raise unit.failure(exc) from exc
            story = await self._save(unit, owner_id, framework, brief, draft.text)
        await self._cache.remember(owner_id, key, story)
        return story

    async def stream(
        self,
        owner_id: int,
        framework: FrameworkName,
        brief: StoryBrief,
        comparison_id: str | None = None,
        *,
        cache: bool | None = None,
        operation: Operation | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """Yield the story as it is generated, then the stored story. A failure raises; if
        the consumer goes away, the provider call is cancelled and its row says so. A cache
        hit is one piece of text, then the stored story. `operation`: the ledger's, when the
        story serves another use case (an evaluation run)."""
        started = time.perf_counter()
        if operation is None:
            operation = Operation.STORY if comparison_id is None else Operation.COMPARISON
        key = self._cache.key_for(cache, owner_id, self._frameworks[framework], brief)
        hit = await self._cache.find(owner_id, key)
        if hit is not None:
            yield StreamText(hit.content)
            yield StreamDone(
                await self._cache.answer(
                    owner_id, framework, brief, hit, started, operation, comparison_id
                )
            )
            return
        parts: list[str] = []
        plan = self.plan(framework, brief)
        async with self._meter.unit(operation, framework.value, owner_id, plan) as unit:
            try:
                async with closing(self._frameworks[framework].stream_story(brief)) as deltas:
                    async for delta in deltas:
                        if delta.step:
                            yield StreamStep(delta.step)
                        if delta.text:
                            parts.append(delta.text)
                            yield StreamText(delta.text)
            except Exception as exc:
                raise unit.failure(exc) from exc
            story = await self._save(
                unit, owner_id, framework, brief, "".join(parts), comparison_id
            )
        await self._cache.remember(owner_id, key, story)
        yield StreamDone(story)

    async def _save(
        self,
        unit: MeteredUnit,
        owner_id: int,
        framework: FrameworkName,
        brief: StoryBrief,
        text: str,
        comparison_id: str | None = None,
    ) -> Story:
        """The story, pointed at by its ledger rows, in one short transaction."""
        try:
            content = storable(require_text(text))
        except Exception as exc:
            raise unit.failure(exc) from exc
        totals = unit.totals()
        story = new_story(
            owner_id,
            framework,
            brief,
            comparison_id,
            content=content,
            model=totals.model,
            provider=unit.provider_name,
            generation_time_ms=unit.elapsed_ms,
            model_time_ms=totals.model_time_ms,
            input_tokens=totals.input_tokens,
            output_tokens=totals.output_tokens,
            cached_tokens=totals.cached_tokens,
            total_tokens=totals.total_tokens,
            estimated_cost_usd=totals.cost_usd,
        )
        async with self._sessions() as session:
            session.add(story)
            await session.flush()
            await unit.attach(session, story_id=story.id)
            await session.commit()
            await unit.load_rows(session, story)
        log.info(
            "story_generated",
            framework=framework.value,
            story_id=story.id,
            calls=len(unit.row_ids),
            generation_time_ms=round(story.generation_time_ms, 1),
        )
        return story

    async def list_page(
        self,
        session: AsyncSession,
        owner_id: int,
        *,
        skip: int,
        limit: int,
        framework: FrameworkName | None,
        origin: StoryOrigin | None = None,
    ) -> tuple[list[Story], int]:
        query = _of_origin(select(Story).where(Story.user_id == owner_id), origin)
        if framework is not None:
            query = query.where(Story.framework == framework.value)
        query = query.order_by(Story.created_at.desc(), Story.id.desc())
        return await page_of(session, query, skip=skip, limit=limit)

    async def get(self, session: AsyncSession, owner_id: int, story_id: int) -> Story:
        """Another user's story is "not found", not "forbidden": ids reveal nothing."""
        story = await session.get(Story, story_id, options=[selectinload(Story.calls)])
        if story is None or story.user_id != owner_id:
            raise NotFoundError(f"Story {story_id} was not found.")
        return story

    async def search_characters(
        self,
        session: AsyncSession,
        owner_id: int,
        character: str,
        *,
        limit: int,
        origin: StoryOrigin | None = None,
    ) -> list[Story]:
        pattern = f"%{escape_like(character.lower())}%"
        result = await session.execute(
            _of_origin(select(Story), origin)
            .where(
                Story.user_id == owner_id,
                or_(
                    func.lower(Story.primary_character).like(pattern, escape="\\"),
                    func.lower(Story.secondary_character).like(pattern, escape="\\"),
                ),
            )
            .order_by(Story.created_at.desc(), Story.id.desc())
            .limit(limit)
        )
        return list(result.scalars())

    async def delete_all(self, session: AsyncSession, owner_id: int) -> int:
        """The caller's stories go; their ledger rows stay (the spend happened) with
        `story_id` cleared."""
        result = await session.execute(delete(Story).where(Story.user_id == owner_id))
        await session.commit()
        await self._cache.forget_user(owner_id)
        deleted: int = result.rowcount  # type: ignore[attr-defined]
        return deleted


def _of_origin(query: Select[Story], origin: StoryOrigin | None) -> Select[Story]:
    """Only the stories an evaluation run wrote, or only the others (None: all)."""
    if origin is None:
        return query
    by_a_run = exists().where(EvaluationItem.story_id == Story.id)
    return query.where(by_a_run if origin is StoryOrigin.EVALUATION else ~by_a_run)
