"""Judging a comparison: a judge model scores the comparison's stories, shown in a shuffled
order under neutral labels (A, B, C), so no framework gains from being first.

The judge's calls are one metered unit (operation `judge`: ledger rows, budgets). A malformed
answer is asked for once more; a second malformed one is recorded as a failed verdict, never
guessed at. A provider failure is the usual API error and records nothing. Judging again
replaces the comparison's verdict.
"""

from __future__ import annotations

import random
import time

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from backend.core.context import current_transaction_guid, restart_request_clock
from backend.core.errors import ConflictError, InvalidRequestError, NotFoundError
from backend.core.logging import get_logger
from backend.core.names import JUDGE_CRITERIA, Operation
from backend.frameworks.base import FIT_CHARS_PER_TOKEN, count_tokens
from backend.frameworks.judge import JudgeAnswer, MalformedVerdictError, Retry, StoryJudge
from backend.frameworks.stories.base import StoryBrief
from backend.llm.provider import ProviderConfig
from backend.models import ComparisonVerdict, Story
from backend.services.metering import Meter, MeteredUnit
from backend.services.spend_caps import SpendPlan

log = get_logger(__name__)

ATTEMPTS = 2  # a malformed verdict is asked for once more
MIN_STORY_CHARS = 300  # however small the window, each story is shown at least this much
JUDGE_FRAMEWORK = "judge"  # the ledger's framework column for the judge's calls


class JudgeService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        meter: Meter,
        judge: StoryJudge,
        *,
        context_tokens: int,
        max_tokens: int,
        provider: ProviderConfig | None = None,
        shuffle: random.Random | None = None,
    ) -> None:
        self._sessions = sessions
        self._meter = meter
        self._judge = judge
        self._context_tokens = context_tokens
        self._max_tokens = max_tokens
        self._provider = provider  # the judge's own, or None: the generation provider
        self._shuffle = shuffle or random.Random()

    async def stories(self, owner_id: int, comparison_id: str) -> list[Story]:
        """The owner's stories of the comparison (404 when there are none)."""
        async with self._sessions() as session:
            stories = list(
                (
                    await session.scalars(
                        select(Story)
                        .options(selectinload(Story.calls))
                        .where(Story.user_id == owner_id, Story.comparison_id == comparison_id)
                        .order_by(Story.id)
                    )
                ).all()
            )
        if not stories:
            raise NotFoundError(f"Comparison {comparison_id} was not found.")
        return stories

    async def verdict(self, owner_id: int, comparison_id: str) -> ComparisonVerdict | None:
        async with self._sessions() as session:
            found: ComparisonVerdict | None = await session.scalar(
                select(ComparisonVerdict).where(
                    ComparisonVerdict.user_id == owner_id,
                    ComparisonVerdict.comparison_id == comparison_id,
                )
            )
            return found

    def _plan(self, prompt_tokens: int) -> SpendPlan:
        # a retry also reads the first answer and a line about what was wrong with it
        return SpendPlan(
            calls=ATTEMPTS,
            input_tokens=ATTEMPTS * prompt_tokens + (ATTEMPTS - 1) * (self._max_tokens + 100),
            output_tokens=ATTEMPTS * self._max_tokens,
            provider=self._provider,
        )

    def worst_case(self, stories: int, story_tokens: int) -> SpendPlan:
        """The most judging `stories` stories of up to `story_tokens` tokens each can cost
        (an evaluation run's plan, before the stories exist)."""
        return self._plan(self._overhead_tokens(stories) + stories * story_tokens)

    async def judge(self, owner_id: int, comparison_id: str) -> ComparisonVerdict:
        # A stage of its own (after a comparison's stories): waiting counts from here.
        restart_request_clock()
        stories = await self.stories(owner_id, comparison_id)
        if len(stories) < 2:
            raise InvalidRequestError("A comparison needs at least two stories to be judged.")
        shown = list(stories)
        self._shuffle.shuffle(shown)
        labels = {chr(ord("A") + index): story.framework for index, story in enumerate(shown)}
        overhead = self._overhead_tokens(len(shown))
        chars = self._story_chars(overhead, len(shown))
        texts = {
            label: _cut(story.content, chars) for label, story in zip(labels, shown, strict=True)
        }
        first = stories[0]
        brief = StoryBrief(
            primary_character=first.primary_character,
            secondary_character=first.secondary_character,
            genre=first.genre,
            length=first.length,
        )
        started = time.perf_counter()
        plan = self._plan(overhead + sum(count_tokens(text) for text in texts.values()))
        async with self._meter.unit(Operation.JUDGE, JUDGE_FRAMEWORK, owner_id, plan) as unit:
            answer, error, attempts = await self._ask(unit, brief, texts)
            verdict = _verdict(comparison_id, owner_id, labels, answer, error)
            totals = unit.totals()
            verdict.judge_model = self._judge.model
            verdict.attempts = attempts
            verdict.input_tokens = totals.input_tokens
            verdict.output_tokens = totals.output_tokens
            verdict.estimated_cost_usd = totals.cost_usd
            verdict.judge_time_ms = (time.perf_counter() - started) * 1000
            verdict.transaction_guid = current_transaction_guid()
            await self._save(verdict)
        log.info(
            "comparison_judged",
            comparison_id=comparison_id,
            status=verdict.status,
            winner=verdict.ranking[0] if verdict.ranking else None,
            attempts=attempts,
        )
        return verdict

    async def _ask(
        self, unit: MeteredUnit, brief: StoryBrief, texts: dict[str, str]
    ) -> tuple[JudgeAnswer | None, str | None, int]:
        retry: Retry | None = None
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await self._judge.score(brief, texts, retry), None, attempt
            except MalformedVerdictError as exc:
                retry = Retry(answer=exc.answer[:4000], error=str(exc))
                log.warning("verdict_malformed", attempt=attempt, error=retry.error)
            except Exception as exc:
                raise unit.failure(exc) from exc
        return None, retry.error if retry else None, ATTEMPTS

    async def _save(self, verdict: ComparisonVerdict) -> None:
        async with self._sessions() as session:
            await session.execute(
                delete(ComparisonVerdict).where(
                    ComparisonVerdict.comparison_id == verdict.comparison_id
                )
            )
            session.add(verdict)
            try:
                await session.commit()
            except IntegrityError as exc:  # judged at the same moment by another request
                raise ConflictError("This comparison is being judged already.") from exc
            await session.refresh(verdict)

    def _overhead_tokens(self, stories: int) -> int:
        brief = StoryBrief(primary_character="", secondary_character="")
        empty = {chr(ord("A") + index): "" for index in range(stories)}
        return sum(count_tokens(message["content"]) for message in self._judge.prompt(brief, empty))

    def _story_chars(self, overhead_tokens: int, stories: int) -> int:
        """How much of each story to show, so that all of them, the rubric and the verdict fit
        the model's window: on a small local model the window is the limit."""
        room = self._context_tokens - self._max_tokens - overhead_tokens
        return max(MIN_STORY_CHARS, room // stories * FIT_CHARS_PER_TOKEN)


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _verdict(
    comparison_id: str,
    owner_id: int,
    labels: dict[str, str],
    answer: JudgeAnswer | None,
    error: str | None,
) -> ComparisonVerdict:
    """The verdict in frameworks' names (the labels mapped back)."""
    if answer is None:
        return ComparisonVerdict(
            comparison_id=comparison_id,
            user_id=owner_id,
            status="failed",
            labels=labels,
            scores={},
            ranking=[],
            error=(error or "no verdict")[:500],
        )
    scores = {
        labels[label]: {
            criterion: getattr(story, criterion).model_dump() for criterion in JUDGE_CRITERIA
        }
        for label, story in answer.scores.items()
    }
    ranking = [labels[label] for label in answer.ranking]
    return ComparisonVerdict(
        comparison_id=comparison_id,
        user_id=owner_id,
        status="ok",
        labels=labels,
        scores=scores,
        ranking=ranking,
        error=None,
    )
