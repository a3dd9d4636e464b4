"""Story use cases: generate through a framework, record the ledger, keep the history."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import anyio
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from backend.core.context import current_request_id, current_transaction_guid
from backend.core.errors import AppError, NotFoundError
from backend.core.logging import get_logger
from backend.frameworks.base import FrameworkName, StoryBrief, StoryFramework, require_text
from backend.llm.calls import ProviderCall, record_calls
from backend.models import Story
from backend.services.ledger import CallPricer, escape_like
from backend.services.provider_errors import provider_error

log = get_logger(__name__)

OPERATION = "story_generation"


@dataclass(frozen=True)
class StreamStep:
    step: str


@dataclass(frozen=True)
class StreamText:
    text: str


@dataclass(frozen=True)
class StreamDone:
    story: Story


@dataclass(frozen=True)
class StreamFailed:
    error: AppError


StreamEvent = StreamStep | StreamText | StreamDone | StreamFailed


class StoryService:
    def __init__(
        self, frameworks: Mapping[FrameworkName, StoryFramework], pricer: CallPricer
    ) -> None:
        self._frameworks = frameworks
        self._pricer = pricer

    async def generate(
        self, session: AsyncSession, owner_id: int, framework: FrameworkName, brief: StoryBrief
    ) -> Story:
        """Run one framework. Ledger rows are written whether or not the story is, because a
        failed attempt that reached the provider may still have cost money."""
        started = time.perf_counter()
        with record_calls() as recorder:
            try:
                draft = await self._frameworks[framework].write_story(brief)
            except asyncio.CancelledError:
                await self._save_failed_calls(session, recorder.calls, framework, owner_id)
                raise
            except Exception as exc:
                log.warning("story_failed", framework=framework.value, error=type(exc).__name__)
                await self._save_failed_calls(session, recorder.calls, framework, owner_id)
                raise provider_error(recorder, exc) from exc
        return await self._persist(
            session, owner_id, framework, brief, draft.text, recorder.calls, started
        )

    async def _persist(
        self,
        session: AsyncSession,
        owner_id: int,
        framework: FrameworkName,
        brief: StoryBrief,
        text: str,
        calls: Sequence[ProviderCall],
        started: float,
        comparison_id: str | None = None,
    ) -> Story:
        """Write the story and its ledger rows in one transaction."""
        elapsed_ms = (time.perf_counter() - started) * 1000
        rows = self._pricer.rows(
            calls, operation=OPERATION, framework=framework.value, user_id=owner_id
        )
        succeeded = [row for row in rows if row.status == "ok"]
        input_tokens = sum(row.input_tokens for row in rows)
        output_tokens = sum(row.output_tokens for row in rows)
        story = Story(
            user_id=owner_id,
            primary_character=brief.primary_character,
            secondary_character=brief.secondary_character,
            genre=brief.genre,
            length=brief.length,
            content=text,
            framework=framework.value,
            model=succeeded[-1].model if succeeded else self._pricer.provider.model,
            provider=self._pricer.provider.name,
            generation_time_ms=elapsed_ms,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_tokens=sum(row.cached_tokens for row in rows),
            total_tokens=input_tokens + output_tokens,
            estimated_cost_usd=sum((row.cost_usd for row in rows), Decimal(0)),
            request_id=current_request_id(),
            transaction_guid=current_transaction_guid(),
            comparison_id=comparison_id,
            calls=rows,
        )
        session.add(story)
        await session.commit()
        log.info(
            "story_generated",
            framework=framework.value,
            story_id=story.id,
            calls=len(rows),
            generation_time_ms=round(elapsed_ms, 1),
        )
        return story

    async def stream(
        self,
        session: AsyncSession,
        owner_id: int,
        framework: FrameworkName,
        brief: StoryBrief,
        comparison_id: str | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """Yield the story as it is generated, then the stored story; or one failure event.
        If the consumer goes away, the provider call is cancelled and its ledger row (status
        "cancelled") is still written."""
        started = time.perf_counter()
        parts: list[str] = []
        with record_calls() as recorder:
            try:
                async for delta in self._frameworks[framework].stream_story(brief):
                    if delta.step:
                        yield StreamStep(delta.step)
                    if delta.text:
                        parts.append(delta.text)
                        yield StreamText(delta.text)
                text = require_text("".join(parts))
            except BaseException as exc:
                with anyio.CancelScope(shield=True):
                    await self._save_failed_calls(session, recorder.calls, framework, owner_id)
                if not isinstance(exc, Exception):
                    raise
                log.warning("story_failed", framework=framework.value, error=type(exc).__name__)
                yield StreamFailed(provider_error(recorder, exc))
                return
        story = await self._persist(
            session, owner_id, framework, brief, text, recorder.calls, started, comparison_id
        )
        yield StreamDone(story)

    async def _save_failed_calls(
        self,
        session: AsyncSession,
        calls: Sequence[ProviderCall],
        framework: FrameworkName,
        owner_id: int,
    ) -> None:
        await asyncio.shield(
            self._pricer.save_failed(
                session, calls, operation=OPERATION, framework=framework.value, user_id=owner_id
            )
        )

    async def list_page(
        self,
        session: AsyncSession,
        owner_id: int,
        *,
        skip: int,
        limit: int,
        framework: FrameworkName | None,
    ) -> tuple[list[Story], int]:
        query = select(Story).where(Story.user_id == owner_id)
        count = select(func.count()).select_from(Story).where(Story.user_id == owner_id)
        if framework is not None:
            query = query.where(Story.framework == framework.value)
            count = count.where(Story.framework == framework.value)
        total = (await session.execute(count)).scalar_one()
        result = await session.execute(
            query.order_by(Story.created_at.desc(), Story.id.desc()).offset(skip).limit(limit)
        )
        return list(result.scalars()), total

    async def get(self, session: AsyncSession, owner_id: int, story_id: int) -> Story:
        """Another user's story is "not found", not "forbidden": ids reveal nothing."""
        story = await session.get(Story, story_id, options=[selectinload(Story.calls)])
        if story is None or story.user_id != owner_id:
            raise NotFoundError(f"Story {story_id} was not found.")
        return story

    async def search_characters(
        self, session: AsyncSession, owner_id: int, character: str, *, limit: int
    ) -> list[Story]:
        pattern = f"%{escape_like(character.lower())}%"
        result = await session.execute(
            select(Story)
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
        deleted: int = result.rowcount  # type: ignore[attr-defined]
        return deleted
