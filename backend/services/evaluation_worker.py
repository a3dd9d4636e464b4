"""Working through an evaluation run: its pending items with bounded concurrency, each a story
streamed through the normal metered path (ledger rows, budgets, the user's generation rate
limit), then the judge on each brief's stories once they are all written.

A run is claimed by one process (`queued` → `running`, with that process's id). Each item's
state is written as it changes, so a cancel, a stop or a crash leaves a run that resumes where
it was: an item interrupted mid-story goes back to `pending` (its ledger rows say what was
spent). Every ledger row of a run carries the run's transaction GUID.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.context import request_id_var, restart_request_clock, transaction_guid_var
from backend.core.errors import AppError
from backend.core.logging import get_logger
from backend.core.names import FrameworkName, ItemStatus, Operation, RunStatus
from backend.frameworks.stories.base import StoryBrief
from backend.models import AppInstance, ComparisonVerdict, EvaluationItem, EvaluationRun, Story
from backend.services.judging import JudgeService
from backend.services.rate_limits import Budget, RateLimits
from backend.services.stories import StoryService, StreamDone, StreamText

log = get_logger(__name__)

# A refusal that says "not now" (the server is busy, the rate limit is spent) is waited out and
# tried again this many times before the item counts as failed.
MAX_WAITS = 30
STOPPING_CODES = {"BUDGET_EXCEEDED"}  # the run stops (resumable), the item stays pending


class StopRun(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EvaluationWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        stories: StoryService,
        judging: JudgeService,
        rate_limits: RateLimits,
        instance_id: str,
    ) -> None:
        self._sessions = sessions
        self._stories = stories
        self._judging = judging
        self._rate_limits = rate_limits
        self._instance_id = instance_id
        self._running: dict[int, asyncio.Task[None]] = {}
        self.taken: set[int] = set()  # runs this process has claimed (for tests and logs)

    async def run(self, run_id: int) -> None:
        """The task: claim the run, work through it, record how it ended."""
        if not await self._claim(run_id):
            return  # another process has it, or it was cancelled meanwhile
        task = asyncio.current_task()
        assert task is not None
        self._running[run_id] = task
        self.taken.add(run_id)
        try:
            ended, reason = await self._work(run_id)
        except asyncio.CancelledError:
            await asyncio.shield(self._requeue_interrupted(run_id))
            raise
        finally:
            self._running.pop(run_id, None)
        await self._finish(run_id, ended, reason)

    @property
    def working(self) -> set[int]:
        """The runs this process is working on now."""
        return set(self._running)

    def cancel_here(self, run_id: int) -> None:
        """Stop a run this process is working on now (its stories in flight are cancelled)."""
        task = self._running.get(run_id)
        if task is not None:
            task.cancel()

    async def stop(self) -> None:
        """Shutting down: runs in progress stop here and are resumed at the next start."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def requeue_orphans(self) -> list[int]:
        """Runs left `running` by a process that is gone (no entry in `app_instances`: the
        heartbeat sweep removes dead ones) go back to the queue; their ids are to be sent."""
        live = select(AppInstance.id)
        async with self._sessions() as session:
            orphans = list(
                await session.scalars(
                    select(EvaluationRun.id).where(
                        EvaluationRun.status == RunStatus.RUNNING.value,
                        EvaluationRun.instance_id.is_(None)
                        | EvaluationRun.instance_id.not_in(live),
                    )
                )
            )
            if orphans:
                await session.execute(
                    update(EvaluationRun)
                    .where(
                        EvaluationRun.id.in_(orphans),
                        EvaluationRun.status == RunStatus.RUNNING.value,
                    )
                    .values(status=RunStatus.QUEUED.value, instance_id=None)
                )
                await session.commit()
                log.warning("evaluation_runs_requeued", runs=orphans)
        return orphans

    async def queued_runs(self) -> list[int]:
        """At start-up: queued runs (an in-process queue forgot them when the process ended)."""
        async with self._sessions() as session:
            queued = await session.scalars(
                select(EvaluationRun.id).where(EvaluationRun.status == RunStatus.QUEUED.value)
            )
            return list(queued)

    # -- the run ------------------------------------------------------------------------------

    async def _claim(self, run_id: int) -> bool:
        async with self._sessions() as session:
            claimed = await session.execute(
                update(EvaluationRun)
                .where(EvaluationRun.id == run_id, EvaluationRun.status == RunStatus.QUEUED.value)
                .values(
                    status=RunStatus.RUNNING.value,
                    instance_id=self._instance_id,
                    error=None,
                    started_at=func.coalesce(EvaluationRun.started_at, func.now()),
                )
            )
            # Items a dead process left mid-story start again.
            await session.execute(
                update(EvaluationItem)
                .where(
                    EvaluationItem.run_id == run_id,
                    EvaluationItem.status == ItemStatus.RUNNING.value,
                )
                .values(status=ItemStatus.PENDING.value)
            )
            await session.commit()
        return bool(claimed.rowcount)  # type: ignore[attr-defined]

    async def _work(self, run_id: int) -> tuple[RunStatus, str | None]:
        async with self._sessions() as session:
            run = await session.get(EvaluationRun, run_id)
            assert run is not None
            items = list(
                await session.scalars(
                    select(EvaluationItem)
                    .where(
                        EvaluationItem.run_id == run_id,
                        EvaluationItem.status == ItemStatus.PENDING.value,
                    )
                    .order_by(EvaluationItem.id)
                )
            )
        transaction_guid_var.set(run.transaction_guid)
        request_id_var.set(f"eval_{run.id}")
        places = asyncio.Semaphore(run.concurrency)
        stopped: list[str] = []

        async def one(item: EvaluationItem) -> None:
            async with places:
                if stopped or await self._cancelled(run_id):
                    return
                try:
                    await self._write(run, item)
                except StopRun as stop:
                    stopped.append(stop.reason)
                    return
                if run.judge:
                    await self._judge_when_complete(run, item.comparison_id, stopped)

        await asyncio.gather(*(one(item) for item in items))
        if run.judge and not stopped:  # briefs completed before a resume, never judged
            for comparison_id in await self._unjudged(run):
                await self._judge_when_complete(run, comparison_id, stopped)
        if stopped:
            return RunStatus.STOPPED, stopped[0]
        if await self._cancelled(run_id):
            return RunStatus.CANCELLED, None
        return RunStatus.DONE, None

    async def _write(self, run: EvaluationRun, item: EvaluationItem) -> None:
        brief = StoryBrief(**run.briefs[item.brief_index])
        framework = FrameworkName(item.framework)
        for _ in range(MAX_WAITS):
            await self._set_item(item.id, status=ItemStatus.RUNNING, error=None)
            restart_request_clock()  # each story's waiting counts from its own start
            started = time.perf_counter()
            first_text: float | None = None
            try:
                await self._rate_limits.hit(Budget.GENERATION, f"user:{run.user_id}")
                stream = self._stories.stream(
                    run.user_id,
                    framework,
                    brief,
                    item.comparison_id,
                    cache=False,  # repetitions are fresh stories, or they measure nothing
                    operation=Operation.EVALUATION,
                )
                async for event in stream:
                    if isinstance(event, StreamText) and first_text is None:
                        first_text = time.perf_counter()
                    if isinstance(event, StreamDone):
                        await self._done(item.id, event.story, started, first_text)
                return
            except AppError as error:
                if error.code in STOPPING_CODES:
                    await self._set_item(item.id, status=ItemStatus.PENDING, error=error.message)
                    raise StopRun(error.message) from error
                if error.status_code in (429, 503) and "Retry-After" in error.headers:
                    await self._set_item(item.id, status=ItemStatus.PENDING, error=error.message)
                    await asyncio.sleep(float(error.headers["Retry-After"]))
                    continue
                await self._set_item(item.id, status=ItemStatus.FAILED, error=error.message)
                return
            except Exception as exc:
                log.warning("evaluation_item_failed", item_id=item.id, error=type(exc).__name__)
                await self._set_item(item.id, status=ItemStatus.FAILED, error=type(exc).__name__)
                return
        await self._set_item(item.id, status=ItemStatus.FAILED, error="Refused too many times.")

    async def _done(
        self, item_id: int, story: Story, started: float, first_text: float | None
    ) -> None:
        now = time.perf_counter()
        await self._set_item(
            item_id,
            status=ItemStatus.DONE,
            story_id=story.id,
            latency_ms=(now - started) * 1000,
            time_to_first_token_ms=(first_text - started) * 1000 if first_text else None,
        )

    async def _judge_when_complete(
        self, run: EvaluationRun, comparison_id: str, stopped: list[str]
    ) -> None:
        """Judge a brief's stories once every framework has had its go (two stories at least),
        unless they have a verdict already."""
        async with self._sessions() as session:
            statuses = list(
                await session.scalars(
                    select(EvaluationItem.status).where(
                        EvaluationItem.comparison_id == comparison_id
                    )
                )
            )
            judged = await session.scalar(
                select(ComparisonVerdict.id).where(ComparisonVerdict.comparison_id == comparison_id)
            )
        finished = {ItemStatus.DONE.value, ItemStatus.FAILED.value}
        if judged or not all(status in finished for status in statuses):
            return
        if statuses.count(ItemStatus.DONE.value) < 2:
            return
        restart_request_clock()
        try:
            await self._judging.judge(run.user_id, comparison_id)
        except AppError as error:
            if error.code in STOPPING_CODES:
                stopped.append(error.message)
            log.warning("evaluation_judge_failed", comparison_id=comparison_id, code=error.code)

    async def _unjudged(self, run: EvaluationRun) -> list[str]:
        async with self._sessions() as session:
            found = await session.scalars(
                select(EvaluationItem.comparison_id)
                .where(EvaluationItem.run_id == run.id)
                .group_by(EvaluationItem.comparison_id)
                .order_by(func.min(EvaluationItem.id))
            )
            return list(found)

    # -- state ----------------------------------------------------------------------------------

    async def _cancelled(self, run_id: int) -> bool:
        async with self._sessions() as session:
            status = await session.scalar(
                select(EvaluationRun.status).where(EvaluationRun.id == run_id)
            )
        return status != RunStatus.RUNNING.value

    async def _set_item(self, item_id: int, *, status: ItemStatus, **values: object) -> None:
        async with self._sessions() as session:
            changes: dict[str, object] = {
                "status": status.value,
                "updated_at": datetime.now(UTC),
                **values,
            }
            if status == ItemStatus.RUNNING:
                changes["attempts"] = EvaluationItem.attempts + 1
            await session.execute(
                update(EvaluationItem).where(EvaluationItem.id == item_id).values(**changes)
            )
            await session.commit()

    async def _requeue_interrupted(self, run_id: int) -> None:
        """Stories cut off by a cancel or a shutdown are written again when the run resumes."""
        async with self._sessions() as session:
            await session.execute(
                update(EvaluationItem)
                .where(
                    EvaluationItem.run_id == run_id,
                    EvaluationItem.status == ItemStatus.RUNNING.value,
                )
                .values(status=ItemStatus.PENDING.value)
            )
            await session.commit()

    async def _finish(self, run_id: int, ended: RunStatus, reason: str | None) -> None:
        async with self._sessions() as session:
            await session.execute(
                update(EvaluationRun)
                .where(EvaluationRun.id == run_id, EvaluationRun.status == RunStatus.RUNNING.value)
                .values(
                    status=ended.value,
                    error=reason[:500] if reason else None,
                    instance_id=None,
                    finished_at=datetime.now(UTC) if ended == RunStatus.DONE else None,
                )
            )
            await session.commit()
        log.info("evaluation_run_ended", run_id=run_id, status=ended.value)
