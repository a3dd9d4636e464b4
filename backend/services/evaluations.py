"""Evaluation runs: plan (the worst-case cost, shown before anything is spent), start once the
user confirms, follow, cancel, resume. The work is done by `EvaluationWorker` through the task
queue; this module only changes a run's state and reads it.

    planned ──start──▶ queued ──(a worker claims it)──▶ running ──▶ done
                         ▲  ╲                             │  ╲
                         │   cancel                   cancel   stopped (a budget ran out)
                         └──resume── cancelled / stopped ◀┘
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, cast, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.errors import ConflictError, NotFoundError
from backend.core.names import FrameworkName, ItemStatus, RunStatus
from backend.db.base import nanos_to_usd
from backend.db.paging import page_of
from backend.frameworks.stories.base import StoryBrief
from backend.models import EvaluationItem, EvaluationRun, LLMCall
from backend.services.judging import JudgeService
from backend.services.metering import Meter
from backend.services.stories import StoryService


@dataclass(frozen=True)
class RunRequest:
    name: str
    briefs: Sequence[StoryBrief]
    frameworks: Sequence[FrameworkName]
    repetitions: int
    concurrency: int
    judge: bool


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    failed: int
    running: int
    pending: int
    spent_usd: Decimal  # the ledger's rows under the run's GUID: stories and verdicts


class EvaluationService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        meter: Meter,
        stories: StoryService,
        judging: JudgeService,
        max_story_tokens: int,
        model: str,
    ) -> None:
        self._sessions = sessions
        self._meter = meter
        self._stories = stories
        self._judging = judging
        self._max_story_tokens = max_story_tokens
        self._model = model
        # Set by the runtime: send a run to the task queue, and stop one this process runs.
        self.send: Callable[[int], Awaitable[None]] | None = None
        self.cancel_here: Callable[[int], None] | None = None

    def planned_cost(self, request: RunRequest) -> Decimal:
        """Every story's worst case, and every verdict's, at the configured models' prices."""
        worst = self._meter.worst_case_usd
        per_round = sum(
            (
                worst(self._stories.plan(framework, brief))
                for brief in request.briefs
                for framework in request.frameworks
            ),
            Decimal(0),
        )
        if request.judge and len(request.frameworks) > 1:
            verdict = self._judging.worst_case(len(request.frameworks), self._max_story_tokens)
            per_round += worst(verdict) * len(request.briefs)
        return per_round * request.repetitions

    async def plan(self, owner_id: int, request: RunRequest) -> EvaluationRun:
        """A run waiting for its cost to be confirmed, with all its items."""
        run = EvaluationRun(
            user_id=owner_id,
            name=request.name,
            status=RunStatus.PLANNED.value,
            briefs=[brief_fields(brief) for brief in request.briefs],
            frameworks=[framework.value for framework in request.frameworks],
            repetitions=request.repetitions,
            concurrency=request.concurrency,
            judge=request.judge and len(request.frameworks) > 1,
            planned_cost_usd=self.planned_cost(request),
            model=self._model,
            transaction_guid=str(uuid.uuid4()),
        )
        async with self._sessions() as session:
            session.add(run)
            await session.flush()
            for index in range(len(request.briefs)):
                for repetition in range(1, request.repetitions + 1):
                    comparison_id = str(uuid.uuid4())
                    session.add_all(
                        EvaluationItem(
                            run_id=run.id,
                            brief_index=index,
                            repetition=repetition,
                            framework=framework.value,
                            comparison_id=comparison_id,
                            status=ItemStatus.PENDING.value,
                            attempts=0,
                        )
                        for framework in request.frameworks
                    )
            await session.commit()
            await session.refresh(run)
        return run

    async def start(self, owner_id: int, run_id: int) -> EvaluationRun:
        """The user confirmed the planned cost."""
        return await self._queue(owner_id, run_id, {RunStatus.PLANNED}, "started")

    async def resume(self, owner_id: int, run_id: int) -> EvaluationRun:
        """Carry on with the items not yet written (failed ones are results and stay)."""
        return await self._queue(
            owner_id, run_id, {RunStatus.CANCELLED, RunStatus.STOPPED}, "resumed"
        )

    async def cancel(self, owner_id: int, run_id: int) -> EvaluationRun:
        await self._change(
            owner_id,
            run_id,
            {RunStatus.QUEUED, RunStatus.RUNNING},
            RunStatus.CANCELLED,
            "cancelled",
        )
        if self.cancel_here is not None:
            self.cancel_here(run_id)  # another process's run notices before its next story
        return await self.get(owner_id, run_id)

    async def _queue(
        self, owner_id: int, run_id: int, allowed: set[RunStatus], verb: str
    ) -> EvaluationRun:
        await self._change(owner_id, run_id, allowed, RunStatus.QUEUED, verb)
        if self.send is not None:
            await self.send(run_id)
        return await self.get(owner_id, run_id)

    async def _change(
        self, owner_id: int, run_id: int, allowed: set[RunStatus], to: RunStatus, verb: str
    ) -> None:
        """Move the run to `to` only from an allowed state, in one statement, so two clicks
        (or two replicas) cannot both do it."""
        run = await self.get(owner_id, run_id)
        async with self._sessions() as session:
            changed = await session.execute(
                update(EvaluationRun)
                .where(
                    EvaluationRun.id == run_id,
                    EvaluationRun.status.in_([status.value for status in allowed]),
                )
                .values(status=to.value, error=None)
            )
            await session.commit()
        if not changed.rowcount:  # type: ignore[attr-defined]
            raise ConflictError(f"Evaluation run {run_id} is {run.status}: it cannot be {verb}.")

    async def get(self, owner_id: int, run_id: int) -> EvaluationRun:
        """Another user's run is "not found": ids reveal nothing."""
        async with self._sessions() as session:
            run = await session.get(EvaluationRun, run_id)
        if run is None or run.user_id != owner_id:
            raise NotFoundError(f"Evaluation run {run_id} was not found.")
        return run

    async def list_page(
        self, owner_id: int, *, skip: int, limit: int
    ) -> tuple[list[EvaluationRun], int]:
        query = (
            select(EvaluationRun)
            .where(EvaluationRun.user_id == owner_id)
            .order_by(EvaluationRun.created_at.desc(), EvaluationRun.id.desc())
        )
        async with self._sessions() as session:
            return await page_of(session, query, skip=skip, limit=limit)

    async def progress(self, runs: Sequence[EvaluationRun]) -> dict[int, Progress]:
        """Item counts by state and the spend so far, for each run, in two queries."""
        ids = [run.id for run in runs]
        counts: dict[int, dict[str, int]] = {run_id: {} for run_id in ids}
        async with self._sessions() as session:
            rows = await session.execute(
                select(EvaluationItem.run_id, EvaluationItem.status, func.count())
                .where(EvaluationItem.run_id.in_(ids))
                .group_by(EvaluationItem.run_id, EvaluationItem.status)
            )
            for run_id, status, count in rows:
                counts[run_id][status] = count
            sums = await session.execute(
                select(LLMCall.transaction_guid, func.sum(cast(LLMCall.cost_usd, BigInteger)))
                .where(LLMCall.transaction_guid.in_([run.transaction_guid for run in runs]))
                .group_by(LLMCall.transaction_guid)
            )
            spent = {guid: nanos for guid, nanos in sums}
        return {
            run.id: Progress(
                total=sum(counts[run.id].values()),
                done=counts[run.id].get(ItemStatus.DONE.value, 0),
                failed=counts[run.id].get(ItemStatus.FAILED.value, 0),
                running=counts[run.id].get(ItemStatus.RUNNING.value, 0),
                pending=counts[run.id].get(ItemStatus.PENDING.value, 0),
                spent_usd=nanos_to_usd(spent.get(run.transaction_guid)),
            )
            for run in runs
        }

    async def items(self, owner_id: int, run_id: int) -> list[EvaluationItem]:
        await self.get(owner_id, run_id)
        async with self._sessions() as session:
            found = await session.scalars(
                select(EvaluationItem)
                .where(EvaluationItem.run_id == run_id)
                .order_by(EvaluationItem.id)
            )
            return list(found)


# A change of state a user asks for (`EvaluationService.start`, `.cancel`, `.resume`): the
# owner's id, the run's id; 409 when the run's state does not allow it.
RunChange = Callable[[EvaluationService, int, int], Awaitable[EvaluationRun]]


def brief_fields(brief: StoryBrief) -> dict[str, str | None]:
    return {
        "primary_character": brief.primary_character,
        "secondary_character": brief.secondary_character,
        "genre": brief.genre,
        "length": brief.length,
    }
